"""Tests of the ctypes binding, run by .ci/c_abi.sh:

    ELICENCE_LIB=.../libelicence.so python3 examples/python/test_elicence.py \
        STATUS_KEY.pem STATUS_CERT.pem KEY.pem CERT.pem ROOTS.pem LICENCE.json SEAL \
        DEMO_DIR UNIX_TIME
"""

import glob
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import elicence  # noqa: E402

STATUS_KEY, STATUS_CERT, KEY, CERT, ROOTS, LICENCE, SEAL, DEMO, AT = sys.argv[1:10]
AT = int(AT)


def read(path):
    with open(path, "rb") as f:
        return f.read()


class Binding(unittest.TestCase):
    def test_issue_verify_render(self):
        with elicence.SigningKey.from_pem(read(KEY)) as key:
            envelope, qr = key.issue(read(LICENCE).decode(), AT, cert_pem=read(CERT))
        self.assertTrue(qr.startswith("https://verify.example.gov.cn/c/"))
        with elicence.Verifier(read(ROOTS)) as verifier:
            with verifier.verify_envelope(envelope, AT) as verdict:
                self.assertTrue(verdict.valid, verdict.json())
            tampered = bytearray(envelope)
            tampered[len(tampered) // 3] ^= 1
            with verifier.verify_envelope(bytes(tampered), AT) as verdict:
                self.assertFalse(verdict.valid)
                self.assertTrue(verdict.json()["reasons"])
        png = elicence.render_png(envelope, {"png_width": 640})
        self.assertEqual(png[:4], b"\x89PNG")
        pdf = elicence.render_pdf(envelope)
        self.assertEqual(pdf[:5], b"%PDF-")

    def test_seal_a_rendered_pdf(self):
        with elicence.SigningKey.from_pem(read(KEY)) as key:
            envelope, _ = key.issue(read(LICENCE).decode(), AT, cert_pem=read(CERT))
            unsealed = elicence.render_pdf(envelope, {"stamp_in_pdf": False})
            sealed = key.seal_pdf(unsealed, read(SEAL), read(CERT), AT)
            with self.assertRaises(elicence.ElicenceError) as caught:
                key.seal_pdf(unsealed, read(SEAL), read(CERT), AT - 3 * 86400)
            self.assertEqual(caught.exception.result, 17)
        with elicence.Verifier(read(ROOTS)) as verifier:
            with verifier.verify_pdf(unsealed, AT) as verdict:
                self.assertFalse(verdict.valid)
            with verifier.verify_pdf(sealed, AT) as verdict:
                self.assertTrue(verdict.valid, verdict.json())

    def test_issue_through_a_registry(self):
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, "registry.db")
            with elicence.SigningKey.from_pem(read(KEY)) as key, \
                    elicence.Registry.create(db, "verify.example.gov.cn/log") as registry:
                first = registry.issue(key, read(LICENCE).decode(), AT, cert_pem=read(CERT),
                                       request_id="r1")
                again = registry.issue(key, read(LICENCE).decode(), AT, cert_pem=read(CERT),
                                       request_id="r1")
                self.assertEqual(first, again)
                with elicence.SigningKey.from_pem(read(STATUS_KEY)) as status_key:
                    lists = registry.publish_status(
                        status_key, read(STATUS_CERT),
                        "https://verify.example.gov.cn/status/111100000000213452", AT, 3600)
            self.assertEqual([number for number, _ in lists], [1])
            with elicence.Verifier(read(ROOTS)) as verifier:
                with verifier.verify_envelope(first, AT) as verdict:
                    self.assertFalse(verdict.valid)
                verifier.add_status_list(lists[0][1], AT)
                with verifier.verify_envelope(first, AT) as verdict:
                    self.assertTrue(verdict.valid, verdict.json())
                    self.assertTrue(verdict.json()["licence"]["identifier"], verdict.json())
            text = elicence.qr_text(first, "https://scan.example.org/v/")
            self.assertTrue(text.startswith("https://scan.example.org/v/"))
            with self.assertRaises(elicence.ElicenceError) as caught:
                elicence.Registry.create(db, "verify.example.gov.cn/log")
            self.assertEqual(caught.exception.result, 18)
            elicence.Registry.open(db).close()

    def test_refusals_raise_with_the_librarys_words(self):
        with self.assertRaises(elicence.ElicenceError) as caught:
            elicence.SigningKey.from_pem(b"not a key")
        self.assertEqual(caught.exception.result, 7)
        self.assertIn("PKCS#8", caught.exception.detail)
        with elicence.SigningKey.from_pem(read(KEY)) as key:
            with self.assertRaises(elicence.ElicenceError) as caught:
                key.issue("{}", AT)
            self.assertEqual(caught.exception.result, 9)
        with self.assertRaises(elicence.ElicenceError) as caught:
            elicence.render_png(b"", {"png_widht": 1})
        self.assertEqual(caught.exception.result, 4)
        key = elicence.SigningKey.from_pem(read(KEY))
        key.close()
        key.close()
        with self.assertRaises(ValueError):
            key.issue("{}", AT)

    def test_the_demo_codes_get_the_clis_verdicts(self):
        with elicence.Verifier(read(os.path.join(DEMO, "pki/root.cert.pem"))) as verifier:
            verifier.add_trust_list(read(os.path.join(DEMO, "pki/trust-list.cose")), AT)
            for path in sorted(glob.glob(os.path.join(DEMO, "status/*/*.cwt"))):
                verifier.add_status_list(read(path), AT)
            expected = {
                "business-licence": (True, []),
                "business-licence-revoked": (False, ["revoked"]),
                "business-licence-expired": (False, ["expired"]),
            }
            for name, (valid, codes) in expected.items():
                text = read(os.path.join(DEMO, "trust", name + ".qr.txt")).decode().strip()
                with verifier.verify_qr_text(text, AT) as verdict:
                    self.assertEqual(verdict.valid, valid, name)
                    got = [r["code"] for r in verdict.json()["reasons"]]
                    self.assertEqual(got, codes, name)
            forged = read(os.path.join(DEMO, "trust/forged-driving-licence.qr.txt")).decode()
            with verifier.verify_qr_text(forged.strip(), AT) as verdict:
                self.assertFalse(verdict.valid)
            with verifier.verify_pdf(read(os.path.join(DEMO, "sealed/business-licence.pdf")), AT) as verdict:
                self.assertTrue(verdict.valid, verdict.json())


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
