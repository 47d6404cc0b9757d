#!/usr/bin/env bash
# Batch issuance survives kill -9 at any moment: starts `elicence issue --db`
# over CRASH_LINES licences, kills it with SIGKILL at CRASH_KILLS random
# moments, reruns the same command until it finishes, and checks that
#   - each checkpoint signed between runs is consistent with the one before
#     (the log only grows: no issued licence vanished, none was rewritten);
#   - every line was issued exactly once, with serials 1..N and no gaps,
#     one log leaf each, also when the last rerun is two workers at once;
#   - the codes file has one code per line, and every code verifies.
#
#   bash .ci/crash_test.sh [DB]     DB: a SQLite path (default, in a temp
#                                   dir) or a postgres:// URL of an empty db
# Environment: CRASH_LINES (100000), CRASH_KILLS (10), CRASH_CHUNK (2000),
# ELICENCE (the binary; default target/release/elicence, built here).
set -euo pipefail
cd "$(dirname "$0")/.."

LINES="${CRASH_LINES:-100000}"
KILLS="${CRASH_KILLS:-10}"
# Small chunks, so that ten kills leave the job unfinished.
CHUNK="${CRASH_CHUNK:-2000}"
WORK=$(mktemp -d /tmp/elicence-crash.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
DB="${1:-$WORK/registry.sqlite}"

if [ -z "${ELICENCE:-}" ]; then
    cargo build --release --quiet --features cli --bin elicence
    ELICENCE=target/release/elicence
fi
e() { "$ELICENCE" "$@"; }

e ca init --out "$WORK/ca" --at 2025-01-01T00:00:00+08:00 >/dev/null
e ca signer --ca "$WORK/ca" --name 北京市公安局公安交通管理局 --uscc 111100000000213452 \
    --at 2025-01-01T00:00:00+08:00 --out "$WORK/signer" >/dev/null
e keygen --out "$WORK/log" >/dev/null
python3 benches/gen_driving_licences.py "$LINES" "$WORK/in.jsonl"
e registry init --db "$DB" --origin crash.example.gov.cn/log >/dev/null
VKEY=$(e log verifier-key --log-key "$WORK/log/issuer.key.pem" --origin crash.example.gov.cn/log)

# `exec` in a subshell: the background job's pid is then the issuing
# process itself, so that kill -9 lands on it and not on a shell that would
# leave it running.
issue() {
    exec "$ELICENCE" issue --db "$DB" --key "$WORK/signer/issuer.key.pem" --cert "$WORK/signer/signer.cert.pem" \
        --batch "$WORK/in.jsonl" --out "$WORK/codes.txt" --at 2025-03-01T09:00:00+08:00 \
        --chunk "$CHUNK"
}

checkpoint() {
    e log checkpoint --db "$DB" --log-key "$WORK/log/issuer.key.pem" >"$WORK/checkpoint.$1.txt"
}

# The log's size as a reader sees it, without the write lock.
PSQL=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | tail -n 1 || true)
log_size() {
    case "$DB" in
        postgres://* | postgresql://*) "$PSQL" -tAq "$DB" -c "SELECT size FROM log_head" ;;
        *) python3 -c 'import sqlite3, sys
c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
print(c.execute("SELECT size FROM log_head").fetchone()[0])' "$DB" ;;
    esac
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
sleep_ms() { sleep "$(awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }')"; }
random_below() { echo $(( (RANDOM * 32768 + RANDOM) % ($1 + 1) )); }

# Waits until the log grows past $1 or the run $2 ends; prints the size.
wait_for_growth() {
    local size
    while :; do
        size=$(log_size)
        if [ "$size" -gt "$1" ] || ! kill -0 "$2" 2>/dev/null; then
            echo "$size"; return
        fi
        sleep 0.05
    done
}

# A first run, watched: how long start-up takes (planning: hashing the
# input) before its first commit, and how long a chunk takes after it.
checkpoint 0
start=$(now_ms)
(issue) >"$WORK/run.0.json" 2>"$WORK/run.0.log" &
pid=$!
first=$(wait_for_growth 0 "$pid")
startup_ms=$(( $(now_ms) - start ))
wait_for_growth "$first" "$pid" >/dev/null
chunk_ms=$(( $(now_ms) - start - startup_ms ))
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
checkpoint 1
issued_then=$(head -n 2 "$WORK/checkpoint.1.txt" | tail -n 1)
echo "crash test: $LINES lines; start-up ${startup_ms} ms, a chunk ${chunk_ms} ms; kill 1 after $issued_then issued"
if [ "$issued_then" -eq 0 ] || [ "$issued_then" -ge "$LINES" ]; then
    echo "crash test: the first run issued $issued_then of $LINES: no moment to kill"; cat "$WORK/run.0.log"; exit 1
fi

# Odd kills land anywhere from start-up into the first chunk; even ones
# wait for this run's first commit, then land within the next chunk, its
# signing, its inserts or its commit.
previous=1
for kill in $(seq 2 "$KILLS"); do
    before=$(log_size)
    start=$(now_ms)
    (issue) >"$WORK/run.$kill.json" 2>"$WORK/run.$kill.log" &
    pid=$!
    if [ $(( kill % 2 )) -eq 1 ]; then
        sleep_ms "$(random_below $(( startup_ms + chunk_ms )))"
    else
        wait_for_growth "$before" "$pid" >/dev/null
        sleep_ms "$(random_below "$chunk_ms")"
    fi
    delay_ms=$(( $(now_ms) - start ))
    if kill -9 "$pid" 2>/dev/null; then
        outcome=killed
        wait "$pid" 2>/dev/null || true
    else
        outcome="had finished"
        if ! wait "$pid"; then
            echo "crash test: run $kill failed without being killed:"; cat "$WORK/run.$kill.log"; exit 1
        fi
    fi
    checkpoint "$kill"
    size=$(head -n 2 "$WORK/checkpoint.$kill.txt" | tail -n 1)
    echo "kill $kill after ${delay_ms} ms: $outcome; log size $size"
    e log consistency --db "$DB" --old "$WORK/checkpoint.$previous.txt" \
        --new "$WORK/checkpoint.$kill.txt" --verifier-key "$VKEY" >/dev/null
    previous=$kill
done

# The rerun completes the job, by several workers at once (CRASH_WORKERS,
# default 2): they claim chunks from the same job, none issued twice.
WORKERS="${CRASH_WORKERS:-2}"
pids=()
for w in $(seq 1 "$WORKERS"); do
    (issue) >"$WORK/final.$w.json" 2>"$WORK/final.$w.log" &
    pids+=($!)
done
for w in $(seq 1 "$WORKERS"); do
    wait "${pids[$((w - 1))]}" || { echo "crash test: worker $w failed:"; cat "$WORK/final.$w.log"; exit 1; }
done
checkpoint final
e log consistency --db "$DB" --old "$WORK/checkpoint.$previous.txt" \
    --new "$WORK/checkpoint.final.txt" --verifier-key "$VKEY" >/dev/null
e log consistency --db "$DB" --old "$WORK/checkpoint.1.txt" \
    --new "$WORK/checkpoint.final.txt" --verifier-key "$VKEY" >/dev/null
for w in $(seq 1 "$WORKERS"); do echo "final worker $w: $(cat "$WORK/final.$w.json")"; done

python3 - "$WORK" "$LINES" "$WORKERS" "$WORK/checkpoint.$previous.txt" <<'PY'
import json, sys
work, lines, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
before = int(open(sys.argv[4]).read().split("\n")[1])
issued = 0
for w in range(1, workers + 1):
    summary = json.load(open(f"{work}/final.{w}.json"))
    assert summary["records"] == lines, summary
    assert summary["rejected"] == 0, summary
    issued += summary["issued"]
# The workers issued exactly what the killed runs had left.
assert issued == lines - before, (issued, lines, before)
codes = open(f"{work}/codes.txt", encoding="utf-8").read().split("\n")
assert codes[-1] == "", "codes file does not end with a newline"
codes = codes[:-1]
assert len(codes) == lines, (len(codes), lines)
assert all(codes), "an empty code line"
assert len(set(codes)) == lines, "a code appears twice"
size = int(open(f"{work}/checkpoint.final.txt").read().split("\n")[1])
assert size == lines, f"log size {size}, not {lines}: a line was logged twice or not at all"
print(f"crash test: {lines} codes, distinct; log size {size}")
PY

# Exactly once with serials 1..N: the catalogue export lists every licence
# once; its identifiers carry the serials.
e registry export --db "$DB" --since 0 --format jsonl >"$WORK/export.jsonl"
python3 - "$WORK/export.jsonl" "$LINES" <<'PY'
import json, sys
path, lines = sys.argv[1], int(sys.argv[2])
entries = [json.loads(l) for l in open(path, encoding="utf-8")]
assert len(entries) == lines, (len(entries), lines)
ids = [e["identifier"] for e in entries]
assert len(set(ids)) == lines, "an identifier appears twice"
serials = sorted(int(i.split(".")[-3]) for i in ids)
assert serials == list(range(1, lines + 1)), "serials have gaps or duplicates"
print(f"crash test: serials 1..{lines}, each once")
PY

e verify --roots "$WORK/ca/ca.cert.pem" --signers "$WORK/signer/signer.cert.pem" --status-policy warn --batch "$WORK/codes.txt" --at 2025-06-01T00:00:00+08:00 \
    >"$WORK/verdicts.json" || { echo "crash test: a code does not verify:"; head -c 2000 "$WORK/verdicts.json"; exit 1; }
python3 - "$WORK/verdicts.json" "$LINES" <<'PY'
import json, sys
verdicts = json.load(open(sys.argv[1]))
assert verdicts["valid"] == int(sys.argv[2]), verdicts
PY
echo "crash test: every code verifies"
