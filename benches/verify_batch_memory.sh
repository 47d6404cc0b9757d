#!/usr/bin/env bash
# Peak memory and speed of `elicence verify --batch` on many codes.
#
#   bash benches/verify_batch_memory.sh [N]      # N codes, 40,000 by default
#
# Issues N driving licences with the CLI (`issue --batch`, one key), then
# verifies them with `verify --batch` under /usr/bin/time -v, and prints the
# codes a second and the peak resident set size. Then it verifies a file of
# four times as many lines (the same codes repeated) to show that the peak
# does not grow with the input. Files go to target/verify-batch-memory/.
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-40000}
dir=target/verify-batch-memory
bin=target/release/elicence
signed_at=2025-01-01T09:00:00+08:00
at=2026-06-01T12:00:00+08:00

if [ ! -x /usr/bin/time ]; then
    echo "needs GNU time at /usr/bin/time (apt-get install time)" >&2
    exit 2
fi

cargo build --release --features cli --quiet
rm -rf "$dir"
mkdir -p "$dir"
"$bin" keygen --out "$dir/keys" >/dev/null

# N driving licences, each with its own number.
python3 - "$n" >"$dir/licences.jsonl" <<'EOF'
import json, sys
licence = json.load(open("examples/licences/driving-licence.json"))
for i in range(int(sys.argv[1])):
    licence["number"] = "DL%010d" % i
    print(json.dumps(licence, ensure_ascii=False, separators=(",", ":")))
EOF
start=$(date +%s.%N)
"$bin" issue --key "$dir/keys/issuer.key.pem" --batch "$dir/licences.jsonl" \
    --out "$dir/codes.txt" --at "$signed_at" >/dev/null
end=$(date +%s.%N)
codes=$(grep -c . "$dir/codes.txt")
awk -v n="$codes" -v b="$(stat -c %s "$dir/codes.txt")" -v s="$start" -v e="$end" \
    'BEGIN { printf "issued %d codes (%d bytes) in %.2f s\n", n, b, e - s }'

# Runs `verify --batch` on $1 under time -v; prints the summary line, the
# wall-clock time, codes a second and the peak RSS.
measure() {
    local file=$1 lines
    lines=$(grep -c . "$file")
    /usr/bin/time -v -o "$dir/time.txt" "$bin" verify --pub "$dir/keys/issuer.pub.pem" \
        --at "$at" --batch "$file" >"$dir/summary.json" || true
    local wall rss seconds
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$dir/time.txt")
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/time.txt")
    seconds=$(echo "$wall" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
    awk -v f="$(basename "$file")" -v n="$lines" -v s="$seconds" -v rss="$rss" \
        -v summary="$(cat "$dir/summary.json")" \
        'BEGIN { printf "%s: %d codes in %.2f s: %.0f codes/s, peak RSS %.1f MiB; %s\n",
                 f, n, s, n / s, rss / 1024, summary }'
    grep -q '"invalid":0' "$dir/summary.json" || { echo "not all valid" >&2; exit 1; }
}

measure "$dir/codes.txt"
for _ in 1 2 3 4; do cat "$dir/codes.txt"; done >"$dir/codes-x4.txt"
measure "$dir/codes-x4.txt"
