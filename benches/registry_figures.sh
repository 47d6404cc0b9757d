#!/usr/bin/env bash
# Batch issuance figures, side by side in one run: the raw signing rate
# (examples/sign_loop.rs: parse and sign on all cores, nothing stored) and
# `elicence issue --db` into SQLite (and PostgreSQL when
# ELICENCE_TEST_POSTGRES is set) for each N, with peak memory from
# /usr/bin/time -v. Not a test: prints figures for the README.
#
# usage: benches/registry_figures.sh [N ...]   (default: 10000 100000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-10000 100000 1000000}")
# shellcheck disable=SC2206
sizes=(${sizes[*]})
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet --features cli --bin elicence
cargo build --release --quiet --example sign_loop
bin=target/release/elicence
keys="$work/keys"
mkdir -p "$keys"
"$bin" keygen --out "$keys" >/dev/null
key="$keys/issuer.key.pem"
peak() { awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); printf "%.1f MB", $2 / 1024 }' "$1"; }
printf '%-10s %-10s %12s %12s %10s\n' backend N "per second" "raw sign/s" "peak RSS"
for n in "${sizes[@]}"; do
    input="$work/batch-$n.jsonl"
    python3 benches/gen_driving_licences.py "$n" "$input"
    raw=$(target/release/examples/sign_loop "$input" | sed -E 's/.*: ([0-9]+) per second.*/\1/')
    backends=("$work/reg-$n.sqlite")
    if [ -n "${ELICENCE_TEST_POSTGRES:-}" ]; then backends+=("$ELICENCE_TEST_POSTGRES"); fi
    for db in "${backends[@]}"; do
        kind=sqlite
        case "$db" in postgres*) kind=postgres ;; esac
        if [ "$kind" = postgres ]; then
            psql "$db" -qc 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' >/dev/null
        fi
        "$bin" registry init --db "$db" >/dev/null
        start=$(date +%s.%N)
        /usr/bin/time -v -o "$work/time" "$bin" issue --db "$db" --key "$key" \
            --batch "$input" --out "$work/codes-$n.txt" --at 2025-03-01T09:00:00+08:00 >/dev/null 2>"$work/err" \
            || { cat "$work/err"; exit 1; }
        end=$(date +%s.%N)
        rate=$(python3 -c "print(round($n / ($end - $start)))")
        printf '%-10s %-10s %12s %12s %10s\n' "$kind" "$n" "$rate" "$raw" "$(peak "$work/time")"
    done
done
