#!/usr/bin/env python3
"""Malformed and oversized requests interleaved with valid ones, against a
running `elicence serve` on loopback; part d of benches/server_figures.sh.

    python3 benches/server_abuse.py 127.0.0.1:PORT VALID.qr.txt [COUNT]

Every tenth request is a valid code (API and page in turn); the other nine
are drawn, with a fixed seed, from the kinds below. A request passes when
its answer is one the server is meant to give for that kind: a valid code
must get 200 and a valid verdict; no broken code may ever be called valid,
and nothing may get a 5xx. Prints one line of JSON; exits 1 on any wrong
answer, 2 if the server stops answering at all.
"""

import http.client
import json
import random
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict

WORKERS = 4
# Whole run; 10,000 requests take a few seconds on loopback.
DEADLINE_SECS = 90
PAGE_GOOD = b'class="verdict good"'
JSON = {"Content-Type": "application/json"}


def build_cases(qr, rng):
    """(kind, method, path, body, headers, allowed statuses, may be valid)
    for each kind; each kind is a list of variants."""
    base, _, digits = qr.rpartition("/")
    page = page_prefix(qr)
    assert digits.isdigit(), "the QR text does not end in /<digits>"
    body = json.dumps({"qr": qr}).encode()

    def api(kind, payload, allowed, headers=JSON):
        return (kind, "POST", "/api/v1/verify", payload, headers, allowed)

    def get(kind, path, allowed):
        return (kind, "GET", path, None, {}, allowed)

    def cut(n):
        return digits[: rng.randrange(1, len(digits))] if n is None else digits[:n]

    def flipped():
        i = rng.randrange(len(digits))
        return digits[:i] + str((int(digits[i]) + 1) % 10) + digits[i + 1 :]

    return {
        "bad_json": lambda: api(
            "bad_json",
            rng.choice(
                [
                    b"",
                    b'{"qr":',
                    b'{"qr": 123}',
                    b"[]",
                    b"null",
                    b'{"qr":"x","extra":1}',
                    b"{}",
                    b'{"qr":"a","envelope":"b"}',
                    b'{"envelope":"!!not base64!!"}',
                    b"\xff\xfe\x00{",
                    b'{"qr":"\\ud800"}',
                    b"[" * 5000 + b"]" * 5000,
                    body[:-1],
                ]
            ),
            {400},
        ),
        "wrong_content_type": lambda: api(
            "wrong_content_type",
            body,
            {415},
            rng.choice(
                [
                    {},
                    {"Content-Type": "text/plain"},
                    {"Content-Type": "application/x-www-form-urlencoded"},
                    {"Content-Type": "application/jsonx"},
                    {"Content-Type": "multipart/form-data; boundary=x"},
                ]
            ),
        ),
        "oversized_20k": lambda: api(
            "oversized_20k",
            rng.choice(
                [
                    json.dumps({"qr": qr + "7" * 20480}).encode(),
                    body + b" " * 20480,
                    b"{" * 20480,
                ]
            ),
            {413},
        ),
        "page_not_digits": lambda: get(
            "page_not_digits",
            page
            + rng.choice(
                [
                    "",
                    digits[:40] + "ab" + digits[40:80],
                    "%31%32%33",
                    "-" + digits[:50],
                    "%D9%A3%D9%A4",
                    "../../etc/passwd",
                    digits[:60] + "/" + digits[60:120],
                    "x" * 5000,
                ]
            ),
            {400, 404},
        ),
        "page_truncated": lambda: get("page_truncated", page + cut(None), {200, 400}),
        "page_tampered": lambda: get("page_tampered", page + flipped(), {200, 400}),
        "api_truncated": lambda: api(
            "api_truncated",
            json.dumps({"qr": f"{base}/{cut(None)}"}).encode(),
            {200, 400},
        ),
        "page_long_path": lambda: get(
            "page_long_path", page + digits + "1" * 12000, {200, 400, 414, 431}
        ),
    }


def page_prefix(qr):
    """The page route's prefix: the QR base URL's path."""
    return urllib.parse.urlsplit(qr).path.rpartition("/")[0] + "/"


def is_valid_answer(kind, status, data):
    if status != 200:
        return False
    if kind == "valid_page":
        return PAGE_GOOD in data
    try:
        return json.loads(data).get("valid") is True
    except ValueError:
        return False


class Worker(threading.Thread):
    def __init__(self, host, port, jobs, results):
        super().__init__(daemon=True)
        self.host, self.port, self.jobs, self.results = host, port, jobs, results
        self.conn = None

    def send(self, method, path, body, headers):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read()

    def run(self):
        for kind, method, path, body, headers, allowed in self.jobs:
            if time.monotonic() > self.results["deadline"]:
                self.results["failures"].append(("deadline", kind, None))
                return
            answer = None
            # A server may close a connection after refusing a request (an
            # unread oversized body): a second try on a fresh connection
            # tells that apart from a server that is gone.
            for attempt in range(2):
                try:
                    answer = self.send(method, path, body, headers)
                    break
                except ConnectionRefusedError:
                    self.results["refused"] += 1
                    return
                except (OSError, http.client.HTTPException):
                    if self.conn is not None:
                        self.conn.close()
                    self.conn = None
            with self.results["lock"]:
                tally = self.results["by_kind"][kind]
                if answer is None:
                    tally["closed"] += 1
                    if kind != "oversized_20k":
                        self.results["failures"].append((kind, path[:60], "no answer"))
                    continue
                status, data = answer
                tally[str(status)] += 1
                valid = is_valid_answer(kind, status, data)
                if kind.startswith("valid_"):
                    if valid:
                        self.results["valid_ok"] += 1
                    else:
                        self.results["failures"].append((kind, status, data[:200].decode("utf-8", "replace")))
                elif valid or status >= 500 or status not in allowed:
                    self.results["failures"].append((kind, path[:60], status))


def main():
    addr, qr_path = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
    host, _, port = addr.rpartition(":")
    qr = open(qr_path, encoding="ascii").read().strip()
    rng = random.Random(20250301)
    cases = build_cases(qr, rng)
    kinds = sorted(cases)
    valid = [
        ("valid_api", "POST", "/api/v1/verify", json.dumps({"qr": qr}).encode(), JSON, {200}),
        ("valid_page", "GET", page_prefix(qr) + qr.rpartition("/")[2], None, {}, {200}),
    ]
    jobs = []
    for i in range(count):
        if i % 10 == 0:
            jobs.append(valid[(i // 10) % 2])
        else:
            jobs.append(cases[rng.choice(kinds)]())
    results = {
        "lock": threading.Lock(),
        "by_kind": defaultdict(Counter),
        "failures": [],
        "valid_ok": 0,
        "refused": 0,
        "deadline": time.monotonic() + DEADLINE_SECS,
    }
    start = time.monotonic()
    workers = [Worker(host, int(port), jobs[w::WORKERS], results) for w in range(WORKERS)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    valid_sent = sum(1 for j in jobs if j[0].startswith("valid_"))
    summary = {
        "requests": count,
        "seconds": round(time.monotonic() - start, 2),
        "valid_sent": valid_sent,
        "valid_ok": results["valid_ok"],
        "wrong_answers": len(results["failures"]),
        "connection_refused": results["refused"],
        "by_kind": {k: dict(v) for k, v in sorted(results["by_kind"].items())},
        "first_wrong": [list(map(str, f)) for f in results["failures"][:5]],
    }
    print(json.dumps(summary))
    if results["refused"]:
        sys.exit(2)
    if results["failures"] or results["valid_ok"] != valid_sent:
        sys.exit(1)


if __name__ == "__main__":
    main()
