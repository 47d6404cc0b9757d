"""Checks a status list token with independent code: the `cwt` package
verifies its COSE_Sign1 signature with the signer's Ed25519 key taken from
its certificate, and Python's zlib with the draft's bit order
(draft-ietf-oauth-status-list, "Compressed Byte Array": entries packed from
the least significant bit of each byte up) decodes the list.

    check_status_list.py --token LIST.cwt --cert SIGNER.cert.pem \
        --expect EXPECTED.json [--at UNIX_SECONDS]

EXPECTED.json: {"bits": 4, "entries": {"<index>": value, ...}, "sub": "..."}
(optionally "iat", "exp", "ttl"); every entry not listed must be 0.

cwt checks `exp` and `nbf` against the wall clock. Its `no_verify=True`
skips only those claim checks (the signature is verified regardless, inside
`decode_with_headers`), so the clock check is turned off there and `exp` is
checked here against `--at` (default: the token's `iat`), which keeps the
check reproducible. Exits 0 with "ok: ..." or 1 with the reasons.
"""

import argparse
import hashlib
import json
import sys
import zlib

import cbor2
import cwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

TYP = "application/statuslist+cwt"
MAX_LIST_BYTES = 4 * 1024 * 1024


def fail(problems):
    for p in problems:
        print(f"status list: FAIL: {p}", file=sys.stderr)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--token", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--expect", required=True)
    ap.add_argument("--at", type=int, help="check exp at this Unix time (default: iat)")
    args = ap.parse_args()

    token = open(args.token, "rb").read()
    expected = json.load(open(args.expect))
    cert = x509.load_pem_x509_certificate(open(args.cert, "rb").read())
    public = cert.public_key()
    if not isinstance(public, Ed25519PublicKey):
        fail(["the signer certificate's key is not Ed25519"])
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    kid = hashlib.sha256(raw).digest()[:8]
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    problems = []

    # The shell and headers, read with cbor2 alone.
    outer = cbor2.loads(token)
    if not (isinstance(outer, cbor2.CBORTag) and outer.tag == 18 and len(outer.value) == 4):
        fail(["not a tagged COSE_Sign1"])
    protected_bytes, unprotected, payload_bytes, signature = outer.value
    protected = cbor2.loads(protected_bytes)
    if protected.get(1) != -8:
        problems.append(f"alg is {protected.get(1)!r}, not EdDSA (-8)")
    if protected.get(16) != TYP:
        problems.append(f"typ is {protected.get(16)!r}, not {TYP!r}")
    if protected.get(4) != kid:
        problems.append(f"kid {protected.get(4)!r} is not SHA-256(key)[:8] = {kid.hex()}")
    chain = protected.get(33)
    if not (isinstance(chain, list) and chain and chain[0] == cert.public_bytes(serialization.Encoding.DER)):
        problems.append("x5chain does not start with the signer certificate")
    if unprotected != {}:
        problems.append(f"unprotected header is {unprotected!r}, not empty")
    if len(signature) != 64:
        problems.append(f"signature is {len(signature)} bytes")

    # The signature, by cwt.
    key = cwt.COSEKey.from_pem(pem, alg="EdDSA", kid=kid)
    try:
        claims = cwt.decode(token, key, no_verify=True)
    except Exception as e:  # cwt raises VerifyError/DecodeError/ValueError
        fail(problems + [f"cwt does not verify the token: {type(e).__name__}: {e}"])
    tampered = bytearray(token)
    tampered[-1] ^= 1
    try:
        cwt.decode(bytes(tampered), key, no_verify=True)
        problems.append("cwt verifies the token with its last signature byte changed")
    except Exception:
        pass

    # The claims.
    known = {2, 4, 6, 65533, 65534}
    if set(claims) - known:
        problems.append(f"unknown claims {sorted(set(claims) - known)}")
    if claims.get(2) != expected["sub"]:
        problems.append(f"sub is {claims.get(2)!r}, not {expected['sub']!r}")
    iat, exp, ttl = claims.get(6), claims.get(4), claims.get(65534)
    if not isinstance(iat, int):
        problems.append("iat is missing or not an integer")
    if not (isinstance(ttl, int) and ttl > 0):
        problems.append(f"ttl is {ttl!r}, not a positive integer")
    for name, value in (("iat", iat), ("exp", exp), ("ttl", ttl)):
        if name in expected and expected[name] != value:
            problems.append(f"{name} is {value!r}, not {expected[name]!r}")
    at = args.at if args.at is not None else iat
    if isinstance(exp, int) and isinstance(at, int) and at >= exp:
        problems.append(f"expired at {exp} (checked at {at})")
    status_list = claims.get(65533)
    if not isinstance(status_list, dict) or set(status_list) != {"bits", "lst"}:
        fail(problems + [f"status_list claim is {status_list!r}"])
    bits = status_list["bits"]
    if bits != expected["bits"]:
        problems.append(f"bits is {bits}, not {expected['bits']}")
    if bits not in (1, 2, 4, 8):
        fail(problems + [f"bits {bits} is not 1, 2, 4 or 8"])

    # The list: zlib, then the draft's bit order.
    d = zlib.decompressobj()
    data = d.decompress(status_list["lst"], MAX_LIST_BYTES + 1)
    if len(data) > MAX_LIST_BYTES or d.unconsumed_tail or not d.eof or d.unused_data:
        fail(problems + ["lst is not one complete zlib stream of at most 4 MiB"])
    per_byte, mask = 8 // bits, (1 << bits) - 1

    def entry(i):
        return (data[i // per_byte] >> ((i % per_byte) * bits)) & mask

    length = len(data) * per_byte
    want = {int(i): v for i, v in expected["entries"].items()}
    for i, v in sorted(want.items()):
        if i >= length:
            problems.append(f"entry {i} is past the list's {length} entries")
        elif entry(i) != v:
            problems.append(f"entry {i} is {entry(i)}, not {v}")
    others = sum(1 for i in range(length) if i not in want and entry(i) != 0)
    if others:
        problems.append(f"{others} entries not listed are not 0")
    if problems:
        fail(problems)
    print(
        f"ok: cwt verifies the EdDSA signature; {length} entries of {bits} bits, "
        f"{len(want)} set as expected, the rest 0; sub {claims[2]}"
    )


if __name__ == "__main__":
    main()
