#!/usr/bin/env bash
# Instruction counts (callgrind) per operation, and the ratios the README
# quotes. Repeatable whatever else the machine is doing.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-300}
cargo build -q --release --example op_cost
bin=target/release/examples/op_cost
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$n" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
setup=$(count setup)
declare -A per
for op in raw_sign issue raw_verify verify; do
    per[$op]=$(( ($(count "$op") - setup) / n ))
    printf '%-11s %9d instructions\n' "$op" "${per[$op]}"
done
awk -v i="${per[issue]}" -v s="${per[raw_sign]}" -v v="${per[verify]}" -v r="${per[raw_verify]}" \
    'BEGIN { printf "issue / raw sign:     %.3f\nverify / raw verify:  %.3f\n", i / s, v / r }'
