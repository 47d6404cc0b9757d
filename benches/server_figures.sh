#!/usr/bin/env bash
# Scan endpoint figures, in one run so that the ratios compare like with like
# on a shared machine:
#   a. the raw verification rate (examples/verify_loop: the server's material
#      in one Verifier, all cores, no HTTP);
#   b. verified codes per second through `elicence serve` on loopback, with
#      keep-alive connections, for POST /api/v1/verify and GET /c/<digits>,
#      without and with the registry (--db), and the ratio to (a); and
#      GET /healthz, the same HTTP path with no verification;
#   c. p50/p99 latency at half of (b)'s rate, and the server's RSS idle and
#      under load;
#   d. 10,000 malformed and oversized requests with one valid code in ten
#      (benches/server_abuse.py): no crash, every valid code still answered
#      valid, RSS before and after.
# Ends with a markdown table.
#
#   bash benches/server_figures.sh            10 s per run (about 2 minutes after the build)
#   bash benches/server_figures.sh --quick    2 s per run: a smoke load test for CI
#
# Fails (exit 1) only on a crash or a wrong answer: the server died or
# logged a panic, a valid code got anything but 200 and a valid verdict, or
# a broken one got a 5xx or was called valid. Speed is reported, never
# judged, in either mode: the load generator (wrk, one thread) runs on the
# same cores as the server, and other work on the machine shows in the
# figures.
#
# Loopback only; every step is bounded by `timeout`.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_INCREMENTAL=0

RUN=10
case "${1:-}" in
"") ;;
--quick) RUN=2 ;;
*)
    echo "usage: $0 [--quick]" >&2
    exit 2
    ;;
esac
# A few per core are enough to keep the server's workers busy; more only
# queue in front of them and lengthen latency.
CONNS=32
ABUSE_REQUESTS=10000
# The RSS after the abuse run is reported as back to baseline within this.
RSS_TOLERANCE_PCT=25

WORK=$(mktemp -d /tmp/elicence-server-figures.XXXXXX)
SERVER_PID=
SAMPLER_PID=
cleanup() {
    [ -z "$SAMPLER_PID" ] || kill "$SAMPLER_PID" 2>/dev/null || true
    [ -z "$SERVER_PID" ] || kill -KILL "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

die() {
    echo "FAIL: $*" >&2
    exit 1
}

# wrk rather than oha: oha builds from source in about 6 minutes here,
# wrk installs from Debian in seconds (this runs as root, as CI does).
if ! command -v wrk >/dev/null; then
    apt-get install -y -qq wrk >/dev/null 2>&1 ||
        { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
fi

cargo build --release --quiet --features cli --bin elicence --example verify_loop
E=target/release/elicence
VERIFY_LOOP=target/release/examples/verify_loop
STARTED=$SECONDS

"$E" demo --out "$WORK/demo" >/dev/null
DEMO=$WORK/demo
QR_FILE=$DEMO/trust/business-licence.qr.txt
QR=$(tr -d '\n' <"$QR_FILE")
BASE=https://verify.example.gov.cn/c/
case "$QR" in
"$BASE"[0-9]*) ;;
*) die "$QR_FILE is not a code under $BASE" ;;
esac
PAGE_PATH=/c/${QR#"$BASE"}
printf '{"qr":"%s"}' "$QR" >"$WORK/body.json"

# One wrk script for every run. BODY_FILE makes it a JSON POST; DELAY_MS
# paces each connection (wrk's delay() hook, a mean pause before each
# request), which is how a plain wrk, unlike wrk2 or oha -q, runs at a set
# rate. done() prints the figures as one line of JSON.
cat >"$WORK/run.lua" <<'LUA'
local body_file = os.getenv("BODY_FILE")
if body_file and body_file ~= "" then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    local f = assert(io.open(body_file, "rb"))
    wrk.body = f:read("*a")
    f:close()
end
-- Drawn at random around the mean, so that the connections, which all
-- start at once, drift apart instead of sending in bursts.
local delay_ms = tonumber(os.getenv("DELAY_MS") or "")
if delay_ms then
    math.randomseed(os.time())
    function delay() return math.random(0, 2 * delay_ms) end
end
function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        '{"requests":%d,"seconds":%.3f,"p50_ms":%.3f,"p99_ms":%.3f,"non2xx":%d,"socket_errors":%d}\n',
        summary.requests, summary.duration / 1e6,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        e.status, e.connect + e.read + e.write + e.timeout))
end
LUA

json_field() { # JSON-LINE FIELD
    python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$SERVER_PID/status"; }
# User plus system CPU time of the server, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }
CLK_TCK=$(getconf CLK_TCK)
metric() { # a series of /metrics, e.g. 'elicence_verdicts_total{outcome="valid"}'; 0 if absent
    curl -sf --max-time 5 "http://$ADDR/metrics" |
        awk -v s="$1" '$1 == s { v = $2 } END { print v + 0 }'
}
verdicts_total() {
    curl -sf --max-time 5 "http://$ADDR/metrics" |
        awk '$1 ~ /^elicence_verdicts_total\{/ { n += $2 } END { print n + 0 }'
}

alive() {
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server (pid $SERVER_PID) died; its log ends:
$(tail -5 "$LOG")"
    ! grep -q 'panicked' "$LOG" || die "the server panicked: $(grep -m1 panicked "$LOG")"
}

start_server() { # NAME [extra serve args...]
    LOG=$WORK/$1.log
    shift
    : >"$LOG"
    # Port 0: the kernel picks a free one, and the server says which.
    "$E" serve --listen 127.0.0.1:0 --base "$BASE" --roots "$DEMO/pki/root.cert.pem" \
        --trust-list "$DEMO/pki/trust-list.cose" --status "$DEMO/status" \
        --rate 1000000 --burst 1000000 "$@" 2>>"$LOG" &
    SERVER_PID=$!
    ADDR=
    for _ in $(seq 100); do
        ADDR=$(grep '"event":"listening"' "$LOG" | sed -n 's/.*"addr":"\([^"]*\)".*/\1/p' | head -n 1 || true)
        [ -n "$ADDR" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || die "the server did not start: $(cat "$LOG")"
        sleep 0.1
    done
    [ -n "$ADDR" ] || die "the server did not say where it listens within 10 s"
    curl -sf --max-time 5 "http://$ADDR/healthz" >/dev/null || die "/healthz does not answer"
    # A first request of each kind, so that no run pays for lazy setup.
    curl -sf --max-time 5 -o /dev/null -H 'Content-Type: application/json' \
        --data-binary "@$WORK/body.json" "http://$ADDR/api/v1/verify" || die "the valid code is refused"
    curl -sf --max-time 5 -o /dev/null "http://$ADDR$PAGE_PATH" || die "the valid page is refused"
    IDLE_RSS=$(rss_kib)
}

stop_server() {
    alive
    kill -TERM "$SERVER_PID"
    # The server gives connections under way a grace period; none are left.
    for _ in $(seq 150); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$SERVER_PID" 2>/dev/null && die "the server did not stop on SIGTERM within 15 s"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
}

# Runs wrk on PATH for RUN seconds; sets RATE (answers/s: verified codes/s
# on the verifying routes), P50, P99 (ms), CORES (server CPU used) and
# LOAD_RSS (peak sampled, KiB). An answer other than 2xx, a socket error, or
# on a verifying route a verdict other than valid, is a wrong answer.
load() { # PATH BODY_FILE(or "") CONNECTIONS [DELAY_MS]
    local path=$1 body=$2 conns=$3 delay=${4:-} out valid_before total_before ticks_before
    valid_before=$(metric 'elicence_verdicts_total{outcome="valid"}')
    total_before=$(verdicts_total)
    ticks_before=$(cpu_ticks)
    echo 0 >"$WORK/rss"
    (while sleep 0.2; do
        r=$(rss_kib) || exit 0
        [ "$r" -le "$(cat "$WORK/rss")" ] || echo "$r" >"$WORK/rss"
    done) &
    SAMPLER_PID=$!
    out=$(BODY_FILE=$body DELAY_MS=$delay timeout $((RUN + 20)) \
        wrk -t1 -c"$conns" -d"${RUN}s" --timeout 10s -s "$WORK/run.lua" "http://$ADDR$path" | grep '^{"requests"') ||
        die "wrk failed on $path"
    kill "$SAMPLER_PID"
    wait "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=
    alive
    local requests seconds non2xx errors valid total
    requests=$(json_field "$out" requests)
    seconds=$(json_field "$out" seconds)
    non2xx=$(json_field "$out" non2xx)
    errors=$(json_field "$out" socket_errors)
    valid=$(($(metric 'elicence_verdicts_total{outcome="valid"}') - valid_before))
    total=$(($(verdicts_total) - total_before))
    [ "$non2xx" -eq 0 ] || die "$path: $non2xx of $requests answers were not 2xx"
    [ "$errors" -eq 0 ] || die "$path: $errors socket errors (timeouts or resets)"
    [ "$total" -eq "$valid" ] || die "$path: $((total - valid)) of $total verdicts were not valid"
    # Requests cut off by wrk's deadline may be verified but not counted.
    [ "$path" = /healthz ] || [ "$valid" -ge "$requests" ] ||
        die "$path: $requests answers but only $valid valid verdicts"
    RATE=$(awk -v n="$requests" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')
    CORES=$(awk -v t="$(($(cpu_ticks) - ticks_before))" -v hz="$CLK_TCK" -v s="$seconds" \
        'BEGIN { printf "%.2f", t / hz / s }')
    P50=$(json_field "$out" p50_ms)
    P99=$(json_field "$out" p99_ms)
    LOAD_RSS=$(cat "$WORK/rss")
}

ROWS=()
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f %%", 100 * a / b }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
# | run | codes/s | vs raw | server CPU | vs raw per core | p50 | p99 | RSS idle → load |
row() { # LABEL [VS_RAW [VS_RAW_PER_CORE]]
    ROWS+=("| $1 | $RATE | ${2:-$(pct "$RATE" "$RAW")} | $CORES | ${3:-$(pct "$(awk -v r="$RATE" -v c="$CORES" 'BEGIN { print r / c }')" "$RAW_PER_CORE")} | $P50 ms | $P99 ms | $(mib "$IDLE_RSS") → $(mib "$LOAD_RSS") |")
}

echo "== a. raw verification, $RUN s" >&2
raw_json=$(timeout $((RUN + 30)) "$VERIFY_LOOP" "$DEMO" "$RUN" "$QR_FILE") || die "verify_loop failed"
RAW=$(json_field "$raw_json" raw_verify_per_sec)
THREADS=$(json_field "$raw_json" threads)
RAW_PER_CORE=$(awk -v r="$RAW" -v t="$THREADS" 'BEGIN { print r / t }')
ROWS+=("| raw \`verify_loop\`, $THREADS threads | $RAW | 100 % | $THREADS (all) | 100 % | | | |")

for registry in without with; do
    if [ "$registry" = without ]; then
        start_server serve
        tag=""
    else
        start_server serve-db --db "$DEMO/registry/registry.sqlite"
        tag=", --db"
    fi
    echo "== b. saturated, $CONNS connections$tag, $RUN s per route" >&2
    load /api/v1/verify "$WORK/body.json" "$CONNS"
    API_MAX=$RATE
    row "POST /api/v1/verify, $CONNS conns$tag"
    load "$PAGE_PATH" "" "$CONNS"
    PAGE_MAX=$RATE
    row "GET /c/&lt;digits&gt;, $CONNS conns$tag"
    if [ "$registry" = without ]; then
        # Half the rate each route reached. Each connection pauses 20 ms on
        # average before a request, then waits for its answer (about 1 ms
        # at this load), so one connection sends about 1000 / 21 requests
        # a second and the rate is set by the number of connections. The
        # rate achieved is what the row shows.
        echo "== c. latency at half the saturated rate, $RUN s per route" >&2
        half=$((API_MAX / 2))
        load /api/v1/verify "$WORK/body.json" $((half * 21 / 1000 + 1)) 20
        row "POST /api/v1/verify at half rate (offered $half/s)" "(half)"
        half=$((PAGE_MAX / 2))
        load "$PAGE_PATH" "" $((half * 21 / 1000 + 1)) 20
        row "GET /c/&lt;digits&gt; at half rate (offered $half/s)" "(half)"
        # The same HTTP stack with no verification: the ceiling any
        # verifying route could reach with this load generator on this box.
        load /healthz "" "$CONNS"
        row "GET /healthz, $CONNS conns (no verification)" "–" "–"
    else
        echo "== d. $ABUSE_REQUESTS malformed and oversized requests, one valid in ten$tag" >&2
        sleep 1
        rss_before=$(rss_kib)
        abuse=$(timeout 120 python3 benches/server_abuse.py "$ADDR" "$QR_FILE" "$ABUSE_REQUESTS") ||
            die "wrong answers or no answers under abuse: $abuse"
        alive
        curl -sf --max-time 5 "http://$ADDR/healthz" >/dev/null || die "/healthz does not answer after the abuse run"
        # Freed memory is not always handed back at once.
        sleep 1
        rss_after=$(rss_kib)
        alive
        ABUSE_SUMMARY=$abuse
        ABUSE_ROW="| $(json_field "$abuse" requests) requests in $(json_field "$abuse" seconds) s | $(json_field "$abuse" valid_ok) / $(json_field "$abuse" valid_sent) | $(json_field "$abuse" wrong_answers) | 0 | $(mib "$rss_before") | $(mib "$rss_after") | $(awk -v a="$rss_after" -v b="$rss_before" -v t="$RSS_TOLERANCE_PCT" 'BEGIN { d = 100 * (a - b) / b; printf "%+.1f %% (%s)", d, (d <= t ? "within " t " %" : "ABOVE " t " %, reported only") }') |"
    fi
    stop_server
done

echo
echo "elicence scan endpoint, $(nproc) cores, $RUN s per run, wrk $(wrk --version 2>&1 | awk 'NR == 1 { print $2 }') (1 thread) on the same cores, load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| run | verified codes/s | vs raw | server CPU (cores) | vs raw, per core | p50 | p99 | server RSS idle → load |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
echo
echo "| abuse run (with --db) | valid codes answered valid | wrong answers | crashes | RSS before | RSS after | change |"
echo "|---|---|---|---|---|---|---|"
echo "$ABUSE_ROW"
echo
echo "abuse answers by kind: $(python3 -c 'import json, sys; print(json.dumps(json.loads(sys.argv[1])["by_kind"]))' "$ABUSE_SUMMARY")"
echo "goal: ≥ 50 % of the raw rate through the API. 'vs raw, per core' divides by the CPU the server itself used, leaving out what wrk took."
echo "measured in $((SECONDS - STARTED)) s after the build"
