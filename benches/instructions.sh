#!/usr/bin/env bash
# Instruction counts (callgrind) per operation, and the ratios the README
# quotes. Repeatable whatever else the machine is doing.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-300}
cargo build -q --release --features ca --example op_cost
bin=target/release/examples/op_cost
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$n" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
# The last two: the same licence signed by a DSC's key, verified with that key
# trusted bare and through a trust store (root, intermediate, DSC).
ops=(raw_sign issue raw_verify verify verify_dsc_bare verify_trust verify_signer_cert verify_lists)
setup=$(count setup)
declare -A per
for op in "${ops[@]}"; do
    per[$op]=$(( ($(count "$op") - setup) / n ))
    printf '%-15s %9d instructions\n' "$op" "${per[$op]}"
done
awk -v i="${per[issue]}" -v s="${per[raw_sign]}" -v v="${per[verify]}" -v r="${per[raw_verify]}" \
    'BEGIN { printf "issue / raw sign:     %.3f\nverify / raw verify:  %.3f\n", i / s, v / r }'
awk -v t="${per[verify_trust]}" -v b="${per[verify_dsc_bare]}" -v r="${per[raw_verify]}" \
    'BEGIN { printf "trust store / bare key (same text): %.4f\ntrust store / raw verify:           %.3f\n", t / b, t / r }'
awk -v l="${per[verify_lists]}" -v c="${per[verify_signer_cert]}" \
    'BEGIN { printf "trust list + status list / signer certificate (same text): %.4f\n", l / c }'
