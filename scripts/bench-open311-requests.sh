#!/usr/bin/env bash
# Server CPU per `GET /open311/v2/requests.{json,xml}` at the default volume (1,000 requests):
# starts `buergerbuero serve` on a scratch SQLite database, files BENCH_REPORTS published
# reports through the native API (points spread over Berlin, every third with an answer from a
# clerk so `status_notes` has something to read), then asks for the list BENCH_ROUNDS times one
# after another and divides the server process's CPU time (utime + stime from /proc) by the
# number of answers. One client, so the figure is the cost of one answer, not a throughput.
#
#   scripts/bench-open311-requests.sh
#
# Environment (all optional):
#   BUERGERBUERO_BINARY   a binary built before (default: builds the debug binary, see
#                         scripts/lib/test-server.sh; set target/release/buergerbuero for release)
#   BENCH_REPORTS         reports to file (default 1000)
#   BENCH_ROUNDS          measured answers per format (default 200)
#   BENCH_READY_S         how long to wait for /readyz (default 300)
#   BENCH_PERF            a file name: record the server with `perf record -g` while the JSON
#                         answers are measured (read it with `perf report -i FILE`)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/test-server.sh

test_server_start bench-open311 \
  BUERGERBUERO_MODERATION=off \
  BUERGERBUERO_EMAIL_CONFIRMATION=off \
  BUERGERBUERO_RATE_LIMIT__REPORTS_PER_HOUR=0
test_server_wait_ready "${BENCH_READY_S:-300}"

admin_password="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
echo "$admin_password" | BUERGERBUERO_DATABASE_URL="$database_url" RUST_LOG=warn \
  "$binary" add-clerk --email bench-admin@example.org --admin >/dev/null

python3 - "$base" "$server_pid" "$admin_password" "${BENCH_REPORTS:-1000}" "${BENCH_ROUNDS:-200}" <<'EOF'
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request

base, pid, password, reports, rounds = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
tick = os.sysconf("SC_CLK_TCK")


def call(method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = dict(headers or {})
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, response.headers, response.read()


def cpu_seconds():
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick


_, headers, body = call("POST", "/api/v1/admin/login",
                        {"email": "bench-admin@example.org", "password": password})
admin = {"Cookie": headers["Set-Cookie"].split(";")[0], "X-CSRF-Token": json.loads(body)["csrf_token"]}
random.seed(17)
categories = ["street_lighting", "roads_paths", "litter_dumping", "green_trees", "other"]
for n in range(reports):
    status, _, body = call("POST", "/api/v1/reports", {
        "category": categories[n % len(categories)],
        "description": f"Meldung {n}: etwas ist kaputt & muss <bald> repariert werden",
        "lat": random.uniform(52.45, 52.58), "lon": random.uniform(13.25, 13.55),
        "address": f"Teststraße {n}, Berlin",
    })
    assert status == 201, status
    if n % 3 == 0:
        report = json.loads(body)["id"]
        call("POST", f"/api/v1/admin/reports/{report}/status",
             {"status": "in_progress", "answer": f"Wir kümmern uns ({n})."}, admin)

for fmt in ("json", "xml"):
    path = f"/open311/v2/requests.{fmt}"
    for _ in range(10):
        call("GET", path)
    size = len(call("GET", path)[2])
    perf = None
    if os.environ.get("BENCH_PERF") and fmt == "json":
        perf = subprocess.Popen(["perf", "record", "-q", "-F", "999", "-g", "-p", str(pid),
                                 "-o", os.environ["BENCH_PERF"]])
        time.sleep(1)
    before, started = cpu_seconds(), time.monotonic()
    for _ in range(rounds):
        call("GET", path)
    cpu, wall = cpu_seconds() - before, time.monotonic() - started
    if perf is not None:
        perf.send_signal(signal.SIGINT)
        perf.wait(timeout=60)
    print(f"{path}: {reports} requests, {size} bytes; {rounds} answers: "
          f"server CPU {cpu / rounds * 1000:.2f} ms per answer, wall {wall / rounds * 1000:.2f} ms")
EOF
