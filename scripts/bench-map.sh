#!/usr/bin/env bash
# Map layer latency at 1,000,000 published reports: GET /api/v1/reports.geojson for a
# state-wide, two city and a street-level viewport, and the map tiles of a city view (cold,
# warm and revalidated), on PostgreSQL and on SQLite.
#
#   scripts/bench-map.sh
#
# 1. Builds the release binary (under nice). Load generator: oha if installed (OHA or on PATH),
#    else wrk (Debian's `wrk`, installed with apt-get if missing and run as root) with
#    scripts/bench-wrk.lua; LOADGEN=oha installs oha (cargo install --locked, ~5 min) if missing.
# 2. PostgreSQL: a fresh database on 127.0.0.1:5432 (user postgres, dropped at the end);
#    `buergerbuero migrate` and `import-boundaries`; then BENCH_REPORTS published reports
#    generated in SQL (generate_series): 30 % uniform in Berlin's bounding box, the rest uniform
#    over lon 11.3–14.7, lat 51.4–54.6 (BE/BB/MV); statuses 40 % open, 15 % in progress,
#    35 % resolved, 10 % closed; one a minute from 2024-01-01, ids UUID v7 of that time;
#    category street_lighting, authority and area 11000001 (it is only a benchmark).
#    `report_cells` is filled exactly as `create_report` keeps it (levels 7, 10, 11, 13; cell =
#    floor((lon+180)/size), floor((lat+90)/size), size = 360/2^(level+2); light by status).
#    VACUUM ANALYZE. Then `buergerbuero serve` and, per viewport and client count, a short
#    warm-up and an oha run of BENCH_SECONDS.
#    Then the tiles (GET /api/v1/map/tiles/{z}/{x}/{y}.json) of a city view: the zoom-12 tiles
#    a 1280 × 800 viewport centred on Berlin needs (BENCH_TILE_VIEW), requested in turn by
#    every client (wrk with BENCH_PATHS; a "view" is one request of each of its tiles, so
#    views/s = requests/s ÷ tiles per view), three ways: `cold` (the server started with
#    BUERGERBUERO_MAP_TILE_CACHE_MB=0, so every request renders its tile from the database,
#    as after a change), `warm` (rendered tiles from memory, as for a crowd on one view) and
#    `revalidate` (every request with the tile's ETag in If-None-Match: the 304 a browser or
#    CDN gets when its copy is older than max-age).
# 3. SQLite: the same on a temporary database file (a recursive CTE through Python's sqlite3,
#    which also supplies the 16-byte UUID v7 blobs), then ANALYZE.
#
# Environment (all optional):
#   CARGO_TARGET_DIR          where cargo builds (default ./target)
#   BUERGERBUERO_BOUNDARIES_DIR  boundary data (default ../shared/data/boundaries)
#   BENCH_POSTGRES_URL        server URL without database (default postgres://postgres@127.0.0.1:5432)
#   BENCH_REPORTS             reports to generate (default 1000000)
#   BENCH_CLIENTS             space-separated client counts per viewport (default "1 8")
#   BENCH_SECONDS             length of each measured run (default 10)
#   BENCH_RESULTS_DIR         where the JSON results go (default /tmp/bench-map-results)
#   OHA                       an oha binary to use instead of the cached one
#   LOADGEN                   oha or wrk (default: oha if installed, else wrk)
#   BENCH_BUILD_NICE          niceness of the cargo build (default 10; the machine may be shared)
#   SKIP_POSTGRES=1 / SKIP_SQLITE=1  leave out a backend
#   BENCH_KEEP=1              keep the PostgreSQL database and the SQLite file for a closer look
#   BENCH_TILE_VIEW           the tiled view: "lat lon zoom width height" (default "52.52 13.405 12 1280 800")
#   SKIP_BBOX=1               leave out the bbox endpoint's viewports (measure only the tiles)
#   SKIP_EXPORT=1             leave out the open-data downloads (measured first on each backend:
#                             time, size and the server's peak memory above idle, CSV and GeoJSON)
#
# Only 127.0.0.1 is used. Every run is bounded in time; every wait has a deadline.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BOUNDARIES=${BUERGERBUERO_BOUNDARIES_DIR:-$ROOT/../shared/data/boundaries}
BOUNDARIES=$(cd "$BOUNDARIES" && pwd)
PG_BASE=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
REPORTS=${BENCH_REPORTS:-1000000}
CLIENT_COUNTS=${BENCH_CLIENTS:-1 8}
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
RESULTS=${BENCH_RESULTS_DIR:-/tmp/bench-map-results}
OHA_ROOT=${XDG_CACHE_HOME:-$HOME/.cache}/buergerbuero/oha
OHA=${OHA:-$OHA_ROOT/bin/oha}
if [ ! -x "$OHA" ] && command -v oha >/dev/null; then OHA=$(command -v oha); fi
if [ -z "${LOADGEN:-}" ]; then
    if [ -x "$OHA" ]; then LOADGEN=oha; else LOADGEN=wrk; fi
fi
WRK_LUA=$ROOT/scripts/bench-wrk.lua
BIN=$TARGET_DIR/release/buergerbuero
WORK=$(mktemp -d /tmp/bench-map.XXXXXX)
PG_DB=bench_map_$$
PG_CREATED=0
SERVER_PID=

# name|query; the names go into the result files.
VIEWPORTS=(
    "state_z7|bbox=10.5,51.3,15.0,54.8&zoom=7"
    "berlin_z11|bbox=13.08,52.33,13.77,52.68&zoom=11"
    "berlin_z12|bbox=13.185,52.437,13.625,52.604&zoom=12"
    "mitte_z16|bbox=13.398,52.515,13.425,52.525&zoom=16"
)

mkdir -p "$RESULTS"
rm -f "$RESULTS"/loadavg.txt
log() { printf '\n=== %s\n' "$*"; }
# The 1/5/15-minute load average, with a label, to the terminal and $RESULTS/loadavg.txt.
loadavg() { echo "load average $1: $(cut -d ' ' -f 1-3 /proc/loadavg)" | tee -a "$RESULTS/loadavg.txt"; }
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 "$PG_BASE/postgres" "$@"; }

# The generator hard-codes the map levels and the cell formula; stop if the code moved on.
if ! grep -q 'pub const MAP_LEVELS: \[u8; 4\] = \[7, 10, 11, 13\];' src/store/reports.rs; then
    echo "MAP_LEVELS in src/store/reports.rs is no longer [7, 10, 11, 13]; update this script" >&2
    exit 1
fi

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
    if [ "${BENCH_KEEP:-0}" = 1 ]; then
        echo "kept: PostgreSQL database $PG_DB (if created), SQLite file $WORK/bench.db; drop and remove them when done"
        return
    fi
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

# Runs the binary with the benchmark's settings on database URL $1; the rest are its arguments.
# With BB_EXEC=1 the binary replaces the shell that runs the function: `BB_EXEC=1 bb … &` then
# gives the server's own PID in $! (a backgrounded function runs in a subshell; without exec,
# stop_server's SIGTERM reached only that subshell and left the server running).
bb() {
    local url=$1
    shift
    local run=()
    if [ "${BB_EXEC:-0}" = 1 ]; then run=(exec); fi
    BUERGERBUERO_DATABASE_URL=$url \
        BUERGERBUERO_DATA_DIR=$WORK/data \
        BUERGERBUERO_BOUNDARIES_DIR=$BOUNDARIES \
        BUERGERBUERO_WEB_DIR=$ROOT/web \
        RUST_LOG=${RUST_LOG:-warn} \
        "${run[@]}" "$BIN" "$@"
}

# Starts `buergerbuero serve` on database URL $1 and waits (at most 120 s) for /readyz.
start_server() {
    local url=$1 label=$2
    PORT=$(free_port)
    BASE=http://127.0.0.1:$PORT
    BB_EXEC=1 BUERGERBUERO_LISTEN=127.0.0.1:$PORT BUERGERBUERO_PUBLIC_URL=$BASE \
        bb "$url" serve >"$WORK/server-$label.log" 2>&1 &
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

# Times "$@" and prints the seconds it took with label $1.
timed() {
    local label=$1 start end
    shift
    start=$(date +%s%N)
    "$@"
    end=$(date +%s%N)
    echo "$label: $(((end - start) / 1000000)) ms"
}

generate_postgres() {
    psql -X -q -v ON_ERROR_STOP=1 -v reports="$REPORTS" "$PG_BASE/$PG_DB" <<'SQL'
-- A bulk load of generated rows: skip the per-row foreign-key triggers (the keys are known to
-- exist) and the WAL flush per statement.
SET session_replication_role = replica;
SET synchronous_commit = off;
SET maintenance_work_mem = '256MB';

-- UUID v7: 48-bit Unix milliseconds, version 7, the rest random (RFC 9562).
CREATE FUNCTION pg_temp.uuid7(ts timestamptz) RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
      PLACING substring(int8send(floor(extract(epoch FROM ts) * 1000)::bigint) FROM 3) FROM 1 FOR 6),
    52, 1), 53, 1), 'hex')::uuid
$$;

-- The random draws, stored once so that every column sees the same ones.
CREATE UNLOGGED TABLE bench_points AS
  SELECT n, random() AS b, random() AS u, random() AS v, random() AS s
  FROM generate_series(1, :reports) AS n;

INSERT INTO reports (id, category_code, description, lat, lon, address, area_key, authority_key,
    status, close_reason, visibility, language, near_border, created_at, updated_at, status_changed_at)
SELECT pg_temp.uuid7(t), 'street_lighting', 'Laterne ' || n || ' leuchtet nicht', lat, lon, NULL,
    '11000001', '11000001', status, CASE WHEN status = 'closed' THEN 'not_a_defect' END,
    'published', 'de', false, t, t, t
FROM (
  SELECT n,
    timestamptz '2024-01-01 00:00:00+00' + n * interval '1 minute' AS t,
    CASE WHEN b < 0.3 THEN 52.338 + v * 0.337 ELSE 51.4 + v * 3.2 END AS lat,
    CASE WHEN b < 0.3 THEN 13.088 + u * 0.673 ELSE 11.3 + u * 3.4 END AS lon,
    CASE WHEN s < 0.40 THEN 'open' WHEN s < 0.55 THEN 'in_progress'
         WHEN s < 0.90 THEN 'resolved' ELSE 'closed' END AS status
  FROM bench_points
) AS p
ORDER BY n;

DROP TABLE bench_points;

-- As create_report keeps them: one row per (level, cell, light) with count and coordinate sums.
INSERT INTO report_cells (level, cx, cy, light, count, sum_lat, sum_lon)
SELECT l.level,
  floor((r.lon + 180) / (360.0::float8 / (1 << (l.level + 2))))::bigint AS cx,
  floor((r.lat + 90) / (360.0::float8 / (1 << (l.level + 2))))::bigint AS cy,
  CASE r.status WHEN 'open' THEN 'red' WHEN 'in_progress' THEN 'yellow'
                WHEN 'resolved' THEN 'green' WHEN 'closed' THEN 'yellow_green' END AS light,
  count(*), sum(r.lat), sum(r.lon)
FROM reports AS r CROSS JOIN (VALUES (7), (10), (11), (13)) AS l (level)
WHERE r.visibility = 'published' AND r.status <> 'unconfirmed'
GROUP BY 1, 2, 3, 4;
SQL
}

generate_sqlite() {
    python3 - "$1" "$REPORTS" <<'PY'
import os, sqlite3, sys

path, reports = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(path, isolation_level=None)


def uuid7(ms):
    b = bytearray(os.urandom(16))
    b[0:6] = ms.to_bytes(6, "big")
    b[6] = 0x70 | (b[6] & 0x0F)
    b[8] = 0x80 | (b[8] & 0x3F)
    return bytes(b)


db.create_function("uuid7", 1, uuid7)
db.executescript(f"""
PRAGMA synchronous = OFF;
PRAGMA cache_size = -512000;
PRAGMA temp_store = MEMORY;
BEGIN;
-- The random draws, stored once so that every column sees the same ones (random() in [0, 1)).
CREATE TEMP TABLE bench_points AS
  WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {reports})
  SELECT n, random() / 18446744073709551616.0 + 0.5 AS b, random() / 18446744073709551616.0 + 0.5 AS u,
         random() / 18446744073709551616.0 + 0.5 AS v, random() / 18446744073709551616.0 + 0.5 AS s
  FROM g;

INSERT INTO reports (id, category_code, description, lat, lon, address, area_key, authority_key,
    status, close_reason, visibility, language, near_border, created_at, updated_at, status_changed_at)
SELECT uuid7(ms), 'street_lighting', 'Laterne ' || n || ' leuchtet nicht', lat, lon, NULL,
    '11000001', '11000001', status, CASE WHEN status = 'closed' THEN 'not_a_defect' END,
    'published', 'de', 0, t, t, t
FROM (
  SELECT n, (1704067200 + n * 60) * 1000 AS ms,
    strftime('%Y-%m-%dT%H:%M:%S+00:00', 1704067200 + n * 60, 'unixepoch') AS t,
    CASE WHEN b < 0.3 THEN 52.338 + v * 0.337 ELSE 51.4 + v * 3.2 END AS lat,
    CASE WHEN b < 0.3 THEN 13.088 + u * 0.673 ELSE 11.3 + u * 3.4 END AS lon,
    CASE WHEN s < 0.40 THEN 'open' WHEN s < 0.55 THEN 'in_progress'
         WHEN s < 0.90 THEN 'resolved' ELSE 'closed' END AS status
  FROM bench_points
)
ORDER BY n;

DROP TABLE bench_points;

-- As create_report keeps them. Coordinates here are positive, so the cast truncates = floor.
INSERT INTO report_cells (level, cx, cy, light, count, sum_lat, sum_lon)
SELECT l.level,
  CAST((r.lon + 180.0) / (360.0 / (1 << (l.level + 2))) AS INTEGER) AS cx,
  CAST((r.lat + 90.0) / (360.0 / (1 << (l.level + 2))) AS INTEGER) AS cy,
  CASE r.status WHEN 'open' THEN 'red' WHEN 'in_progress' THEN 'yellow'
                WHEN 'resolved' THEN 'green' WHEN 'closed' THEN 'yellow_green' END AS light,
  count(*), sum(r.lat), sum(r.lon)
FROM reports AS r CROSS JOIN (SELECT 7 AS level UNION ALL SELECT 10 UNION ALL SELECT 11 UNION ALL SELECT 13) AS l
WHERE r.visibility = 'published' AND r.status <> 'unconfirmed'
GROUP BY 1, 2, 3, 4;
COMMIT;
""")
PY
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

# One line of figures from a normalised result; $1 = file, $2 = label, $3 = tiles per view
# (optional: then views per second too).
summarise_result() {
    python3 - "$@" <<'PY'
import json, sys

path, label, *rest = sys.argv[1:]
r = json.load(open(path))
codes = {int(k): v for k, v in r["codes"].items()}
other = sum(v for k, v in codes.items() if k not in (200, 304)) + r["errors"]
views = f", {r['rps'] / int(rest[0]):.1f} views/s" if rest else ""
answers = f"{codes.get(200, 0)} x 200" + (f", {codes[304]} x 304" if 304 in codes else "")
print(f"{label} [{r['tool']}]: {r['rps']:.1f} req/s{views}, p50 {r['p50_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms, "
      f"p99 {r['p99_ms']:.2f} ms, max {r['max_ms']:.1f} ms, {answers}, {other} other")
PY
}

# Measures every viewport at every client count against the running server; $1 = backend.
measure_viewports() {
    local backend=$1 entry name query url clients
    for entry in "${VIEWPORTS[@]}"; do
        name=${entry%%|*}
        query=${entry#*|}
        url="$BASE/api/v1/reports.geojson?$query"
        curl -fsS --max-time 30 "$url" -o "$WORK/$name.json" -w "$name: HTTP %{http_code}, %{size_download} bytes, %{time_total} s cold; "
        jq -r '"\(.features | length) features, kinds \([.features[].properties.kind] | unique | join(",")), \([.features[] | .properties.count // 1] | add // 0) reports"' "$WORK/$name.json"
        for clients in $CLIENT_COUNTS; do
            local raw=$RESULTS/map-$backend-$name-c$clients.raw.json
            if [ "$LOADGEN" = oha ]; then
                "$OHA" -n 50 -c "$clients" --no-tui --output-format json "$url" >/dev/null
                loadavg "before $backend $name c$clients" >/dev/null
                "$OHA" -z "${SECONDS_PER_RUN}s" -w -c "$clients" --no-tui --output-format json "$url" >"$raw"
            else
                local threads=$((clients < 2 ? clients : 2))
                BENCH_WRK_JSON=$WORK/warmup.json wrk -t "$threads" -c "$clients" -d 2s --timeout 10s \
                    -s "$WRK_LUA" "$url" >/dev/null
                loadavg "before $backend $name c$clients" >/dev/null
                BENCH_WRK_JSON=$raw wrk -t "$threads" -c "$clients" -d "${SECONDS_PER_RUN}s" --timeout 10s \
                    -s "$WRK_LUA" "$url" >/dev/null
            fi
            normalise_result "$raw" "$RESULTS/map-$backend-$name-c$clients.json"
            summarise_result "$RESULTS/map-$backend-$name-c$clients.json" \
                "$backend $name, $clients client(s), ${SECONDS_PER_RUN} s, 1-min load at end $(cut -d ' ' -f 1 /proc/loadavg)" |
                tee -a "$RESULTS/map-$backend.txt"
        done
    done
}

# Writes the paths of the tiles of the view BENCH_TILE_VIEW to $1, one a line (the arithmetic
# of web/js/public-map.js: the view's box at its zoom, 256-pixel tiles).
tile_paths() {
    python3 - "$1" ${BENCH_TILE_VIEW:-52.52 13.405 12 1280 800} <<'PY'
import math, sys

out, lat, lon, zoom, width, height = sys.argv[1], *map(float, sys.argv[2:])
z = int(zoom)
n = 2 ** z
rad = math.radians(lat)
cx = (lon + 180) / 360 * n * 256
cy = (1 - math.log(math.tan(rad) + 1 / math.cos(rad)) / math.pi) / 2 * n * 256
x0, x1 = int((cx - width / 2) // 256), int((cx + width / 2) // 256)
y0, y1 = int((cy - height / 2) // 256), int((cy + height / 2) // 256)
with open(out, "w") as f:
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            f.write(f"/api/v1/map/tiles/{z}/{x}/{y}.json\n")
PY
}

# Measures the city view's tiles against the running server; $1 = backend, $2 = cold, warm or
# revalidate (see the top of the file).
measure_tiles() {
    local backend=$1 mode=$2 paths=$WORK/tiles.txt clients tiles
    tile_paths "$paths"
    tiles=$(wc -l <"$paths")
    if [ "$mode" = revalidate ]; then
        local path etag
        while read -r path; do
            etag=$(curl -fsS --max-time 30 -o /dev/null -D - "$BASE$path" | tr -d '\r' |
                sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
            echo "$path $etag"
        done <"$paths" >"$WORK/tiles-etags.txt"
        paths=$WORK/tiles-etags.txt
    fi
    local sample
    sample=$(head -n 1 "$paths" | cut -d ' ' -f 1)
    curl -fsS --max-time 30 "$BASE$sample" -o "$WORK/tile.json" \
        -w "tiles_z12 ($tiles tiles a view): $sample HTTP %{http_code}, %{size_download} bytes; "
    jq -r '"\(.features | length) features"' "$WORK/tile.json"
    for clients in $CLIENT_COUNTS; do
        local raw=$RESULTS/map-$backend-tiles_$mode-c$clients.raw.json
        local threads=$((clients < 2 ? clients : 2))
        BENCH_PATHS=$paths BENCH_WRK_JSON=$WORK/warmup.json wrk -t "$threads" -c "$clients" -d 2s \
            --timeout 10s -s "$WRK_LUA" "$BASE" >/dev/null
        loadavg "before $backend tiles_$mode c$clients" >/dev/null
        BENCH_PATHS=$paths BENCH_WRK_JSON=$raw wrk -t "$threads" -c "$clients" -d "${SECONDS_PER_RUN}s" \
            --timeout 10s -s "$WRK_LUA" "$BASE" >/dev/null
        LOADGEN=wrk normalise_result "$raw" "$RESULTS/map-$backend-tiles_$mode-c$clients.json"
        summarise_result "$RESULTS/map-$backend-tiles_$mode-c$clients.json" \
            "$backend tiles_z12_$mode, $clients client(s), ${SECONDS_PER_RUN} s, 1-min load at end $(cut -d ' ' -f 1 /proc/loadavg)" \
            "$tiles" | tee -a "$RESULTS/map-$backend.txt"
    done
}

# The bbox endpoint's viewports, then the tiles warm, revalidated and cold; $1 = backend,
# $2 = database URL. Leaves no server running.
# Kibibytes of memory the server holds now (VmRSS).
server_rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status"; }

# The open-data downloads of every report (CSV, GeoJSON) from the freshly started server: time,
# bytes, and the server's peak resident memory during each (sampled every 20 ms) above idle.
measure_export() {
    local backend=$1 format idle peak sampler start end bytes
    for format in csv geojson; do
        idle=$(server_rss_kb)
        ( peak=0; while kill -0 "$SERVER_PID" 2>/dev/null; do
              rss=$(server_rss_kb 2>/dev/null || echo 0)
              [ "${rss:-0}" -gt "$peak" ] && peak=$rss && echo "$peak" >"$WORK/peak"
              sleep 0.02
          done ) &
        sampler=$!
        start=$(date +%s%N)
        bytes=$(curl -fsS -o /dev/null -w '%{size_download}' "$BASE/api/v1/open-data/reports.$format")
        end=$(date +%s%N)
        kill "$sampler" 2>/dev/null || true
        wait "$sampler" 2>/dev/null || true
        peak=$(cat "$WORK/peak" 2>/dev/null || echo "$idle")
        rm -f "$WORK/peak"
        echo "export $backend $format: $((bytes / 1048576)) MiB in $(((end - start) / 1000000)) ms; server memory idle $((idle / 1024)) MiB, peak $((peak / 1024)) MiB (+$(((peak - idle) / 1024)) MiB)" |
            tee -a "$RESULTS/map-export-$backend.txt"
    done
}

measure_backend() {
    local backend=$1 url=$2
    start_server "$url" "$backend"
    if [ "${SKIP_EXPORT:-0}" != 1 ]; then measure_export "$backend"; fi
    if [ "${SKIP_BBOX:-0}" != 1 ]; then measure_viewports "$backend"; fi
    measure_tiles "$backend" warm
    measure_tiles "$backend" revalidate
    stop_server
    BUERGERBUERO_MAP_TILE_CACHE_MB=0 start_server "$url" "$backend-cold"
    measure_tiles "$backend" cold
    stop_server
}

log "machine"
echo "$(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), $(free -m | awk '/^Mem:/ {print $2 " MB RAM"}')"
loadavg "at start"

log "build"
nice -n "${BENCH_BUILD_NICE:-10}" cargo build --release --bin buergerbuero
# The tiles are measured with wrk (it cycles through a view's paths) whatever LOADGEN says.
if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" != 0 ]; then
        echo "wrk is not installed (apt-get install wrk); the tile runs need it" >&2
        exit 1
    fi
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk
fi
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
rm -f "$RESULTS"/map-*.txt

if [ "${SKIP_POSTGRES:-0}" != 1 ]; then
    log "PostgreSQL: $REPORTS reports"
    psql_admin -c "CREATE DATABASE $PG_DB"
    PG_CREATED=1
    PG_URL=$PG_BASE/$PG_DB
    bb "$PG_URL" migrate >/dev/null
    bb "$PG_URL" import-boundaries >/dev/null 2>&1
    timed "generate reports and report_cells" generate_postgres
    timed "VACUUM ANALYZE" psql -X -q "$PG_URL" -c "VACUUM ANALYZE reports" -c "VACUUM ANALYZE report_cells"
    psql -X -At "$PG_URL" -c "SELECT 'stored: ' || (SELECT count(*) FROM reports) || ' reports, ' ||
        (SELECT count(*) FROM report_cells) || ' cell rows, reports per level ' ||
        (SELECT string_agg(level || ':' || n, ' ' ORDER BY level)
         FROM (SELECT level, sum(count) AS n FROM report_cells GROUP BY level) AS l)" \
        -c "SELECT 'size: reports ' || pg_size_pretty(pg_total_relation_size('reports')) ||
            ', report_cells ' || pg_size_pretty(pg_total_relation_size('report_cells'))"
    measure_backend postgres "$PG_URL"
    if [ "${BENCH_KEEP:-0}" != 1 ]; then
        psql_admin -c "DROP DATABASE $PG_DB WITH (FORCE)" >/dev/null
        PG_CREATED=0
    fi
fi

if [ "${SKIP_SQLITE:-0}" != 1 ]; then
    log "SQLite: $REPORTS reports"
    SQLITE_URL=sqlite://$WORK/bench.db
    bb "$SQLITE_URL" migrate >/dev/null
    bb "$SQLITE_URL" import-boundaries >/dev/null 2>&1
    timed "generate reports and report_cells" generate_sqlite "$WORK/bench.db"
    timed "ANALYZE" sqlite3 "$WORK/bench.db" "ANALYZE"
    sqlite3 "$WORK/bench.db" "SELECT 'stored: ' || (SELECT count(*) FROM reports) || ' reports, ' ||
        (SELECT count(*) FROM report_cells) || ' cell rows, reports per level ' ||
        (SELECT group_concat(level || ':' || n, ' ') FROM (SELECT level, sum(count) AS n FROM report_cells GROUP BY level ORDER BY level))"
    echo "size: $(du -h "$WORK/bench.db" | cut -f 1)"
    measure_backend sqlite "$SQLITE_URL"
fi

log "summary"
cat "$RESULTS"/map-*.txt
loadavg "at end"
echo "results in $RESULTS"
