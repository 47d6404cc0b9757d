#!/usr/bin/env bash
# The C ABI as a C programmer meets it: libelicence built and installed by
# include/install.sh, C programs compiled with the system compiler against
# the installed header and pkg-config file, run under AddressSanitizer and
# UndefinedBehaviorSanitizer and under valgrind (no errors, no leaks), the
# demo's codes and PDFs verified through the ABI with the same verdicts as
# the CLI, and the Python ctypes binding's tests.
#
#   ELICENCE=target/debug/elicence bash .ci/c_abi.sh
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
bin="${ELICENCE:-target/debug/elicence}"
[ -x "$bin" ] || { echo "c_abi: no CLI at $bin (cargo build --features cli)" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
missing=()
command -v cc >/dev/null || missing+=(gcc)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v valgrind >/dev/null || missing+=(valgrind)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
STRIP=0 bash include/install.sh "$prefix" >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
export LD_LIBRARY_PATH="$prefix/lib"
read -r -a flags <<<"$(pkg-config --cflags --libs elicence)"
strict=(-std=c11 -Wall -Wextra -Werror -Wpedantic -g)
sanitize=(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
for program in abi_test verify_files; do
    cc "${strict[@]}" "${sanitize[@]}" "tests/c/$program.c" "${flags[@]}" -lpthread -o "$work/$program.asan"
    cc "${strict[@]}" -O1 "tests/c/$program.c" "${flags[@]}" -lpthread -o "$work/$program"
done
# The static library links on its own too.
cc "${strict[@]}" tests/c/verify_files.c -I"$prefix/include" "$prefix/lib/libelicence.a" \
    $(pkg-config --libs-only-l --static elicence | sed 's/-lelicence//') -lpthread -Wl,--gc-sections -o "$work/verify_files.static"

# Material: the demo, and a document signer for the driving licence's
# authority (the traffic police) made with the CLI. The driving licence
# carries no status reference, so it is valid without status lists.
"$bin" demo --out "$work/demo" >/dev/null
# Valid from yesterday, so that signing now is inside their validity.
yesterday=$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)
"$bin" ca init --out "$work/root" --at "$yesterday" >/dev/null
"$bin" ca signer --ca "$work/root" --name 北京市公安局公安交通管理局 --uscc 111100000000213452 \
    --role document-signer --out "$work/dsc" --at "$yesterday" >/dev/null
"$bin" ca signer --ca "$work/root" --name 北京市公安局公安交通管理局 --uscc 111100000000213452 \
    --role status-signer --out "$work/ssc" --at "$yesterday" >/dev/null
# A seal record for that authority, made by a seal maker under the same root,
# allowing the document signer's certificate to apply it.
"$bin" ca signer --ca "$work/root" --name 印章制作中心 --uscc 91110000600037341L \
    --role seal-maker --out "$work/maker" --at "$yesterday" >/dev/null
"$bin" seal make --maker "$work/maker" --owner-uscc 111100000000213452 \
    --name 北京市公安局公安交通管理局 --purpose 电子证照专用章 \
    --holder-cert "$work/dsc/signer.cert.pem" --at "$yesterday" --out "$work/police.seal" >/dev/null
at=$(date +%s)
abi_args=("$work/dsc/issuer.key.pem" "$work/dsc/signer.cert.pem" "$work/dsc/issuer.pub.pem"
    "$work/root/ca.cert.pem" examples/licences/driving-licence.json "$work/police.seal"
    "$work/ssc/issuer.key.pem" "$work/ssc/signer.cert.pem" "$work" "$at")

echo "-- abi_test under ASan and UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$work/abi_test.asan" "${abi_args[@]}"
# What C drew and sealed, to look at.
mkdir -p target/ci-artefacts/c-abi
cp "$work"/from-c*.pdf "$work"/from-c*.png target/ci-artefacts/c-abi/
echo "-- abi_test under valgrind"
valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect "$work/abi_test" "${abi_args[@]}"

# Every demo file through the ABI, and through the CLI, at the same time.
demo="$work/demo"
when=$(date -u -d "@$at" +%Y-%m-%dT%H:%M:%SZ)
files=()
status_flags=()
for list in "$demo"/status/*/*.cwt; do
    files+=("status:$list")
    status_flags+=(--status "$list")
done
for code in "$demo"/trust/*.qr.txt; do files+=("qr:$code"); done
for cose in "$demo"/trust/*.cose; do files+=("cose:$cose"); done
for pdf in "$demo"/sealed/*.pdf; do files+=("pdf:$pdf"); done
verify_args=("$demo/pki/root.cert.pem" "$demo/pki/trust-list.cose" "$at" "${files[@]}")
echo "-- the demo's files through the ABI (ASan, valgrind, static) and the CLI"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 "$work/verify_files.asan" "${verify_args[@]}" >"$work/abi.tsv"
valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect \
    "$work/verify_files" "${verify_args[@]}" >"$work/abi-valgrind.tsv"
"$work/verify_files.static" "${verify_args[@]}" >"$work/abi-static.tsv"
cmp "$work/abi.tsv" "$work/abi-valgrind.tsv"
cmp "$work/abi.tsv" "$work/abi-static.tsv"
: >"$work/cli.tsv"
cli=("$bin" verify --roots "$demo/pki/root.cert.pem" --trust-list "$demo/pki/trust-list.cose"
    "${status_flags[@]}" --at "$when")
for entry in "${files[@]}"; do
    kind=${entry%%:*}
    path=${entry#*:}
    case $kind in
    status) continue ;;
    qr) answer=$("${cli[@]}" "$(cat "$path")" || true) ;;
    cose) answer=$("${cli[@]}" --cose "$path" || true) ;;
    pdf) answer=$("${cli[@]}" --pdf "$path" || true) ;;
    esac
    printf '%s\t%s\n' "$path" "$(printf '%s' "$answer" | tr -d '\n')" >>"$work/cli.tsv"
done
python3 - "$work/abi.tsv" "$work/cli.tsv" <<'PY'
import json, sys
def table(path):
    rows = {}
    for line in open(path, encoding="utf-8"):
        name, _, verdict = line.rstrip("\n").partition("\t")
        rows[name] = json.loads(verdict)
    return rows
abi, cli = table(sys.argv[1]), table(sys.argv[2])
if abi.keys() != cli.keys():
    sys.exit(f"files differ: {sorted(abi.keys() ^ cli.keys())}")
differ = [name for name in abi if abi[name] != cli[name]]
for name in differ:
    print(f"{name}:\n  abi {json.dumps(abi[name], ensure_ascii=False)[:400]}\n  cli {json.dumps(cli[name], ensure_ascii=False)[:400]}")
valid = sum(1 for v in abi.values() if v.get("valid"))
print(f"{len(abi)} files, {valid} valid, {len(abi) - valid} refused; {len(differ)} differ from the CLI")
sys.exit(1 if differ else 0)
PY

echo "-- the Python binding"
ELICENCE_LIB="$prefix/lib/libelicence.so" python3 examples/python/test_elicence.py \
    "$work/ssc/issuer.key.pem" "$work/ssc/signer.cert.pem" "$work/dsc/issuer.key.pem" "$work/dsc/signer.cert.pem" "$work/root/ca.cert.pem" \
    examples/licences/driving-licence.json "$work/police.seal" "$demo" "$at"
echo "c_abi: passed ($((SECONDS - started)) s)"
