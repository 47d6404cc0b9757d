#!/usr/bin/env bash
# Interop checks with independent peers. Installs what it needs: OpenSSL from
# Debian, pycose/cbor2/cryptography (pinned) into a virtualenv.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v openssl >/dev/null; then
    apt-get update -qq && apt-get install -y -qq openssl >/dev/null
fi
venv="${TMPDIR:-/tmp}/elicence-interop-venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r .ci/interop/requirements.txt

echo "-- pycose verifies every test vector as FORMAT.md says"
"$venv/bin/python" .ci/interop/verify_vectors.py

echo "-- OpenSSL reads the keys the CLI writes, and the CLI verifies what it issues"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build -q --features cli
bin=target/debug/elicence
"$bin" keygen --out "$work" >/dev/null
openssl pkey -in "$work/issuer.key.pem" -noout -text | grep -q "ED25519 Private-Key"
openssl pkey -in "$work/issuer.key.pem" -pubout > "$work/openssl.pub.pem"
diff "$work/openssl.pub.pem" "$work/issuer.pub.pem"
openssl pkey -pubin -in "$work/issuer.pub.pem" -noout
mode=$(stat -c %a "$work/issuer.key.pem")
[ "$mode" = 600 ] || { echo "issuer.key.pem has mode $mode"; exit 1; }
"$bin" issue --key "$work/issuer.key.pem" --licence examples/licences/driving-licence.json \
    --out "$work/dl.cose" --at 2025-01-01T09:00:00+08:00 > "$work/dl.qr.txt"
"$bin" verify --pub "$work/openssl.pub.pem" --at 2026-06-01T00:00:00+08:00 --cose "$work/dl.cose" >/dev/null
"$bin" verify --pub "$work/openssl.pub.pem" --at 2026-06-01T00:00:00+08:00 - < "$work/dl.qr.txt" >/dev/null

openssl genpkey -algorithm ed25519 -out "$work/openssl.key.pem"
openssl pkey -in "$work/openssl.key.pem" -pubout -out "$work/openssl2.pub.pem"
"$bin" issue --key "$work/openssl.key.pem" --licence examples/licences/health-permit.json \
    --at 2025-09-01T10:00:00+08:00 > "$work/hp.qr.txt"
"$bin" verify --pub "$work/openssl2.pub.pem" --at 2026-06-01T00:00:00+08:00 - < "$work/hp.qr.txt" >/dev/null

echo "-- the demo runs"
"$bin" demo --out "$work/demo" --at 2026-06-01T12:00:00+08:00 >/dev/null
echo "interop: all checks passed"
