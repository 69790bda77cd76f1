#!/usr/bin/env bash
# Benchmarks the jurisdiction engine and compares it with PostGIS on the same polygons and points.
#
#   scripts/bench-jurisdiction.sh            (run as root: installs PostGIS, runs initdb as postgres)
#
# 1. `cargo bench --bench jurisdiction_report`: single-thread throughput and latency of the engine
#    over 1,000,000 random points of BE/BB/MV, build time, SQLite load + build, RSS. The points
#    and the area our engine found for each go to a CSV.
# 2. The server: `buergerbuero serve` on a throwaway SQLite database. First start imports the
#    boundaries; later starts are timed until /readyz answers 200; RSS after some lookups.
# 3. PostGIS 3 on PostgreSQL 15 in a throwaway cluster (port 54329, under /tmp, removed at exit):
#    the same polygons with a GiST index, the same points; a bulk lateral join with ST_Contains,
#    per-point prepared lookups through pgbench (1 and 2 clients), and the agreement of answers.
#
# Environment (all optional):
#   CARGO_TARGET_DIR        where cargo builds (default ./target)
#   BUERGERBUERO_BOUNDARIES_DIR  boundary data (default ../shared/data/boundaries)
#   BENCH_POINTS            points for the engine (default 1000000)
#   PG_POINTS               points given to PostGIS, the first N of the same list (default 100000)
#   PGBENCH_SECONDS         duration of each pgbench run (default 20)
#   BENCH_PGPORT            port of the throwaway cluster (default 54329)
#   BENCH_RESULTS_DIR       where results are kept (default /tmp/bench-jurisdiction-results)
#   SKIP_POSTGIS=1 / SKIP_SERVER=1  leave out a part
#   BENCH_BUILD_NICE        niceness of the cargo builds (default 10; the machine may be shared).
#                           Only the builds are niced, not the measured runs.
#
# Only 127.0.0.1 is used. Every wait is bounded.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BOUNDARIES=${BUERGERBUERO_BOUNDARIES_DIR:-$ROOT/../shared/data/boundaries}
BOUNDARIES=$(cd "$BOUNDARIES" && pwd)
export BUERGERBUERO_BOUNDARIES_DIR=$BOUNDARIES
BENCH_POINTS=${BENCH_POINTS:-1000000}
PG_POINTS=${PG_POINTS:-100000}
PGBENCH_SECONDS=${PGBENCH_SECONDS:-20}
PGPORT_BENCH=${BENCH_PGPORT:-54329}
RESULTS=${BENCH_RESULTS_DIR:-/tmp/bench-jurisdiction-results}
PGBIN=/usr/lib/postgresql/15/bin
PGDIR=/tmp/pgbench-jurisdiction-$$
SERVER_DIR=$(mktemp -d /tmp/bench-jurisdiction-server.XXXXXX)
CLUSTER_STARTED=0

mkdir -p "$RESULTS"
POINTS_CSV=$RESULTS/points.csv

log() { printf '\n=== %s\n' "$*"; }
# The 1/5/15-minute load average, with a label, to the terminal and $RESULTS/loadavg.txt.
loadavg() { echo "load average $1: $(cut -d ' ' -f 1-3 /proc/loadavg)" | tee -a "$RESULTS/loadavg.txt"; }
NICE=(nice -n "${BENCH_BUILD_NICE:-10}")

cleanup() {
    if [ "$CLUSTER_STARTED" = 1 ]; then
        su postgres -c "$PGBIN/pg_ctl -D $PGDIR/data -m fast -w -t 60 stop" >/dev/null 2>&1 || true
    fi
    rm -rf "$PGDIR" "$SERVER_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "machine"
echo "$(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), $(free -m | awk '/^Mem:/ {print $2 " MB RAM"}')"
rm -f "$RESULTS/loadavg.txt"
loadavg "at start"

# --------------------------------------------------------------------------------------------
log "1. engine report (cargo bench --bench jurisdiction_report, release)"
"${NICE[@]}" cargo bench --no-run --bench jurisdiction_report
loadavg "before the engine report"
BENCH_POINTS=$BENCH_POINTS BENCH_POINTS_OUT=$POINTS_CSV \
    cargo bench --bench jurisdiction_report | tee "$RESULTS/report.txt"
loadavg "after the engine report"
tail -n 1 "$RESULTS/report.txt" >"$RESULTS/report.json"

# --------------------------------------------------------------------------------------------
if [ "${SKIP_SERVER:-0}" != 1 ]; then
    log "2. server start-up and memory (target/release/buergerbuero serve)"
    "${NICE[@]}" cargo build --release --bin buergerbuero
    loadavg "before the server start-up runs"
    python3 - "$TARGET_DIR/release/buergerbuero" "$SERVER_DIR" "$BOUNDARIES" "$ROOT/web" \
        "$POINTS_CSV" "$RESULTS/server.json" <<'PY'
import http.client, json, os, re, signal, socket, statistics, subprocess, sys, time

binary, work, boundaries, web, points_csv, out = sys.argv[1:]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        return response.status, body
    finally:
        conn.close()


def start(label):
    port = free_port()
    env = dict(
        os.environ,
        BUERGERBUERO_DATABASE_URL=f"sqlite://{work}/x.db",
        BUERGERBUERO_DATA_DIR=f"{work}/data",
        BUERGERBUERO_BOUNDARIES_DIR=boundaries,
        BUERGERBUERO_WEB_DIR=web,
        BUERGERBUERO_LISTEN=f"127.0.0.1:{port}",
    )
    log_path = f"{work}/{label}.log"
    log = open(log_path, "w")
    started = time.perf_counter()
    proc = subprocess.Popen([binary, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = started + 600
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited with {proc.returncode}; log:\n{open(log_path).read()[-3000:]}")
        try:
            status, _ = get(port, "/readyz")
            if status == 200:
                return proc, port, time.perf_counter() - started, log_path
        except OSError:
            pass
        time.sleep(0.002)
    proc.kill()
    proc.wait()
    sys.exit("server not ready within 600 s")


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=40)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def memory(pid):
    status = open(f"/proc/{pid}/status").read()
    field = lambda name: int(re.search(rf"^{name}:\s+(\d+) kB", status, re.M).group(1))
    return field("VmRSS"), field("VmHWM")


def build_ms(log_path):
    text = re.sub(r"\x1b\[[0-9;]*m", "", open(log_path).read())  # the log is coloured
    found = re.findall(r"build_ms=(\d+)", text)
    return int(found[-1]) if found else None


proc, _, first_s, first_log = start("first")
stop(proc)
print(f"first start (imports the boundaries): ready after {first_s:.2f} s")

runs = []
for i in range(3):
    proc, port, ready_s, log_path = start(f"restart{i}")
    runs.append({"ready_s": ready_s, "build_ms": build_ms(log_path)})
    print(f"restart {i + 1}: /readyz 200 after {ready_s * 1000:.0f} ms "
          f"(index build {runs[-1]['build_ms']} ms per the log)")
    if i < 2:
        stop(proc)

rss_ready, _ = memory(proc.pid)
points = []
with open(points_csv) as f:
    next(f)
    for line in f:
        _, lon, lat, key = line.rstrip("\n").split(",")
        points.append((lon, lat, key))
        if len(points) == 1000:
            break
agree = 0
started = time.perf_counter()
for lon, lat, key in points:
    status, body = get(port, f"/api/v1/jurisdiction?lat={lat}&lon={lon}")
    if status == 200 and key.encode() in body:
        agree += 1
elapsed = time.perf_counter() - started
rss, hwm = memory(proc.pid)
stop(proc)
result = {
    "first_start_with_import_s": first_s,
    "restart_ready_s": [r["ready_s"] for r in runs],
    "restart_ready_s_median": statistics.median(r["ready_s"] for r in runs),
    "restart_build_ms": [r["build_ms"] for r in runs],
    "rss_ready_kb": rss_ready,
    "rss_after_requests_kb": rss,
    "hwm_after_requests_kb": hwm,
    "requests": len(points),
    "requests_with_same_area": agree,
    "requests_sequential_per_s": len(points) / elapsed,
}
print(f"VmRSS when ready {rss_ready / 1024:.1f} MB; after {len(points)} /api/v1/jurisdiction "
      f"requests {rss / 1024:.1f} MB (VmHWM {hwm / 1024:.1f} MB); "
      f"{agree}/{len(points)} answers name the same area as the report")
json.dump(result, open(out, "w"))
PY
    loadavg "after the server start-up runs"
fi

# --------------------------------------------------------------------------------------------
if [ "${SKIP_POSTGIS:-0}" != 1 ]; then
    log "3. PostGIS (PostgreSQL 15, throwaway cluster on 127.0.0.1:$PGPORT_BENCH)"
    if [ "$(id -u)" != 0 ]; then
        echo "the PostGIS part needs root (apt-get, initdb as postgres); set SKIP_POSTGIS=1" >&2
        exit 1
    fi
    if [ ! -f /usr/share/postgresql/15/extension/postgis.control ]; then
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15-postgis-3
    fi
    if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT_BENCH"; then
        echo "something already listens on 127.0.0.1:$PGPORT_BENCH; set BENCH_PGPORT" >&2
        exit 1
    fi
    mkdir -p "$PGDIR" && chown postgres:postgres "$PGDIR"
    su postgres -c "$PGBIN/initdb -D $PGDIR/data -A trust -U postgres -E UTF8 --locale=C.UTF-8" >/dev/null
    CLUSTER_STARTED=1
    su postgres -c "$PGBIN/pg_ctl -D $PGDIR/data -l $PGDIR/server.log -t 60 \
        -o \"-p $PGPORT_BENCH -k $PGDIR -c listen_addresses=127.0.0.1\" -w start" >/dev/null
    export PGHOST=127.0.0.1 PGPORT=$PGPORT_BENCH PGUSER=postgres PGDATABASE=postgres
    # Every statement is bounded; no parallel workers, so a query runs on one core. JIT off: it
    # only adds compile time to queries whose cost is in PostGIS's C functions.
    export PGOPTIONS="-c statement_timeout=1800000 -c max_parallel_workers_per_gather=0 -c jit=off"
    PSQL=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1)

    # The same polygons as the engine: Berlin Bezirke (key 110000||id) and the BB/MV Gemeinden.
    python3 - "$BOUNDARIES" "$PGDIR/areas.csv" <<'PY'
import csv, json, sys

boundaries, out = sys.argv[1:]
with open(out, "w", newline="") as f:
    w = csv.writer(f)
    berlin = json.load(open(f"{boundaries}/raw/berlin-lor-geodata/berlin-lor-districts.geojson"))
    for feature in berlin["features"]:
        key = "110000" + f"{int(feature['properties']['id']):02d}"
        w.writerow([key, "berlin-bezirke", json.dumps(feature["geometry"])])
    gemeinden = json.load(open(f"{boundaries}/derived/gemeinden_bb_mv_2025_vg250recon.geojson"))
    for feature in gemeinden["features"]:
        w.writerow([feature["properties"]["AGS"], "vg250-gemeinden-bb-mv", json.dumps(feature["geometry"])])
PY
    head -n "$((PG_POINTS + 1))" "$POINTS_CSV" >"$PGDIR/points.csv"
    "${PSQL[@]}" <<SQL
CREATE EXTENSION postgis;
CREATE TABLE areas_src (key text, source text, geojson text);
\copy areas_src FROM '$PGDIR/areas.csv' WITH (FORMAT csv)
CREATE TABLE areas AS
    SELECT key, source, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(geojson), 4326))::geometry(MultiPolygon, 4326) AS geom
    FROM areas_src;
ALTER TABLE areas ADD PRIMARY KEY (key);
CREATE INDEX areas_geom ON areas USING gist (geom);
CREATE TABLE points (id integer PRIMARY KEY, lon float8, lat float8, our_key text);
\copy points FROM '$PGDIR/points.csv' WITH (FORMAT csv, HEADER true)
ALTER TABLE points ADD COLUMN geom geometry(Point, 4326);
UPDATE points SET geom = ST_SetSRID(ST_MakePoint(lon, lat), 4326);
CREATE INDEX points_geom ON points USING gist (geom);
VACUUM ANALYZE areas;
VACUUM ANALYZE points;
SQL
    "${PSQL[@]}" -At -c "SELECT postgis_full_version()" >"$RESULTS/postgis_version.txt"
    "${PSQL[@]}" -At -c "SELECT 'areas ' || count(*) || ', vertices ' || sum(ST_NPoints(geom)) FROM areas" |
        tee "$RESULTS/postgis_areas.txt"
    "${PSQL[@]}" -At -c "SELECT 'points ' || count(*) FROM points"

    # (a) bulk: every point against the areas, one query, one core. The lateral join over the
    #     points is the shape of a lookup (a GiST probe of the areas per point). The lateral join
    #     over the areas is PostGIS's best case: each polygon probes the points' GiST index and
    #     is tested against all its candidate points in a row, so PostGIS's per-polygon cache
    #     (its prepared point-in-polygon tree) is built once per polygon and always hits.
    LATERAL_SQL="SELECT count(a.key) FROM points p CROSS JOIN LATERAL (SELECT key FROM areas a WHERE ST_Contains(a.geom, p.geom)) a"
    #     (OFFSET 0 keeps the planner from flattening it into the first plan.)
    JOIN_SQL="SELECT count(*) FROM areas a CROSS JOIN LATERAL (SELECT 1 FROM points p WHERE ST_Contains(a.geom, p.geom) OFFSET 0) p"
    "${PSQL[@]}" -c "EXPLAIN $LATERAL_SQL" -c "EXPLAIN $JOIN_SQL" | tee "$RESULTS/postgis_plans.txt"
    # The backend's own schedstat: time on a CPU and waiting for one, so that the figures can
    # be compared per CPU-second when other processes compete for the cores.
    SCHED="string_to_array(trim(pg_read_file('/proc/self/schedstat')), ' ')::bigint[]"
    time_query() { # prints "wall_ms on_cpu_ms run_queue_ms" of the fastest of 3 runs
        for _ in 1 2 3; do
            "${PSQL[@]}" -At -F ' ' <<SQL | awk '/^Time:/ {wall = $2} /^sched / {cpu = $2; wait = $3} END {print wall, cpu, wait}'
SELECT ($SCHED)[1] AS cpu, ($SCHED)[2] AS wait \gset s0_
\timing on
$1;
\timing off
SELECT 'sched', (($SCHED)[1] - :s0_cpu) / 1e6, (($SCHED)[2] - :s0_wait) / 1e6;
SQL
        done | sort -g -k 1,1 | head -n 1
    }
    loadavg "before the PostGIS bulk queries"
    read -r LATERAL_MS LATERAL_CPU_MS LATERAL_WAIT_MS < <(time_query "$LATERAL_SQL")
    read -r JOIN_MS JOIN_CPU_MS JOIN_WAIT_MS < <(time_query "$JOIN_SQL")
    echo "bulk lateral join: $PG_POINTS points in $LATERAL_MS ms (best of 3; $LATERAL_CPU_MS ms on a CPU, $LATERAL_WAIT_MS ms waiting for one)"
    echo "bulk join, areas outer: $PG_POINTS points in $JOIN_MS ms (best of 3; $JOIN_CPU_MS ms on a CPU, $JOIN_WAIT_MS ms waiting for one)"

    # (b) per-point lookups, prepared, through pgbench: 1 client (one server core) and 2.
    cat >"$PGDIR/lookup.sql" <<SQL
\set id random(1, $PG_POINTS)
SELECT a.key FROM points p JOIN areas a ON ST_Contains(a.geom, p.geom) WHERE p.id = :id;
SQL
    # CPU time (clock ticks) of the postmaster's reaped children: the backends pgbench used.
    backends_cpu_ticks() {
        awk '{ sub(/^.*\) /, ""); print $14 + $15 }' "/proc/$(head -n 1 "$PGDIR/data/postmaster.pid")/stat"
    }
    run_pgbench() { # $1 = clients
        loadavg "before pgbench, $1 client(s)"
        rm -f "$PGDIR"/pgbench_log.*
        local ticks_before
        ticks_before=$(backends_cpu_ticks)
        (cd "$PGDIR" && "$PGBIN/pgbench" -n -M prepared -f lookup.sql -c "$1" -j "$1" \
            -T "$PGBENCH_SECONDS" -l --log-prefix=pgbench_log) >"$RESULTS/pgbench_c$1.txt" 2>&1
        sleep 1 # the backends exit after pgbench disconnects; let the postmaster reap them
        local server_cpu_s
        server_cpu_s=$(echo "$(backends_cpu_ticks) $ticks_before $(getconf CLK_TCK)" | awk '{print ($1 - $2) / $3}')
        grep -E 'tps|latency|processed' "$RESULTS/pgbench_c$1.txt"
        # Per-transaction log: the third field is the latency in microseconds.
        cat "$PGDIR"/pgbench_log.* | python3 -c '
import json, sys
server_cpu_s = float(sys.argv[1])
lat = sorted(int(line.split()[2]) for line in sys.stdin)
pick = lambda p: lat[min(len(lat) - 1, max(0, int(p * len(lat) + 0.999999) - 1))]
print(json.dumps({"transactions": len(lat), "p50_us": pick(0.5), "p99_us": pick(0.99), "p99_9_us": pick(0.999),
                  "server_cpu_s": server_cpu_s, "per_server_cpu_s": len(lat) / server_cpu_s if server_cpu_s else None}))
' "$server_cpu_s" >"$RESULTS/pgbench_c$1_latency.json"
        cat "$RESULTS/pgbench_c$1_latency.json"
    }
    run_pgbench 1
    run_pgbench 2

    # Agreement: PostGIS's answer against ours, for points inside exactly one polygon.
    "${PSQL[@]}" <<'SQL'
CREATE TABLE pg_answers AS
    SELECT p.id, p.our_key, array_agg(a.key ORDER BY a.key) FILTER (WHERE a.key IS NOT NULL) AS keys
    FROM points p LEFT JOIN LATERAL (SELECT key FROM areas a WHERE ST_Contains(a.geom, p.geom)) a ON true
    GROUP BY p.id, p.our_key;
SQL
    "${PSQL[@]}" -At -F ' ' -c "SELECT
        count(*),
        count(*) FILTER (WHERE keys IS NULL),
        count(*) FILTER (WHERE cardinality(keys) = 1),
        count(*) FILTER (WHERE cardinality(keys) = 1 AND keys[1] = our_key),
        count(*) FILTER (WHERE cardinality(keys) > 1),
        count(*) FILTER (WHERE cardinality(keys) > 1 AND our_key = ANY (keys)),
        count(*) FILTER (WHERE cardinality(keys) > 1 AND our_key = ANY (keys) AND our_key LIKE '11%')
        FROM pg_answers" >"$PGDIR/agreement.txt"
    "${PSQL[@]}" -c "SELECT id, our_key, keys FROM pg_answers
        WHERE keys IS NULL OR NOT (our_key = ANY (keys)) OR (cardinality(keys) = 1 AND keys[1] <> our_key)
        ORDER BY id LIMIT 20" | tee "$RESULTS/postgis_disagreements.txt"
    "${PSQL[@]}" -c "SELECT keys, our_key, count(*) FROM pg_answers WHERE cardinality(keys) > 1
        GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 10" | tee "$RESULTS/postgis_overlaps.txt"

    python3 - "$PG_POINTS" "$LATERAL_MS" "$JOIN_MS" "$PGDIR/agreement.txt" "$RESULTS" \
        "$LATERAL_CPU_MS" "$JOIN_CPU_MS" <<'PY'
import json, re, sys

n, lateral_ms, join_ms, agreement, results, lateral_cpu_ms, join_cpu_ms = sys.argv[1:]
n = int(n)
total, none, single, single_agree, multi, multi_ours, multi_berlin = map(int, open(agreement).read().split())


def pgbench(clients):
    text = open(f"{results}/pgbench_c{clients}.txt").read()
    tps = float(re.search(r"tps = ([0-9.]+) \(without initial connection time\)", text).group(1))
    avg = float(re.search(r"latency average = ([0-9.]+) ms", text).group(1))
    latency = json.load(open(f"{results}/pgbench_c{clients}_latency.json"))
    return {"tps": tps, "latency_avg_ms": avg, **latency}


result = {
    "points": n,
    "bulk_lateral_ms": float(lateral_ms),
    "bulk_lateral_per_s": n / (float(lateral_ms) / 1e3),
    "bulk_join_ms": float(join_ms),
    "bulk_join_per_s": n / (float(join_ms) / 1e3),
    "bulk_lateral_on_cpu_ms": float(lateral_cpu_ms),
    "bulk_lateral_per_on_cpu_s": n / (float(lateral_cpu_ms) / 1e3),
    "bulk_join_on_cpu_ms": float(join_cpu_ms),
    "bulk_join_per_on_cpu_s": n / (float(join_cpu_ms) / 1e3),
    "pgbench_c1": pgbench(1),
    "pgbench_c2": pgbench(2),
    "agreement": {
        "points": total,
        "in_no_polygon": none,
        "in_exactly_one": single,
        "in_exactly_one_same_key": single_agree,
        "agreement_rate": single_agree / single if single else None,
        "in_several": multi,
        "in_several_ours_among_them": multi_ours,
        "in_several_ours_is_berlin": multi_berlin,
    },
}
json.dump(result, open(f"{results}/postgis.json", "w"))
a = result["agreement"]
print(f"agreement: {single_agree}/{single} points inside exactly one PostGIS polygon get the same key "
      f"({100 * (a['agreement_rate'] or 0):.4f} %); {multi} inside several (ours among them: {multi_ours}, "
      f"ours Berlin: {multi_berlin}); {none} inside none")
PY
fi

# --------------------------------------------------------------------------------------------
log "summary"
loadavg "at end"
python3 - "$RESULTS" <<'PY'
import json, os, sys

results = sys.argv[1]
load = lambda name: json.load(open(f"{results}/{name}")) if os.path.exists(f"{results}/{name}") else None
report, server, pg = load("report.json"), load("server.json"), load("postgis.json")
ours, ours_cpu = report["locate_area_per_s"], report["locate_area_per_on_cpu_s"]
summary = {"engine": {
    "locate_area_per_s": ours,
    "locate_area_per_on_cpu_s": ours_cpu,
    "locate_per_s": report["locate_per_s"],
    "locate_per_on_cpu_s": report["locate_per_on_cpu_s"],
    "locate_area_p50_ns_batch16": report["locate_area_latency_batch16"]["p50_ns"],
    "locate_area_p99_ns_batch16": report["locate_area_latency_batch16"]["p99_ns"],
    "locate_area_p99_ns_single": report["locate_area_latency_single"]["p99_ns"],
    "build_ms": report["build_ms"],
    "sqlite_load_and_build_ms": report["sqlite"]["load_and_build_ms"],
}}
print(f"engine, 1 thread: {ours:,.0f} locate_area/s ({ours_cpu:,.0f} per on-CPU second), "
      f"{report['locate_per_s']:,.0f} locate/s ({report['locate_per_on_cpu_s']:,.0f} per on-CPU second); "
      f"locate_area p99 {report['locate_area_latency_single']['p99_ns']:.0f} ns (each timed), "
      f"{report['locate_area_latency_batch16']['p99_ns']:.0f} ns (batches of 16)")
if server:
    summary["server"] = server
    print(f"server: ready {server['restart_ready_s_median'] * 1000:.0f} ms after start (median of 3, "
          f"boundaries already imported); VmRSS {server['rss_after_requests_kb'] / 1024:.1f} MB "
          f"after {server['requests']} lookups")
if pg:
    summary["postgis"] = pg
    c1 = pg["pgbench_c1"]
    summary["ratio"] = {
        "vs_pgbench_c1": ours / c1["tps"],
        "vs_pgbench_c2": ours / pg["pgbench_c2"]["tps"],
        "vs_bulk_lateral": ours / pg["bulk_lateral_per_s"],
        "vs_bulk_join": ours / pg["bulk_join_per_s"],
        "on_cpu_vs_pgbench_c1_server_cpu": ours_cpu / c1["per_server_cpu_s"] if c1.get("per_server_cpu_s") else None,
        "on_cpu_vs_bulk_lateral": ours_cpu / pg["bulk_lateral_per_on_cpu_s"],
        "on_cpu_vs_bulk_join": ours_cpu / pg["bulk_join_per_on_cpu_s"],
    }
    r = summary["ratio"]
    print(f"PostGIS: bulk lateral {pg['bulk_lateral_per_s']:,.0f}/s ({pg['bulk_lateral_per_on_cpu_s']:,.0f} per on-CPU s), "
          f"bulk join (areas outer) {pg['bulk_join_per_s']:,.0f}/s ({pg['bulk_join_per_on_cpu_s']:,.0f} per on-CPU s), "
          f"pgbench 1 client {c1['tps']:,.0f}/s (p50 {c1['p50_us']} us, p99 {c1['p99_us']} us; "
          f"{(c1.get('per_server_cpu_s') or 0):,.0f} per server CPU-second), "
          f"2 clients {pg['pgbench_c2']['tps']:,.0f}/s")
    print(f"ratio, wall clock (engine 1 thread / PostGIS): {r['vs_pgbench_c1']:,.0f}x per-point prepared (1 client), "
          f"{r['vs_pgbench_c2']:,.0f}x (2 clients), {r['vs_bulk_lateral']:,.0f}x bulk lateral, "
          f"{r['vs_bulk_join']:,.0f}x bulk join with areas outer")
    print(f"ratio, per CPU-second: {(r['on_cpu_vs_pgbench_c1_server_cpu'] or 0):,.0f}x per-point prepared (server CPU only), "
          f"{r['on_cpu_vs_bulk_lateral']:,.0f}x bulk lateral, {r['on_cpu_vs_bulk_join']:,.0f}x bulk join with areas outer")
json.dump(summary, open(f"{results}/summary.json", "w"), indent=2)
print(json.dumps(summary))
PY
echo "results in $RESULTS"
