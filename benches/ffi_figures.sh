#!/usr/bin/env bash
# C ABI figures, in one run:
#   a. verifying a QR text through elicence_verify_qr_text (the verdict
#      handle made, read and freed) against the Rust call on the same
#      verifier (benches/ffi.rs), in ROUNDS rounds of both, one after the
#      other, so that a noisy moment on a shared machine shows as a round
#      apart rather than as the ratio; goal: at most 1.10x;
#   b. the sizes of the libraries include/install.sh installs, stripped,
#      and of tests/c/verify_files.c (a program that only verifies) linked
#      against the static library with -Wl,--gc-sections and stripped.
# Ends with a markdown table.
#
#   bash benches/ffi_figures.sh            3 rounds (about 2 minutes after the builds)
#   ROUNDS=1 bash benches/ffi_figures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_INCREMENTAL=0
rounds=${ROUNDS:-3}
estimates=target/criterion/verify_qr_text
ratios=()
rows=()
for round in $(seq "$rounds"); do
    cargo bench --quiet --features ffi --bench ffi >/dev/null 2>&1
    read -r rust abi < <(python3 - "$estimates" <<'PY'
import json, sys
def median(name):
    with open(f"{sys.argv[1]}/{name}/new/estimates.json") as f:
        return json.load(f)["median"]["point_estimate"] / 1000
print(f"{median('rust'):.1f} {median('c_abi'):.1f}")
PY
)
    ratio=$(python3 -c "print(f'{$abi / $rust:.3f}')")
    ratios+=("$ratio")
    rows+=("| round $round | $rust µs | $abi µs | ${ratio}× |")
    echo "round $round: rust $rust µs, C ABI $abi µs, ratio $ratio"
done
median_ratio=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')

prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
bash include/install.sh "$prefix" >/dev/null 2>&1
size() { stat -c %s "$1" | awk '{printf "%.1f MiB (%d bytes)", $1 / 1048576, $1}'; }
shared=$(size "$prefix/lib/libelicence.so")
static=$(size "$prefix/lib/libelicence.a")
cc -std=c11 -O2 tests/c/verify_files.c -I"$prefix/include" "$prefix/lib/libelicence.a" \
    $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --libs-only-l --static elicence | sed 's/-lelicence//') \
    -Wl,--gc-sections -s -o "$prefix/verify_files"
program=$(size "$prefix/verify_files")

echo
echo "| verify_qr_text | Rust | C ABI | C ABI / Rust |"
echo "|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo "| median ratio | | | ${median_ratio}× (goal ≤ 1.10×) |"
echo
echo "| library (stripped, features ffi) | size |"
echo "|---|---|"
echo "| libelicence.so | $shared |"
echo "| libelicence.a | $static |"
echo "| a verifying C program, static, --gc-sections | $program |"
