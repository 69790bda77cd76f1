#!/usr/bin/env bash
# Filing throughput: JSON POST /api/v1/reports against the real server on PostgreSQL and on
# SQLite, beside pgbench's single-row INSERT rate on the same PostgreSQL in the same run.
#
#   scripts/bench-filing.sh
#
# 1. Builds the release binary (under nice). Load generator: oha if installed (OHA or on PATH),
#    else wrk (Debian's `wrk`, installed with apt-get if missing and run as root) with
#    scripts/bench-wrk.lua; LOADGEN=oha installs oha (cargo install --locked, ~5 min) if missing.
# 2. PostgreSQL: a fresh database on 127.0.0.1:5432 (user postgres). pgbench first: one prepared
#    INSERT per transaction into a table like a slim `reports` (uuid primary key, text, two
#    doubles), BENCH_CLIENTS clients, BENCH_SECONDS. Then `buergerbuero serve`
#    with moderation and email confirmation off and no rate limit, a short warm-up, then oha
#    with BENCH_CLIENTS connections for BENCH_SECONDS, each request a JSON filing at a
#    different point inside Berlin. Then pgbench again: the WAL and its fsyncs are shared with
#    whatever else runs on that PostgreSQL, so the reference is the mean of before and after.
#    Then the ceiling, pgbench again on the server's schema with no HTTP and no server: the
#    report row alone, and the rows one of this benchmark's filings writes (report, two
#    events, four map count changes) in one statement shaped like the server's. A filing
#    through HTTP cannot be faster than its own rows. The database is dropped at the end.
# 3. SQLite: the same against a temporary database file.
# 4. Prints req/s, p50/p99, non-201 answers for each backend and filing(PG)/pgbench.
#
# Environment (all optional):
#   CARGO_TARGET_DIR          where cargo builds (default ./target)
#   BUERGERBUERO_BOUNDARIES_DIR  boundary data (default ../shared/data/boundaries)
#   BENCH_POSTGRES_URL        server URL without database (default postgres://postgres@127.0.0.1:5432)
#   BENCH_CLIENTS             concurrent HTTP connections = pgbench clients (default 8, the pool size)
#   BENCH_SECONDS             length of each measured run (default 20)
#   BENCH_RESULTS_DIR         where the JSON results go (default /tmp/bench-filing-results)
#   OHA                       an oha binary to use instead of the cached one
#   LOADGEN                   oha or wrk (default: oha if installed, else wrk)
#   BENCH_BUILD_NICE          niceness of the cargo build (default 10; the machine may be shared)
#   SKIP_POSTGRES=1 / SKIP_SQLITE=1  leave out a backend
#
# Only 127.0.0.1 is used. Every run is bounded in time; every wait has a deadline.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BOUNDARIES=${BUERGERBUERO_BOUNDARIES_DIR:-$ROOT/../shared/data/boundaries}
BOUNDARIES=$(cd "$BOUNDARIES" && pwd)
PG_BASE=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
CLIENTS=${BENCH_CLIENTS:-8}
SECONDS_PER_RUN=${BENCH_SECONDS:-20}
RESULTS=${BENCH_RESULTS_DIR:-/tmp/bench-filing-results}
OHA_ROOT=${XDG_CACHE_HOME:-$HOME/.cache}/buergerbuero/oha
OHA=${OHA:-$OHA_ROOT/bin/oha}
if [ ! -x "$OHA" ] && command -v oha >/dev/null; then OHA=$(command -v oha); fi
if [ -z "${LOADGEN:-}" ]; then
    if [ -x "$OHA" ]; then LOADGEN=oha; else LOADGEN=wrk; fi
fi
WRK_LUA=$ROOT/scripts/bench-wrk.lua
BIN=$TARGET_DIR/release/buergerbuero
WORK=$(mktemp -d /tmp/bench-filing.XXXXXX)
PG_DB=bench_filing_$$
PG_CREATED=0
SERVER_PID=

mkdir -p "$RESULTS"
rm -f "$RESULTS"/filing-* "$RESULTS"/pgbench-* "$RESULTS"/ratio.txt "$RESULTS"/loadavg.txt
log() { printf '\n=== %s\n' "$*"; }
# The 1/5/15-minute load average, with a label, to the terminal and $RESULTS/loadavg.txt.
loadavg() { echo "load average $1: $(cut -d ' ' -f 1-3 /proc/loadavg)" | tee -a "$RESULTS/loadavg.txt"; }
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 "$PG_BASE/postgres" "$@"; }

stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}

cleanup() {
    stop_server
    if [ "$PG_CREATED" = 1 ]; then
        psql_admin -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Starts `buergerbuero serve` on database URL $1 and waits (at most 120 s) for /readyz.
start_server() {
    local url=$1 label=$2
    PORT=$(free_port)
    BASE=http://127.0.0.1:$PORT
    mkdir -p "$WORK/data-$label"
    BUERGERBUERO_DATABASE_URL=$url \
        BUERGERBUERO_LISTEN=127.0.0.1:$PORT \
        BUERGERBUERO_PUBLIC_URL=$BASE \
        BUERGERBUERO_DATA_DIR=$WORK/data-$label \
        BUERGERBUERO_BOUNDARIES_DIR=$BOUNDARIES \
        BUERGERBUERO_WEB_DIR=$ROOT/web \
        BUERGERBUERO_MODERATION=off \
        BUERGERBUERO_EMAIL_CONFIRMATION=off \
        BUERGERBUERO_RATE_LIMIT__REPORTS_PER_HOUR=0 \
        RUST_LOG=${RUST_LOG:-warn} \
        "$BIN" serve >"$WORK/server-$label.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 1200); do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            tail -n 30 "$WORK/server-$label.log" >&2
            echo "server exited before it was ready" >&2
            exit 1
        fi
        if curl -fsS -o /dev/null --max-time 2 "$BASE/readyz" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "server not ready within 120 s" >&2
    exit 1
}

# Turns an oha or wrk JSON result ($1) into the common form in $2:
# {"tool", "rps", "requests", "p50_ms", "p95_ms", "p99_ms", "max_ms", "codes": {code: n}, "errors": n}.
normalise_result() {
    python3 - "$1" "$2" "$LOADGEN" <<'PY'
import json, sys

src, dst, tool = sys.argv[1:]
r = json.load(open(src))
if tool == "oha":
    s, p = r["summary"], r["latencyPercentiles"]
    ms = lambda v: (v or 0) * 1000
    codes = {str(int(k)): v for k, v in r.get("statusCodeDistribution", {}).items()}
    out = {"rps": s["requestsPerSec"], "requests": sum(codes.values()), "p50_ms": ms(p["p50"]),
           "p95_ms": ms(p["p95"]), "p99_ms": ms(p["p99"]), "max_ms": ms(s.get("slowest")),
           "codes": codes, "errors": sum(r.get("errorDistribution", {}).values())}
else:
    l, e = r["latency_ms"], r["errors"]
    out = {"rps": r["rps"], "requests": r["requests"], "p50_ms": l["p50"], "p95_ms": l["p95"],
           "p99_ms": l["p99"], "max_ms": l["max"], "codes": r["status"],
           "errors": e["connect"] + e["read"] + e["write"] + e["timeout"]}
out["tool"] = tool
json.dump(out, open(dst, "w"))
PY
}

# Prints one line of figures from a normalised result; $1 = file, $2 = label.
summarise_result() {
    python3 - "$1" "$2" <<'PY'
import json, sys

path, label = sys.argv[1:]
r = json.load(open(path))
codes = {int(k): v for k, v in r["codes"].items()}
ok = codes.get(201, 0)
others = {k: v for k, v in codes.items() if k != 201}
non201 = sum(others.values()) + r["errors"]
print(f"{label} [{r['tool']}]: {r['rps']:.1f} req/s, p50 {r['p50_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms, "
      f"p99 {r['p99_ms']:.2f} ms, max {r['max_ms']:.1f} ms, {ok} x 201, {non201} non-201 {others or ''}"
      f"{' socket errors ' + str(r['errors']) if r['errors'] else ''}")
PY
}

# The load: bodies at different points inside Berlin (one body per line, oha -Z).
make_bodies() {
    python3 - "$WORK/bodies.jsonl" <<'PY'
import json, random, sys

random.seed(7)
with open(sys.argv[1], "w") as f:
    for i in range(20000):
        body = {
            "category": "street_lighting",
            "description": f"Laterne {i} leuchtet seit Tagen nicht, der Gehweg ist nachts ganz dunkel.",
            # Inside Berlin (well within the city border).
            "lat": round(random.uniform(52.42, 52.60), 6),
            "lon": round(random.uniform(13.20, 13.60), 6),
        }
        f.write(json.dumps(body, ensure_ascii=False) + "\n")
PY
}

# Warm-up (oha: 200 requests; wrk: 2 s), then the measured run (bounded by time). $1 = label.
run_filing_load() {
    local label=$1
    loadavg "before filing on $label"
    if [ "$LOADGEN" = oha ]; then
        "$OHA" -n 200 -c "$CLIENTS" --no-tui --output-format json -m POST \
            -T application/json -Z "$WORK/bodies.jsonl" "$BASE/api/v1/reports" >"$WORK/warmup-$label.json"
        "$OHA" -z "${SECONDS_PER_RUN}s" -w -c "$CLIENTS" --no-tui --output-format json -m POST \
            -T application/json -Z "$WORK/bodies.jsonl" "$BASE/api/v1/reports" >"$RESULTS/filing-$label.raw.json"
    else
        local threads=$((CLIENTS < 2 ? CLIENTS : 2))
        BENCH_BODIES=$WORK/bodies.jsonl BENCH_WRK_JSON=$WORK/warmup-$label.json \
            wrk -t "$threads" -c "$CLIENTS" -d 2s --timeout 10s -s "$WRK_LUA" "$BASE/api/v1/reports" >/dev/null
        BENCH_BODIES=$WORK/bodies.jsonl BENCH_WRK_JSON=$RESULTS/filing-$label.raw.json \
            wrk -t "$threads" -c "$CLIENTS" -d "${SECONDS_PER_RUN}s" --timeout 10s -s "$WRK_LUA" \
            "$BASE/api/v1/reports" >"$WORK/wrk-$label.txt"
    fi
    normalise_result "$RESULTS/filing-$label.raw.json" "$RESULTS/filing-$label.json"
    summarise_result "$RESULTS/filing-$label.json" "filing on $label ($CLIENTS connections, ${SECONDS_PER_RUN} s)" |
        tee "$RESULTS/filing-$label.txt"
    loadavg "after filing on $label"
}

# pgbench: one prepared transaction per script run; $1 = label, $2 = script (default: the
# single-row INSERT).
run_pgbench() {
    loadavg "before pgbench $1"
    pgbench -n -M prepared -f "${2:-$WORK/insert.sql}" -c "$CLIENTS" -j 2 -T "$SECONDS_PER_RUN" \
        -P 5 "$PG_BASE/$PG_DB" >"$RESULTS/pgbench-$1.txt" 2>&1 || { cat "$RESULTS/pgbench-$1.txt"; exit 1; }
    grep -E 'number of transactions actually processed|latency average|tps' "$RESULTS/pgbench-$1.txt"
}

# The ceiling's pgbench scripts, on the schema `serve` migrated: the report row of a filing
# of this benchmark (published at once, no email) alone, and with what the server's one
# statement (src/store/report_insert_pg.rs) adds for it: the created and published events and
# a map count change at each of the four levels. The authority is the one the filings' points
# mostly route to (Charlottenburg-Wilmersdorf; any Bezirk costs the same).
write_ceiling_scripts() {
    local point='\set lat 52.42 + random(0, 180000) / 1000000.0
\set lon 13.20 + random(0, 400000) / 1000000.0'
    local report="insert into reports (id, category_code, description, lat, lon, address, area_key,
  authority_key, status, visibility, language, near_border, reporter_email, reporter_name,
  created_at, updated_at, status_changed_at, opened_at, reaction_due_at, authority_since)
  select gen_random_uuid(), 'street_lighting',
  'Laterne leuchtet seit Tagen nicht, der Gehweg ist nachts ganz dunkel.', :lat, :lon, null,
  '11000004', '11000004', 'open', 'published', 'de', false, null, null,
  now(), now(), now(), now(), now() + interval '5 days', now()"
    printf '%s\n%s;\n' "$point" "$report" >"$WORK/report-row.sql"
    cat >"$WORK/filing-rows.sql" <<SQL
$point
with r as ($report returning id),
events as (insert into report_events (report_id, kind, actor, public, status, body, at, authority_key)
  select r.id, v.* from r, (values ('created', 'reporter', true, 'open', null, now(), '11000004'),
  ('published', 'system', false, 'open', null, now(), null)) as v (kind, actor, public, status, body, at, authority_key)),
cells as (insert into report_cell_changes (level, cx, cy, light, count, sum_lat, sum_lon)
  select v.level, floor((:lon::float8 + 180) / (360.0 / (4 << v.level))),
  floor((:lat::float8 + 90) / (360.0 / (4 << v.level))),
  'red', 1, :lat::float8, :lon::float8 from r, (values (7), (10), (11), (13)) as v (level))
select count(*) from r;
SQL
}

log "machine"
echo "$(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), $(free -m | awk '/^Mem:/ {print $2 " MB RAM"}')"
loadavg "at start"

log "build"
nice -n "${BENCH_BUILD_NICE:-10}" cargo build --release --bin buergerbuero
if [ "$LOADGEN" = oha ]; then
    if [ ! -x "$OHA" ]; then
        echo "installing oha into $OHA_ROOT (once, ~5 min)"
        nice -n "${BENCH_BUILD_NICE:-10}" cargo install oha --locked --root "$OHA_ROOT"
    fi
    "$OHA" --version
else
    if ! command -v wrk >/dev/null; then
        if [ "$(id -u)" != 0 ]; then
            echo "neither oha nor wrk is installed; apt-get install wrk, or LOADGEN=oha" >&2
            exit 1
        fi
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk
    fi
    wrk --version 2>&1 | head -n 1 || true
fi
make_bodies

if [ "${SKIP_POSTGRES:-0}" != 1 ]; then
    log "PostgreSQL: pgbench single-row INSERT ($CLIENTS clients, ${SECONDS_PER_RUN} s), before the filing run"
    psql_admin -c "CREATE DATABASE $PG_DB"
    PG_CREATED=1
    psql -X -q -v ON_ERROR_STOP=1 "$PG_BASE/$PG_DB" <<'SQL'
CREATE TABLE pgbench_reports (
  id uuid PRIMARY KEY,
  description text NOT NULL,
  lat double precision NOT NULL,
  lon double precision NOT NULL
);
SQL
    cat >"$WORK/insert.sql" <<'SQL'
\set lat 52.42 + random(0, 180000) / 1000000.0
\set lon 13.20 + random(0, 400000) / 1000000.0
INSERT INTO pgbench_reports (id, description, lat, lon) VALUES (gen_random_uuid(), 'Laterne leuchtet seit Tagen nicht, der Gehweg ist nachts ganz dunkel.', :lat, :lon);
SQL
    run_pgbench before

    log "PostgreSQL: filing through the server"
    start_server "$PG_BASE/$PG_DB" postgres
    run_filing_load postgres
    stop_server
    psql -X -At "$PG_BASE/$PG_DB" -c "SELECT 'stored: ' || count(*) || ' reports, ' ||
        (SELECT count(*) FROM report_events) || ' events, ' || (SELECT count(*) FROM report_cells) || ' cell rows'
        FROM reports"

    log "PostgreSQL: pgbench single-row INSERT again, after the filing run"
    run_pgbench after

    log "PostgreSQL alone (pgbench, no server): the report row, then a filing's rows in one statement"
    write_ceiling_scripts
    run_pgbench report-row "$WORK/report-row.sql"
    run_pgbench filing-rows "$WORK/filing-rows.sql"
    psql_admin -c "DROP DATABASE $PG_DB WITH (FORCE)" >/dev/null
    PG_CREATED=0
fi

if [ "${SKIP_SQLITE:-0}" != 1 ]; then
    log "SQLite: filing through the server"
    start_server "sqlite://$WORK/bench.db" sqlite
    run_filing_load sqlite
    stop_server
    sqlite3 "$WORK/bench.db" "SELECT 'stored: ' || count(*) || ' reports, ' ||
        (SELECT count(*) FROM report_events) || ' events, ' || (SELECT count(*) FROM report_cells) || ' cell rows'
        FROM reports"
fi

log "summary"
cat "$RESULTS"/filing-*.txt
if [ -f "$RESULTS/filing-postgres.json" ] && [ -f "$RESULTS/pgbench-after.txt" ]; then
    python3 - "$RESULTS" "$CLIENTS" <<'PY' | tee "$RESULTS/ratio.txt"
import json, re, sys

results, clients = sys.argv[1:]
tps = [float(re.search(r"tps = ([0-9.]+) \(without initial connection time\)", open(f"{results}/pgbench-{when}.txt").read()).group(1))
       for when in ("before", "after")]
reference = sum(tps) / 2
r = json.load(open(f"{results}/filing-postgres.json"))
rps = r["rps"]
p99 = r["p99_ms"]
print(f"pgbench single-row INSERT ({clients} clients): {tps[0]:.1f} tx/s before, {tps[1]:.1f} tx/s after the filing run; mean {reference:.1f}")
for label, what in (("report-row", "a filing's report row alone"), ("filing-rows", "a filing's rows in one statement")):
    path = f"{results}/pgbench-{label}.txt"
    try:
        alone = float(re.search(r"tps = ([0-9.]+) \(without initial connection time\)", open(path).read()).group(1))
    except (OSError, AttributeError):
        continue
    print(f"ceiling, PostgreSQL alone: {what}: {alone:.1f} tx/s = {alone / reference:.2f} of pgbench")
print(f"ratio filing(PostgreSQL) / pgbench: {rps:.1f} / {reference:.1f} = {rps / reference:.2f} "
      f"(target >= 0.50: {'met' if rps / reference >= 0.5 else 'MISSED'}); "
      f"p99 {p99:.1f} ms (target < 50 ms: {'met' if p99 < 50 else 'MISSED'})")
PY
fi
loadavg "at end"
echo "results in $RESULTS"
