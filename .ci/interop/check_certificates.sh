#!/usr/bin/env bash
# Checks test-vectors/trust/ against two independent X.509 stacks:
#  (a) Python's `cryptography` loads every certificate file and reads every
#      extension of the ones vectors.json calls parseable (it refuses a
#      DER-invalid `cA FALSE`, an unparseable extension and a duplicate
#      extension, as we do), and finds each end entity's role OID in its
#      extended key usage, decoded by its own OID code;
#  (b) `openssl verify` agrees with each case's expectation wherever X.509
#      path validation has an opinion: chains we accept verify at the
#      signing time (the chain model), chains we refuse for a chain reason
#      fail, and where our refusal is policy X.509 knows nothing of (role,
#      authority binding, licence expiry) the chain itself verifies.
# Usage: check_certificates.sh <python of a venv with cryptography>
set -euo pipefail
python=${1:?usage: $0 <venv python>}
cd "$(dirname "$0")/../.."
command -v openssl >/dev/null || { echo "check_certificates: openssl not found" >&2; exit 1; }

"$python" - <<'PY'
import glob, json, os, sys
from cryptography import x509

DIR = "test-vectors/trust"
ARC = "2.25.299345139665471428080164469343102699350"
ROLES = {"document-signer": 1, "seal-maker": 2, "status-signer": 3, "trust-list-signer": 4}
vectors = json.load(open(os.path.join(DIR, "vectors.json")))
files = vectors["files"]
failed = False

def fail(msg):
    global failed
    failed = True
    print(f"FAIL {msg}")

pems = sorted(os.path.basename(p) for p in glob.glob(os.path.join(DIR, "*.pem")))
for name in pems:
    info = files.get(name)
    if info is None:
        fail(f"cryptography: {name} is not described in vectors.json")
        continue
    data = open(os.path.join(DIR, name), "rb").read()
    expected_error = info.get("parse_error")
    try:
        certs = x509.load_pem_x509_certificates(data)
        extensions = [list(c.extensions) for c in certs]
    except Exception as e:  # cryptography raises ValueError or DuplicateExtension
        if expected_error:
            print(f"ok   cryptography refuses {name} ({type(e).__name__}), as elicence does ({expected_error})")
        else:
            fail(f"cryptography cannot read {name}: {type(e).__name__}: {e}")
        continue
    if expected_error:
        fail(f"cryptography reads {name}, which elicence refuses ({expected_error})")
        continue
    count = sum(len(e) for e in extensions)
    print(f"ok   cryptography reads {name}: {len(certs)} certificate(s), {count} extensions")
    if info.get("role") == "bundle":
        continue
    cert = certs[0]
    try:
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if is_ca != (info["role"] in ("root", "intermediate CA")):
        fail(f"{name}: cryptography says CA={is_ca}, vectors.json says {info['role']}")
    role = info.get("cert_role")
    try:
        ekus = [o.dotted_string for o in
                cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value]
    except x509.ExtensionNotFound:
        ekus = []
    ours = [o for o in ekus if o.startswith(ARC + ".")]
    want = [f"{ARC}.1.{ROLES[role]}"] if role else []
    if ours != want:
        fail(f"{name}: role OIDs {ours}, vectors.json says {role}")
    elif role:
        print(f"ok   cryptography finds {name}'s role {role} as {want[0]}")
sys.exit(1 if failed else 0)
PY

"$python" - <<'PY'
import datetime, json, os, subprocess, sys, tempfile

DIR = "test-vectors/trust"
vectors = json.load(open(os.path.join(DIR, "vectors.json")))
files = vectors["files"]
# Refusals that are elicence policy beyond X.509 path validation: the chain
# itself must verify in OpenSSL.
POLICY = {"authority_mismatch", "expired", "wrong_role", "no_authority_code"}
# MAX_CHAIN_LEN is 5 certificates: 3 intermediates at most.
DEPTH = "3"
failed = False

def expand(names):
    out = []
    for n in names:
        out.extend(files[n]["contains"] if files[n]["role"] == "bundle" else [n])
    return out

def pem(names, path):
    with open(path, "w") as f:
        for n in names:
            f.write(open(os.path.join(DIR, n)).read())

with tempfile.TemporaryDirectory() as tmp:
    for case in vectors["cases"]:
        name = case["name"]
        expected = case["expected"]
        certs = expand(case["certificates"] + case["signers"])
        leaves = [c for c in certs if files[c].get("key") == case["key"]
                  and files[c]["role"] not in ("root", "intermediate CA")]
        if len(leaves) != 1:
            print(f"skip {name}: no end-entity certificate for the signing key (OpenSSL has no opinion)")
            continue
        leaf = leaves[0]
        pem(expand(case["roots"]), os.path.join(tmp, "roots.pem"))
        pem([c for c in certs if c != leaf], os.path.join(tmp, "untrusted.pem"))
        signed = datetime.datetime.fromisoformat(case["signed_at"])
        cmd = ["openssl", "verify", "-x509_strict", "-verify_depth", DEPTH,
               "-attime", str(int(signed.timestamp())),
               "-CAfile", os.path.join(tmp, "roots.pem")]
        if len(certs) > 1:
            cmd += ["-untrusted", os.path.join(tmp, "untrusted.pem")]
        cmd.append(os.path.join(DIR, leaf))
        run = subprocess.run(cmd, capture_output=True, text=True)
        ok = run.returncode == 0
        reason = expected["reason"]
        want = expected["valid"] or reason in POLICY
        said = "verifies" if ok else "refuses: " + next(
            (l.split("lookup:", 1)[1].strip() for l in (run.stdout + run.stderr).splitlines()
             if "lookup:" in l), "verification failed")
        why = "valid" if expected["valid"] else (
            f"{reason}, policy beyond X.509" if reason in POLICY else reason)
        if ok == want:
            print(f"ok   openssl {said} {leaf} in {name} (elicence: {why})")
        else:
            failed = True
            print(f"FAIL openssl {said} {leaf} in {name} (elicence: {why})")

    # OpenSSL's parser prints a certificate with a duplicate extension; only
    # its verifier refuses it (above). Shown, not asserted.
    dup = os.path.join(DIR, "dsc-duplicate-extension.pem")
    text = subprocess.run(["openssl", "x509", "-noout", "-text", "-in", dup],
                          capture_output=True, text=True)
    count = text.stdout.count("X509v3 Key Usage")
    print(f"info openssl x509 -text on dsc-duplicate-extension.pem: exit {text.returncode}, "
          f"{count} Key Usage extensions printed (OpenSSL's parser does not refuse duplicates)")
sys.exit(1 if failed else 0)
PY
