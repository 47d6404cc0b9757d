#!/usr/bin/env bash
# Interop checks with independent peers. Installs what it needs: OpenSSL and
# poppler-utils from Debian; pycose/cbor2/cryptography and zxing-cpp/Pillow
# (pinned) and pyHanko (pinned) into a virtualenv.
set -euo pipefail
cd "$(dirname "$0")/../.."

apt_missing=()
command -v openssl >/dev/null || apt_missing+=(openssl)
for tool in pdftoppm pdffonts pdftotext pdfinfo pdfdetach pdfsig; do
    command -v "$tool" >/dev/null || { apt_missing+=(poppler-utils); break; }
done
if [ ${#apt_missing[@]} -gt 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${apt_missing[@]}" >/dev/null
fi
venv="${TMPDIR:-/tmp}/elicence-interop-venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r .ci/interop/requirements.txt

echo "-- pycose verifies every test vector as FORMAT.md says"
"$venv/bin/python" .ci/interop/verify_vectors.py

echo "-- Python's cryptography reads every trust vector certificate (valid DER, roles as EKU) and OpenSSL agrees with the trust vectors' chain verdicts"
.ci/interop/check_certificates.sh "$venv/bin/python"

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
# The health permit names its status list entry; with a bare key there is
# no list to look it up in, so the status is a warning only.
"$bin" verify --pub "$work/openssl2.pub.pem" --at 2026-06-01T00:00:00+08:00 --status-policy warn \
    - < "$work/hp.qr.txt" >/dev/null

echo "-- the demo runs"
at=2026-06-01T12:00:00+08:00
demo="$work/demo"
"$bin" demo --out "$demo" --at "$at" >/dev/null

fail() { echo "interop: FAIL: $*" >&2; exit 1; }
names=(driving-licence business-licence health-permit)
py="$venv/bin/python"

echo "-- cwt verifies the demo's trust list and status lists with their signers' keys; cbor2, zlib and the draft's bit order read their contents"
"$py" .ci/interop/check_trust_list.py --list "$demo/pki/trust-list.cose" \
    --cert "$demo/pki/trust-list-signer.cert.pem" --expect-seq 2 --expect-entries 7 \
    --expect-role document-signer=4 --expect-role status-signer=2 --expect-role seal-maker=1 \
    || fail "check_trust_list.py refuses the demo's trust list"
for dir in "$demo"/status/*/; do
    "$py" .ci/interop/check_status_list.py --token "$dir/1.cwt" --cert "$dir/signer.cert.pem" \
        --expect "$dir/1.expected.json" || fail "check_status_list.py refuses $dir/1.cwt"
done
grep -q '"90210": *1' "$demo"/status/11110108MB1234567C/1.expected.json \
    || fail "the demo's revoked entry is not in the expected entries"
echo "-- cwt verifies a 2^17-entry status list token from the status_list example"
cargo run -q --features ca --example status_list -- "$work/status"
"$py" .ci/interop/check_status_list.py --token "$work/status/list.cwt" \
    --cert "$work/status/signer.cert.pem" --expect "$work/status/expected.json" \
    || fail "check_status_list.py refuses the example's status list token"

# The demo's PKI: root → intermediate (path length 0) → one DSC per authority.
pki="$demo/pki"
authorities=(traffic-police traffic-police-new market-regulator health-commission)
epoch() { date -u -d "$1" +%s; }
signed_at=$(epoch 2025-01-01T01:00:00Z)   # the demo's DEMO_ISSUED_AT
rotated_at=$(epoch 2025-08-01T01:00:00Z)  # after the traffic police's rotation
# openssl verify of a DSC at a time (Unix seconds) against the demo root, through the intermediate.
openssl_verify() { # DSC TIME [CAFILE]
    openssl verify -attime "$2" -CAfile "${3:-$pki/root.cert.pem}" \
        -untrusted "$pki/intermediate.cert.pem" "$1" > "$work/openssl.txt" 2>&1
}

echo "-- openssl verify accepts each demo DSC chain at its signing time, and refuses the rotated-out DSC after its end"
for a in "${authorities[@]}"; do
    t=$signed_at; [ "$a" = traffic-police-new ] && t=$rotated_at
    openssl_verify "$pki/$a/signer.cert.pem" "$t" \
        || fail "openssl verify refuses pki/$a/signer.cert.pem: $(cat "$work/openssl.txt")"
done
openssl_verify "$pki/intermediate.cert.pem" "$signed_at" \
    || fail "openssl verify refuses the intermediate: $(cat "$work/openssl.txt")"
if openssl_verify "$pki/traffic-police/signer.cert.pem" "$rotated_at"; then
    fail "openssl verify accepts the traffic police's first DSC after the rotation"
fi
grep -q "expired" "$work/openssl.txt" || fail "the rotated-out DSC is refused, but not as expired: $(cat "$work/openssl.txt")"

echo "-- openssl x509 shows each DSC's authority code as subject organizationIdentifier (2.5.4.97); no basicConstraints, the document-signer EKU and key usage as FORMAT.md says"
for a in "${authorities[@]}"; do
    dsc="$pki/$a/signer.cert.pem"
    # The issuer code of the example licence this authority signs.
    case $a in
        traffic-police*) ex=driving-licence;; market-regulator) ex=business-licence;;
        *) ex=health-permit;;
    esac
    code=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["issuer"]["code"])' \
        "examples/licences/$ex.json")
    subject=$(openssl x509 -in "$dsc" -noout -subject -nameopt RFC2253,-esc_msb)
    case "$subject" in *"organizationIdentifier=$code"*) ;;
        *) fail "pki/$a: subject '$subject' lacks organizationIdentifier=$code";; esac
    openssl x509 -in "$dsc" -noout -text > "$work/x509.txt"
    grep -q "organizationIdentifier = $code" "$work/x509.txt" || fail "pki/$a: -text lacks the authority code"
    # An end entity: no basicConstraints at all (DER forbids writing the
    # default cA FALSE), and the document-signer role as its only EKU.
    if grep -q "Basic Constraints" "$work/x509.txt"; then fail "pki/$a: has basicConstraints"; fi
    grep -A1 "X509v3 Extended Key Usage" "$work/x509.txt" \
        | grep -qx " *2.25.299345139665471428080164469343102699350.1.1" \
        || fail "pki/$a: extended key usage is not exactly the document-signer role"
    grep -A1 "Key Usage: critical" "$work/x509.txt" | grep -qx " *Digital Signature, Non Repudiation" \
        || fail "pki/$a: key usage is not exactly Digital Signature, Non Repudiation"
    openssl pkey -pubin -in "$pki/$a/issuer.pub.pem" -noout || fail "pki/$a: openssl cannot read issuer.pub.pem"
    [ "$(openssl x509 -in "$dsc" -noout -pubkey)" = "$(cat "$pki/$a/issuer.pub.pem")" ] \
        || fail "pki/$a: the DSC does not certify issuer.pub.pem"
done
for ca in root intermediate; do
    openssl x509 -in "$pki/$ca.cert.pem" -noout -text > "$work/x509.txt"
    grep -q "CA:TRUE" "$work/x509.txt" || fail "pki/$ca: not CA:TRUE"
    grep -q "Certificate Sign" "$work/x509.txt" || fail "pki/$ca: no keyCertSign"
done
grep -q "pathlen:0" "$work/x509.txt" || fail "pki/intermediate: no path length 0"

echo "-- a forged chain (a DSC in the traffic police's name under a second root named like the demo's) is refused by openssl verify and the CLI"
rogue="$work/rogue"
"$bin" ca init --out "$rogue/ca" --at 2024-01-01T00:00:00Z > /dev/null
openssl pkey -in "$rogue/ca/ca.key.pem" -noout || fail "openssl cannot read the key ca init writes"
[ "$(stat -c %a "$rogue/ca/ca.key.pem")" = 600 ] || fail "ca.key.pem is not mode 600"
"$bin" ca signer --ca "$rogue/ca" --name 北京市公安局公安交通管理局 --uscc 111100000000213452 \
    --out "$rogue/traffic" --at 2024-06-01T00:00:00Z > /dev/null
openssl verify -attime "$signed_at" -CAfile "$rogue/ca/ca.cert.pem" "$rogue/traffic/signer.cert.pem" \
    > "$work/openssl.txt" 2>&1 || fail "the rogue chain is not even well-formed: $(cat "$work/openssl.txt")"
[ "$(openssl x509 -in "$rogue/ca/ca.cert.pem" -noout -subject)" = "$(openssl x509 -in "$pki/root.cert.pem" -noout -subject)" ] \
    || fail "the rogue root is not named like the demo root"
if openssl verify -attime "$signed_at" -CAfile "$pki/root.cert.pem" "$rogue/traffic/signer.cert.pem" \
    > "$work/openssl.txt" 2>&1; then
    fail "openssl verify accepts a DSC from another root against the demo root"
fi
"$bin" issue --key "$rogue/traffic/issuer.key.pem" --cert "$rogue/traffic/signer.cert.pem" \
    --licence examples/licences/driving-licence.json --at 2025-01-01T09:00:00+08:00 \
    --out "$rogue/dl.cose" > /dev/null
rc=0
"$bin" verify --roots "$pki/root.cert.pem" --signers "$pki/signers.pem" \
    --signers "$rogue/traffic/signer.cert.pem" --at "$at" --cose "$rogue/dl.cose" > "$work/verify.json" || rc=$?
[ $rc = 1 ] || fail "verify exits $rc, not 1, on a licence from the rogue chain"
# The rogue DSC's authority key identifier is not the demo root's subject
# key identifier, so the demo root is no candidate; the rogue root the
# signer file carries is self-signed and not trusted.
grep -q '"untrusted_root"' "$work/verify.json" || fail "the rogue chain is not refused as untrusted_root: $(cat "$work/verify.json")"

echo "-- pyHanko validates every demo seal against the demo root alone (intact, valid, trusted; the joint seal's first signature sees only form filling after it); one changed byte and the rogue root are refused"
sealed=("$demo"/sealed/*.pdf)
[ ${#sealed[@]} = 3 ] || fail "the demo writes ${#sealed[@]} sealed PDFs, not 3"
check=(.ci/interop/check_sealed_pdfs.py --at "$at")
"$py" "${check[@]}" --root "$pki/root.cert.pem" --expect-seals 1 "$demo/sealed/driving-licence.pdf" \
    "$demo/sealed/business-licence.pdf" > "$work/pyhanko.txt" \
    || fail "pyHanko refuses a sealed PDF: $(cat "$work/pyhanko.txt")"
"$py" "${check[@]}" --root "$pki/root.cert.pem" --expect-seals 2 "$demo/sealed/health-permit.pdf" \
    > "$work/pyhanko.txt" || fail "pyHanko refuses the jointly sealed PDF: $(cat "$work/pyhanko.txt")"
"$py" "${check[@]}" --root "$pki/root.cert.pem" --tamper "${sealed[@]}" > "$work/pyhanko.txt" \
    || fail "pyHanko accepts a tampered sealed PDF: $(cat "$work/pyhanko.txt")"
if "$py" "${check[@]}" --root "$rogue/ca/ca.cert.pem" "${sealed[@]}" > "$work/pyhanko.txt"; then
    fail "pyHanko trusts the sealed PDFs under the rogue root"
fi

# The demo's trust list and status lists, signed at the demo's verification time.
lists=(--trust-list "$pki/trust-list.cose")
for list in "$demo"/status/*/1.cwt; do lists+=(--status "$list"); done
[ ${#lists[@]} = 6 ] || fail "the demo writes $(( ${#lists[@]} / 2 - 1 )) status lists, not 2"

echo "-- the CLI verifies each sealed PDF with the root, the trust list and the status lists, and refuses it with one byte changed (as the tamper copies above) or bytes added after the last seal"
for pdf in "${sealed[@]}"; do
    rc=0
    "$bin" verify --roots "$pki/root.cert.pem" "${lists[@]}" --at "$at" "$pdf" > "$work/verify.json" || rc=$?
    [ $rc = 0 ] || fail "$pdf: verify exits $rc: $(cat "$work/verify.json")"
    grep -q '"sealed_intact": true' "$work/verify.json" || fail "$pdf: seals not intact"
    # A byte a quarter into the file lies in the rendered page, inside every
    # seal's signed range.
    cp "$pdf" "$work/tampered.pdf"
    size=$(stat -c %s "$pdf")
    "$py" - "$work/tampered.pdf" $((size / 4)) <<'PYEOF'
import sys
path, at = sys.argv[1], int(sys.argv[2])
data = bytearray(open(path, 'rb').read())
data[at] ^= 0x01
open(path, 'wb').write(data)
PYEOF
    rc=0
    "$bin" verify --roots "$pki/root.cert.pem" "${lists[@]}" --at "$at" "$work/tampered.pdf" > "$work/verify.json" 2>&1 || rc=$?
    [ $rc = 1 ] || fail "$pdf with one byte changed: verify exits $rc, not 1"
    cp "$pdf" "$work/appended.pdf"
    printf '%% added after sealing\n' >> "$work/appended.pdf"
    rc=0
    "$bin" verify --roots "$pki/root.cert.pem" "${lists[@]}" --at "$at" "$work/appended.pdf" > "$work/verify.json" || rc=$?
    [ $rc = 1 ] || fail "$pdf with bytes appended: verify exits $rc, not 1"
    grep -q '"unsealed_bytes_after_last_seal": 22' "$work/verify.json" \
        || fail "$pdf with bytes appended: not reported: $(cat "$work/verify.json")"
    [ "$(stat -c %s "$pdf")" = "$size" ] || fail "$pdf changed"
done

echo "-- poppler's pdfsig lists the demo's seals (ETSI.CAdES.detached, SHA-512; the last covers the whole file; it cannot validate Ed25519)"
for pdf in "${sealed[@]}"; do
    want=1; [ "$(basename "$pdf")" = health-permit.pdf ] && want=2
    rc=0; pdfsig -nocert "$pdf" > "$work/pdfsig.txt" 2>&1 || rc=$?
    [ $rc = 0 ] || fail "pdfsig exits $rc on $pdf"
    [ "$(grep -cx 'Signature #[0-9]*:' "$work/pdfsig.txt")" = $want ] || fail "$pdf: pdfsig does not list $want signatures"
    [ "$(grep -cx '  - Signature Type: ETSI.CAdES.detached' "$work/pdfsig.txt")" = $want ] \
        || fail "$pdf: pdfsig: not $want ETSI.CAdES.detached"
    [ "$(grep -cx '  - Signing Hash Algorithm: SHA-512' "$work/pdfsig.txt")" = $want ] \
        || fail "$pdf: pdfsig: not $want SHA-512"
    [ "$(grep -x '  - \(Not t\|T\)otal document signed' "$work/pdfsig.txt" | tail -n 1)" = "  - Total document signed" ] \
        || fail "$pdf: pdfsig: the last signature does not cover the whole file"
done

echo "-- poppler draws each seal: the sealed page has a seal's worth more red ink per seal than the licence before sealing"
for pdf in "${sealed[@]}"; do
    want=1; [ "$(basename "$pdf")" = health-permit.pdf ] && want=2
    "$py" .ci/interop/seal_visible.py "$work" "$want" "$pdf" > "$work/visible.txt" 2>&1 \
        || fail "$(cat "$work/visible.txt")"
done

echo "-- the CLI verifies the demo's licences with the root, the trust list and the status lists alone (.cose files carry their signer's chain): 4 valid, the forgery authority_mismatch, the rotated-out key signer_retired, the revoked licence revoked (撤销), the seal maker's licence wrong_role, the traffic police's business licence type_not_allowed"
for case in driving-licence:0 business-licence:0 health-permit:0 driving-licence-new-key:0 \
    forged-driving-licence:authority_mismatch driving-licence-old-key-after-rotation:signer_retired \
    business-licence-revoked:revoked licence-signed-by-seal-maker:wrong_role \
    business-licence-by-traffic-police:type_not_allowed; do
    file=${case%%:*} want=${case#*:} rc=0
    "$bin" verify --roots "$pki/root.cert.pem" "${lists[@]}" --at "$at" \
        --cose "$demo/trust/$file.cose" > "$work/verify.json" || rc=$?
    if [ "$want" = 0 ]; then
        [ $rc = 0 ] || fail "trust/$file: verify exits $rc: $(cat "$work/verify.json")"
    else
        [ $rc = 1 ] || fail "trust/$file: verify exits $rc, not 1"
        grep -q "\"$want\"" "$work/verify.json" || fail "trust/$file: not refused for $want: $(cat "$work/verify.json")"
    fi
done
grep -q '"label": "撤销"' <("$bin" verify --roots "$pki/root.cert.pem" "${lists[@]}" --at "$at" \
    --cose "$demo/trust/business-licence-revoked.cose" || true) \
    || fail "the revoked licence's verdict lacks the label 撤销"
echo "-- the CLI with the roots and the signers only (no lists): the .cose file verifies only with --status-policy warn (status_unknown otherwise)"
rc=0
"$bin" verify --roots "$pki/root.cert.pem" --at "$at" --cose "$demo/trust/business-licence.cose" \
    > "$work/verify.json" || rc=$?
[ $rc = 1 ] && grep -q '"status_unknown"' "$work/verify.json" \
    || fail "a licence with a status reference and no list is not status_unknown: $(cat "$work/verify.json")"
"$bin" verify --roots "$pki/root.cert.pem" --at "$at" --status-policy warn \
    --cose "$demo/trust/business-licence.cose" > "$work/verify.json" \
    || fail "--status-policy warn does not let the licence through: $(cat "$work/verify.json")"
echo "-- a day and an hour later the status lists are stale: refused, fail-closed"
later=$(date -u -d "@$(( $(epoch "$at") + 90000 ))" +%Y-%m-%dT%H:%M:%SZ)
rc=0
"$bin" verify --roots "$pki/root.cert.pem" "${lists[@]}" --at "$later" \
    --cose "$demo/trust/business-licence.cose" > "$work/verify.json" || rc=$?
[ $rc = 1 ] && grep -q '"status_stale"' "$work/verify.json" \
    || fail "a stale status list is not refused: $(cat "$work/verify.json")"

# Exit status of the CLI's verify on one QR text, for the demo's key and time.
verify_status() {
    local rc=0
    printf '%s\n' "$1" | "$bin" verify --pub "$demo/issuer.pub.pem" --at "$at" --status-policy warn - \
        > "$work/verify.json" || rc=$?
    return $rc
}

# Decodes every QR code in a PNG with zxing-cpp; each must be the demo's QR
# text for that licence and verify. Adds how many it found to $found.
found=0
decode_and_verify() { # IMAGE NAME
    local image=$1 name=$2 want text count=0 rc
    want=$(cat "$demo/$name.qr.txt")
    [ -n "$want" ] || fail "$name.qr.txt is empty"
    "$py" .ci/interop/decode_qr.py "$image" > "$work/decoded.txt" \
        || fail "zxing-cpp finds no QR code in $image"
    while IFS= read -r text; do
        [ "$text" = "$want" ] || fail "$image: a QR code decodes to text other than $name.qr.txt"
        rc=0; verify_status "$text" || rc=$?
        [ $rc = 0 ] || fail "$image: verify exits $rc on the decoded QR text"
        count=$((count + 1))
    done < "$work/decoded.txt"
    [ $count -gt 0 ] || fail "zxing-cpp finds no QR code in $image"
    found=$((found + count))
}

echo "-- poppler reads the demo PDFs: fonts embedded as subsets, name and number as text, Title, licence.cose attached"
for n in "${names[@]}"; do
    pdf="$demo/$n.pdf"
    holder=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["holder"]["name"])' \
        "examples/licences/$n.json")
    number=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["number"])' \
        "examples/licences/$n.json")
    pdffonts "$pdf" > "$work/fonts.txt"
    head -n 1 "$work/fonts.txt" | grep -Eq '^name +type +encoding +emb +sub +uni +object ID *$' \
        || fail "$n.pdf: pdffonts prints an unexpected header"
    # Parsed from the right: the last columns are `emb sub uni object ID`.
    tail -n +3 "$work/fonts.txt" | awk -v f="$n.pdf" '
        NF < 7 { print f ": short pdffonts row: " $0; bad = 1; next }
        { rows++ }
        $(NF-4) != "yes" { print f ": font not embedded: " $0; bad = 1 }
        $(NF-3) != "yes" { print f ": font not a subset: " $0; bad = 1 }
        END { if (rows == 0) { print f ": pdffonts lists no font"; bad = 1 }; exit bad }' >&2 \
        || fail "$n.pdf: fonts"
    pdftotext -enc UTF-8 "$pdf" - | LC_ALL=C tr -d ' \t\n\r\f\v' > "$work/text.txt"
    grep -qF -- "$holder" "$work/text.txt" || fail "$n.pdf: pdftotext lacks the holder's name $holder"
    grep -qF -- "$number" "$work/text.txt" || fail "$n.pdf: pdftotext lacks the number $number"
    pdfinfo -enc UTF-8 "$pdf" > "$work/info.txt"
    title=$(sed -n 's/^Title: *//p' "$work/info.txt")
    [ -n "$title" ] || fail "$n.pdf: pdfinfo shows no Title"
    case "$title" in *"$holder"*) ;; *) fail "$n.pdf: Title '$title' lacks the holder's name";; esac
    grep -Eq '^Pages: +1$' "$work/info.txt" || fail "$n.pdf: not a single page"
    pdfdetach -list "$pdf" | grep -Eqx '[0-9]+: licence\.cose' \
        || fail "$n.pdf: pdfdetach does not list licence.cose"
    rm -rf "$work/detached" && mkdir "$work/detached"
    pdfdetach -saveall -o "$work/detached/" "$pdf"
    cmp -s "$work/detached/licence.cose" "$demo/$n.cose" \
        || fail "$n.pdf: the attached licence.cose differs from $n.cose"
done

echo "-- a licence type with no built-in template: the food business licence, issued with the demo key, drawn with its own template and with the generic one"
food=examples/licences/food-business-licence.json
"$bin" issue --key "$demo/DEMO-ONLY-issuer.key.pem" --licence "$food" \
    --template examples/templates/food-business-licence.json \
    --at 2025-09-01T10:00:00+08:00 --out "$demo/food-business-licence.cose" \
    > "$demo/food-business-licence.qr.txt" 2>/dev/null
"$bin" render --cose "$demo/food-business-licence.cose" \
    --template examples/templates/food-business-licence.json \
    --pdf "$demo/food-business-licence.pdf" --png "$demo/food-business-licence.png" >/dev/null
"$bin" render --cose "$demo/food-business-licence.cose" \
    --pdf "$demo/food-business-licence-generic.pdf" >/dev/null
cp "$demo/food-business-licence.qr.txt" "$demo/food-business-licence-generic.qr.txt"
pdftotext -enc UTF-8 "$demo/food-business-licence-generic.pdf" - | LC_ALL=C tr -d ' \t\n\r\f\v' \
    | grep -qF 食品经营许可证 || fail "the generic layout does not show the licence's type name"
pdftotext -enc UTF-8 "$demo/driving-licence.pdf" - | grep -qF 机动车驾驶证 \
    || fail "the letter-spaced title 机动车驾驶证 does not extract as one word"
pdfinfo -enc UTF-8 "$demo/driving-licence.pdf" | grep -q 19900307 \
    && fail "the driving licence PDF's metadata carries the holder's full ID number"

# Every PDF rasterised, every QR code decoded; the images are kept.
artefacts=target/ci-artefacts/licences
rm -rf "$artefacts" && mkdir -p "$artefacts"
pdfs=("${names[@]}" food-business-licence food-business-licence-generic)
pngs=("${names[@]}" food-business-licence)
printf '%s' "-- PDF → pdftoppm 300 dpi → zxing-cpp: each QR code is the demo's and the CLI verifies it"
mkdir -p "$work/raster"
found=0
for n in "${pdfs[@]}"; do
    pdftoppm -r 300 -png -singlefile "$demo/$n.pdf" "$work/raster/$n"
    decode_and_verify "$work/raster/$n.png" "$n"
    cp "$work/raster/$n.png" "$artefacts/$n.300dpi.png"
done
for n in "${pdfs[@]}" sealed/driving-licence sealed/health-permit; do
    [ -f "$demo/$n.pdf" ] || continue
    pdftoppm -r 100 -png -singlefile "$demo/$n.pdf" "$artefacts/${n//\//-}.100dpi"
done
echo " ($found in ${#pdfs[@]} PDFs)"

printf '%s' "-- zxing-cpp reads every QR code in the demo PNGs: each is the demo's and the CLI verifies it"
found=0
for n in "${pngs[@]}"; do
    decode_and_verify "$demo/$n.png" "$n"
    cp "$demo/$n.png" "$artefacts/$n.phone.png"
done
echo " ($found in ${#pngs[@]} PNGs; images in $artefacts)"

echo "-- negative: a decoded text with a signature digit changed fails verify; a blank image has no QR code"
for n in "${names[@]}"; do
    "$py" .ci/interop/decode_qr.py "$demo/$n.png" > "$work/decoded.txt"
    text=$(head -n 1 "$work/decoded.txt")
    # Lower the last non-zero digit: the digit blocks stay well-formed and
    # the signature's last bytes change.
    i=$((${#text} - 1))
    while [ "${text:i:1}" = 0 ]; do i=$((i - 1)); done
    case "${text:i:1}" in [1-9]) ;; *) fail "$n: decoded text does not end in digits";; esac
    tampered="${text:0:i}$((${text:i:1} - 1))${text:i+1}"
    [ "$tampered" != "$text" ] || fail "$n: tampering changed nothing"
    rc=0; verify_status "$tampered" || rc=$?
    [ $rc = 1 ] || fail "$n: verify exits $rc, not 1, on a tampered QR text"
    grep -q '"bad_signature"' "$work/verify.json" \
        || fail "$n: a tampered QR text is not rejected for its signature"
done
"$py" -c 'import sys; from PIL import Image; Image.new("L", (400, 400), 255).save(sys.argv[1])' \
    "$work/blank.png"
if "$py" .ci/interop/decode_qr.py "$work/blank.png" >/dev/null 2>&1; then
    fail "decode_qr.py succeeds on a blank image"
fi
echo "interop: all checks passed"
