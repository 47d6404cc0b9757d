#!/usr/bin/env bash
# The phone page in a real browser: headless Chromium, driven by Selenium,
# loads the scan page for each demo verdict at phone width, checks the label
# a person reads, that nothing overflows sideways, and keeps a screenshot.
#
#   ELICENCE=target/debug/elicence ARTEFACTS=target/ci-artefacts/screenshots \
#       bash .ci/browser_test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

bin="${ELICENCE:-target/debug/elicence}"
export ARTEFACTS="${ARTEFACTS:-target/ci-artefacts/screenshots}"
[ -x "$bin" ] || { echo "browser_test: no binary at $bin (cargo build --features cli)" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
apt_missing=()
command -v chromium >/dev/null || apt_missing+=(chromium)
command -v chromedriver >/dev/null || apt_missing+=(chromium-driver)
# Without a CJK font the screenshots show boxes where a phone shows Chinese;
# the stylesheet names Noto Sans CJK SC.
fc-list :lang=zh 2>/dev/null | grep -q . || apt_missing+=(fonts-noto-cjk)
if [ ${#apt_missing[@]} -gt 0 ]; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi

venv="${TMPDIR:-/tmp}/elicence-browser-venv"
python3 -m venv "$venv"
# 4.52 and 4.53 want a certifi newer than the index serves here.
"$venv/bin/pip" install -q --disable-pip-version-check selenium==4.51.0

work=$(mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

"$bin" demo --out "$work/demo" >/dev/null
demo="$work/demo"

# A port the kernel just handed out and released is free for the server.
port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log="$work/serve.log"
# exec: the background job is the server itself, so $! is the pid to stop.
(exec "$bin" serve --listen "127.0.0.1:$port" --base https://verify.example.gov.cn/c/ \
    --roots "$demo/pki/root.cert.pem" --trust-list "$demo/pki/trust-list.cose" \
    --status "$demo/status" --db "$demo/registry/registry.sqlite" 2>"$log") &
server_pid=$!
for _ in $(seq 100); do
    grep -q '"event":"listening"' "$log" && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
if ! grep -q '"event":"listening"' "$log"; then
    echo "browser_test: the server did not start listening; its log:" >&2
    cat "$log" >&2
    exit 1
fi

mkdir -p "$ARTEFACTS"
"$venv/bin/python" .ci/browser/check_pages.py "http://127.0.0.1:$port" "$demo/trust"
echo "screenshots in $ARTEFACTS ($((SECONDS - started)) s)"
