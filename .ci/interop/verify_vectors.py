"""Checks test-vectors/vectors.json with pycose and cbor2, following FORMAT.md only.

This is a second, independent verifier: it shares no code with the crate. Every
valid case must verify with pycose under the issuer key; every invalid case must
be refused, for the reason the vector names. Prints 'N passed, M failed'.
"""

import hashlib
import json
import sys
from datetime import datetime
from pathlib import Path

import cbor2
from pycose.keys.curves import Ed25519
from pycose.keys.okp import OKPKey
from pycose.messages import Sign1Message

ROOT = Path(__file__).resolve().parents[2]
MAX_ENVELOPE = 4096
LICENCE_TYPE = "application/elicence+cwt"
TAIL_DIGITS = [0, 3, 5, 8, 10, 13, 15]
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Encodings of small-order Edwards points, compared with the sign bit cleared
# (libsodium's blocklist): identity, order 2, 4 and 8, and non-canonical forms.
SMALL_ORDER = [
    bytes.fromhex(h)
    for h in [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ]
]


class Refused(Exception):
    def __init__(self, reason, detail):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


def malformed(detail):
    return Refused("malformed", detail)


def small_order(point):
    cleared = point[:31] + bytes([point[31] & 0x7F])
    return cleared in SMALL_ORDER


def digits_to_bytes(text):
    end = len(text)
    start = end
    while start > 0 and text[start - 1] in "0123456789":
        start -= 1
    digits = text[start:end]
    if not digits:
        raise Refused("malformed_text", "no digit block")
    if len(digits) % 17 not in TAIL_DIGITS:
        raise Refused("malformed_text", f"{len(digits)} digits")
    tail = TAIL_DIGITS.index(len(digits) % 17)
    out = bytearray()
    for i in range(0, len(digits), 17):
        block = digits[i : i + 17]
        n = 7 if len(block) == 17 else tail
        value = int(block)
        if value >= 256**n:
            raise Refused("malformed_text", "block out of range")
        out += value.to_bytes(n, "big")
    return bytes(out)


def strict_cbor(data, what):
    """Decodes `data`, insisting it is the deterministic encoding (FORMAT.md §3)."""
    try:
        value = cbor2.loads(data)
    except Exception as e:  # cbor2 raises several types for bad input
        raise malformed(f"{what}: {e}")
    if contains_float(value):
        raise malformed(f"{what}: float")
    try:
        again = cbor2.dumps(value, canonical=True)
    except Exception as e:
        raise malformed(f"{what}: {e}")
    if again != data:
        raise malformed(f"{what}: not deterministic CBOR")
    return value


def contains_float(v):
    if isinstance(v, float):
        return True
    if isinstance(v, (list, tuple)):
        return any(contains_float(x) for x in v)
    if isinstance(v, dict):
        return any(contains_float(k) or contains_float(x) for k, x in v.items())
    if isinstance(v, cbor2.CBORTag):
        return contains_float(v.value)
    return False


def uscc_ok(code):
    if len(code) != 18 or any(c not in USCC_ALPHABET for c in code):
        return False
    s = sum(USCC_ALPHABET.index(c) * w for c, w in zip(code[:17], USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - s % 31) % 31] == code[17]


def resident_id_ok(code):
    if len(code) != 18 or not code[:17].isdigit() or not code[:17].isascii():
        return False
    check = "10X98765432"[sum(int(c) * w for c, w in zip(code[:17], ID_WEIGHTS)) % 11]
    if code[17] != check:
        return False
    try:
        datetime.strptime(code[6:14], "%Y%m%d")
    except ValueError:
        return False
    return code[:6] != "000000"


def free_text(v, limit):
    if not isinstance(v, str) or not v or len(v) > limit:
        return False
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in v):
        return False
    return not (v[0].isspace() or v[-1].isspace())


def check_claims(claims, now):
    if not isinstance(claims, dict) or set(claims) - {1, 4, 5, 6, -65537}:
        raise malformed("unknown claim")
    for k in (1, 5, 6, -65537):
        if k not in claims:
            raise malformed(f"claim {k} missing")
    iss, nbf, iat, lic = claims[1], claims[5], claims[6], claims[-65537]
    exp = claims.get(4)
    if not isinstance(iss, str) or not uscc_ok(iss):
        raise malformed("iss")
    for t in (nbf, iat) + ((exp,) if exp is not None else ()):
        if not isinstance(t, int) or isinstance(t, bool):
            raise malformed("time claim not an integer")
    for t in (nbf,) + ((exp,) if exp is not None else ()):
        if (t + 28800) % 86400:
            raise malformed("nbf/exp not at 00:00 UTC+8")
    if exp is not None and exp < nbf + 86400:
        raise malformed("exp before nbf")
    if not isinstance(lic, dict) or set(lic) - set(range(14)):
        raise malformed("unknown licence field")
    for k in (0, 1, 2, 4, 5, 6, 7, 8):
        if k not in lic:
            raise malformed(f"licence field {k} missing")
    if lic[0] != 1:
        raise malformed("version")
    tc = lic[1]
    if not (isinstance(tc, str) and len(tc) == 21 and uscc_ok(tc[:18]) and tc[18:].isdigit() and tc[18:].isascii()):
        raise malformed("type code")
    if not free_text(lic[2], 64) or not free_text(lic[4], 64) or not free_text(lic[7], 128):
        raise malformed("free text")
    kind, number = lic[5], lic[6]
    if kind == 1:
        ok = isinstance(number, str) and resident_id_ok(number)
    elif kind == 6:
        ok = isinstance(number, str) and uscc_ok(number)
    elif kind in (2, 3, 4, 5):
        ok = isinstance(number, str) and 1 <= len(number) <= 32 and all(c in ALNUM for c in number)
    else:
        ok = False
    if not ok:
        raise malformed("holder document")
    if not isinstance(lic[8], int):
        raise malformed("issue date")
    if 3 in lic:
        ident = lic[3]
        if not (
            isinstance(ident, list)
            and len(ident) == 2
            and isinstance(ident[0], str)
            and 1 <= len(ident[0]) <= 32
            and all(c in ALNUM for c in ident[0])
            and isinstance(ident[1], str)
            and len(ident[1]) == 3
            and ident[1].isdigit()
        ):
            raise malformed("identifier")
    if 9 in lic:
        face = lic[9]
        if not isinstance(face, list) or not 1 <= len(face) <= 64:
            raise malformed("face fields")
        for pair in face:
            if not (isinstance(pair, list) and len(pair) == 2 and free_text(pair[0], 32) and free_text(pair[1], 512)):
                raise malformed("face field")
    if 10 in lic and not (isinstance(lic[10], bytes) and len(lic[10]) == 32):
        raise malformed("photo digest")
    if 11 in lic and not (
        isinstance(lic[11], list)
        and len(lic[11]) == 2
        and all(isinstance(n, int) and 0 <= n < 2**32 for n in lic[11])
    ):
        raise malformed("status reference")
    if 12 in lic:
        co = lic[12]
        if not (isinstance(co, list) and 1 <= len(co) <= 8):
            raise malformed("co-issuers")
        codes = [claims.get(1)]
        for pair in co:
            if not (isinstance(pair, list) and len(pair) == 2 and free_text(pair[0], 128)
                    and isinstance(pair[1], str) and uscc_ok(pair[1]) and pair[1] not in codes):
                raise malformed("co-issuer")
            codes.append(pair[1])
    if 13 in lic and not free_text(lic[13], 32):
        raise malformed("type name")
    return iat, nbf, exp


def verify(case, keys):
    data = digits_to_bytes(case["qr_text"])
    if case.get("cose_hex") is not None and case["layer"] != "digits":
        assert data == bytes.fromhex(case["cose_hex"]), "QR digits and cose_hex disagree"
    if len(data) > MAX_ENVELOPE:
        raise malformed("too large")
    top = strict_cbor(data, "envelope")
    if not isinstance(top, cbor2.CBORTag) or top.tag != 18:
        raise malformed("not tag 18")
    parts = top.value
    if not isinstance(parts, list) or len(parts) != 4:
        raise malformed("not an array of 4")
    protected, unprotected, payload, signature = parts
    if not all(isinstance(p, bytes) for p in (protected, payload, signature)) or unprotected != {}:
        raise malformed("COSE_Sign1 shape")
    header = strict_cbor(protected, "protected header")
    if not isinstance(header, dict):
        raise malformed("protected header")
    # The type first (FORMAT.md section 2): another format's object is named as such.
    if header.get(16) != LICENCE_TYPE:
        raise Refused("not_a_licence", f"typ {header.get(16)!r}")
    if set(header) != {1, 4, 16}:
        raise malformed("header labels")
    if header[1] != -8:
        raise malformed("alg")
    kid = header[4]
    if not isinstance(kid, bytes) or len(kid) != 8:
        raise malformed("kid")
    if len(signature) != 64:
        raise malformed("signature length")
    claims = strict_cbor(payload, "claims")
    iat, nbf, exp = check_claims(claims, None)

    public = bytes.fromhex(keys[case["trusted_key"]]["public_hex"])
    if hashlib.sha256(public).digest()[:8] != kid:
        raise Refused("unknown_key", "kid")
    if small_order(public):
        raise Refused("weak_key", "small-order key")
    if small_order(signature[:32]):
        raise Refused("bad_signature", "small-order R")
    message = Sign1Message.decode(data)
    message.key = OKPKey(crv=Ed25519, x=public)
    try:
        good = message.verify_signature()
    except Exception:
        good = False
    if not good:
        raise Refused("bad_signature", "pycose says the signature does not verify")

    now = int(datetime.fromisoformat(case["verify_at"]).timestamp())
    if iat > now + 300:
        raise Refused("issued_in_future", "iat")
    if now < nbf:
        raise Refused("not_yet_valid", "nbf")
    if exp is not None and now >= exp:
        raise Refused("expired", "exp")


def main():
    vectors = json.loads((ROOT / "test-vectors" / "vectors.json").read_text("utf-8"))
    passed = failed = 0
    for case in vectors["cases"]:
        expected = case["expected"]["reason"]
        try:
            verify(case, vectors["keys"])
            got = None
        except Refused as e:
            got = e.reason
        if got == expected:
            passed += 1
        else:
            failed += 1
            print(f"FAIL {case['name']}: expected {expected}, pycose check says {got}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
