"""Checks a trust list with independent code: the `cwt` package verifies its
COSE_Sign1 signature with the trust-list signer's Ed25519 key from its
certificate, and cbor2 reads the list as FORMAT.md section 13 says.

    check_trust_list.py --list TL.cose --cert SIGNER.cert.pem --expect-seq N \
        --expect-entries N [--expect-role ROLE=COUNT]...

Exits 0 with "ok: ..." or 1 with the reasons.
"""

import argparse
import hashlib
import sys

import cbor2
import cwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

TYP = "application/elicence-trustlist+cwt"
ROLES = {"document-signer", "seal-maker", "status-signer", "trust-list-signer"}


def fail(problems):
    for p in problems:
        print(f"trust list: FAIL: {p}", file=sys.stderr)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--expect-seq", type=int, required=True)
    ap.add_argument("--expect-entries", type=int, required=True)
    ap.add_argument("--expect-role", action="append", default=[])
    args = ap.parse_args()

    data = open(args.list, "rb").read()
    cert = x509.load_pem_x509_certificates(open(args.cert, "rb").read())[0]
    public = cert.public_key()
    if not isinstance(public, Ed25519PublicKey):
        fail(["the signer certificate's key is not Ed25519"])
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    kid = hashlib.sha256(raw).digest()[:8]
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    problems = []

    outer = cbor2.loads(data)
    if not (isinstance(outer, cbor2.CBORTag) and outer.tag == 18 and len(outer.value) == 4):
        fail(["not a tagged COSE_Sign1"])
    protected_bytes, unprotected, payload_bytes, signature = outer.value
    protected = cbor2.loads(protected_bytes)
    if set(protected) != {1, 4, 16, 33}:
        problems.append(f"protected header labels {sorted(protected)}")
    if protected.get(1) != -8:
        problems.append(f"alg is {protected.get(1)!r}")
    if protected.get(16) != TYP:
        problems.append(f"typ is {protected.get(16)!r}, not {TYP!r}")
    if protected.get(4) != kid:
        problems.append("kid is not SHA-256(signer key)[:8]")
    chain = protected.get(33)
    if not (isinstance(chain, list) and chain and chain[0] == cert.public_bytes(serialization.Encoding.DER)):
        problems.append("x5chain does not start with the signer certificate")
    if unprotected != {}:
        problems.append("unprotected header is not empty")

    key = cwt.COSEKey.from_pem(pem, alg="EdDSA", kid=kid)
    try:
        claims = cwt.decode(data, key, no_verify=True)
    except Exception as e:
        fail(problems + [f"cwt does not verify the trust list: {type(e).__name__}: {e}"])
    tampered = bytearray(data)
    tampered[-1] ^= 1
    try:
        cwt.decode(bytes(tampered), key, no_verify=True)
        problems.append("cwt verifies the list with its last signature byte changed")
    except Exception:
        pass

    if set(claims) != {1, 6, -65538}:
        fail(problems + [f"claims {sorted(claims)}, not iss, iat and the list"])
    body = claims[-65538]
    if not isinstance(body, dict) or set(body) != {0, 1, 2, 3, 4}:
        fail(problems + ["the list map does not have keys 0 to 4"])
    if body[0] != 1:
        problems.append(f"version {body[0]}")
    if body[1] != args.expect_seq:
        problems.append(f"sequence {body[1]}, not {args.expect_seq}")
    if not (isinstance(body[2], int) and body[2] > claims[6]):
        problems.append("next update is not after iat")
    entries = body[3]
    if len(entries) != args.expect_entries:
        problems.append(f"{len(entries)} entries, not {args.expect_entries}")
    roles = {}
    for i, e in enumerate(entries):
        if not {1, 2, 3, 4, 7} <= set(e) <= {1, 2, 3, 4, 5, 6, 7}:
            problems.append(f"entry {i} has keys {sorted(e)}")
            continue
        c = x509.load_der_x509_certificate(e[1])
        role = e[2]
        if role not in ROLES:
            problems.append(f"entry {i}: unknown role {role!r}")
        roles[role] = roles.get(role, 0) + 1
        codes = [a.value for a in c.subject if a.oid.dotted_string == "2.5.4.97"]
        if codes != [e[3]]:
            problems.append(f"entry {i}: authority {e[3]} is not the certificate's {codes}")
        if 5 in e and role != "document-signer":
            problems.append(f"entry {i}: licence types on a {role}")
        if e[7][0] not in (0, 1, 2):
            problems.append(f"entry {i}: state {e[7]!r}")
    for spec in args.expect_role:
        role, count = spec.split("=")
        if roles.get(role, 0) != int(count):
            problems.append(f"{roles.get(role, 0)} {role} entries, not {count}")
    if problems:
        fail(problems)
    print(
        f"ok: cwt verifies the EdDSA signature; sequence {body[1]}, {len(entries)} entries "
        f"({', '.join(f'{n} {r}' for r, n in sorted(roles.items()))}), {len(body[4])} intermediates"
    )


if __name__ == "__main__":
    main()
