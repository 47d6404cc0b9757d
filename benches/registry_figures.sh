#!/usr/bin/env bash
# Batch issuance figures, in one run so that the ratios compare like with
# like on a shared machine: for each N, the raw signing rate (sign_loop: parse
# and sign on all cores, nothing stored) beside `elicence issue --db` into a
# fresh SQLite registry (and a fresh PostgreSQL database when
# FIGURES_POSTGRES names a server URL whose user may create databases), with
# wall time, licences per second and peak RSS.
#
#   bash benches/registry_figures.sh [N ...]      default: 10000 100000
#   FIGURES_POSTGRES=postgres://user@127.0.0.1:5432/postgres bash benches/registry_figures.sh 100000
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(10000 100000)
WORK=$(mktemp -d /tmp/elicence-figures.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

cargo build --release --quiet --features cli --bin elicence
cargo build --release --quiet --example sign_loop
E=target/release/elicence

"$E" ca init --out "$WORK/ca" --at 2025-01-01T00:00:00+08:00 >/dev/null
"$E" ca signer --ca "$WORK/ca" --name 北京市公安局公安交通管理局 --uscc 111100000000213452 \
    --at 2025-01-01T00:00:00+08:00 --out "$WORK/signer" >/dev/null

# Runs a command; prints "<seconds> <peak RSS in MiB>" of it (and its children).
measure() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys, time
start = time.monotonic()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
seconds = time.monotonic() - start
if done.returncode != 0:
    sys.exit(f"{sys.argv[1:]} exited {done.returncode}")
rss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"{seconds:.2f} {rss_kib / 1024:.0f}")
PY
}

row() {
    local what=$1 n=$2 seconds=$3 rss=$4
    awk -v w="$what" -v n="$n" -v s="$seconds" -v r="$rss" \
        'BEGIN { printf "| %-28s | %9d | %8.2f s | %9.0f /s | %5d MiB |\n", w, n, s, n / s, r }'
}

# Issues the batch into a fresh registry at $2 and prints its row.
issue_into() {
    local label=$1 db=$2 n=$3 s rss
    "$E" registry init --db "$db" --origin figures.example.gov.cn/log >/dev/null
    read -r s rss < <(measure "$E" issue --db "$db" --key "$WORK/signer/issuer.key.pem" \
        --cert "$WORK/signer/signer.cert.pem" --batch "$WORK/in.jsonl" --out "$WORK/codes.txt" \
        --at 2025-03-01T09:00:00+08:00)
    row "$label" "$n" "$s" "$rss"
}

echo "| run                          |  licences |     wall |      rate |  peak RSS |"
echo "|---|---|---|---|---|"
for n in "${SIZES[@]}"; do
    python3 benches/gen_driving_licences.py "$n" "$WORK/in.jsonl"
    read -r s rss < <(measure target/release/examples/sign_loop "$WORK/in.jsonl")
    row "raw signing (sign_loop)" "$n" "$s" "$rss"

    db="$WORK/registry-$n.sqlite"
    issue_into "issue --db (SQLite)" "$db" "$n"
    ls -l "$db" | awk -v n="$n" '{ printf "  SQLite file: %.0f MiB, %.0f bytes per licence\n", $5 / 1048576, $5 / n }'
    rm -f "$db" "$db-wal" "$db-shm"

    if [ -n "${FIGURES_POSTGRES:-}" ]; then
        name="elicence_figures_$n"
        psql -q "$FIGURES_POSTGRES" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name"
        url="${FIGURES_POSTGRES%/*}/$name"
        issue_into "issue --db (PostgreSQL)" "$url" "$n"
        psql -q "$FIGURES_POSTGRES" -c "DROP DATABASE $name"
    fi
done
echo "(peak RSS is the client's; PostgreSQL's server processes are not counted)"
