#!/usr/bin/env bash
# Resident memory of the release server after many filings with a 12-megapixel photo.
#
#   scripts/bench-photo-memory.sh                    # 1,000 filings, 4 connections
#   FILINGS=200 CLIENTS=2 scripts/bench-photo-memory.sh
#
# 1. Builds the release binary (under nice) and makes the test image of bench-photos.sh
#    (ImageMagick plasma + noise, 4000x3000, quality 90, 5.7 MB; imagemagick from Debian if
#    missing).
# 2. Starts `buergerbuero serve` on a scratch SQLite database and photo directory (moderation,
#    email confirmation and the rate limit off) and reads its idle VmRSS from /proc/PID/status.
# 3. Files FILINGS reports as multipart/form-data with that photo, CLIENTS at a time (Python's
#    http.client, 127.0.0.1 only, 120 s timeout per request). Each photo carries its number in
#    a JPEG comment segment, so every upload is a different photo (its own hash, its own files)
#    with the same pixels.
# 4. Prints VmRSS right after the last filing, VmHWM (the peak) and VmRSS again after SETTLE
#    seconds idle (an allocator may hand memory back after a delay), the thread count, the
#    filing rate and any answer other than 201. Exits non-zero if a filing failed.
#
# Environment (all optional): FILINGS (1000), CLIENTS (4), SETTLE (10), CARGO_TARGET_DIR,
# BUERGERBUERO_BOUNDARIES_DIR, BENCH_BUILD_NICE (10), PHOTOS_BENCH_DIR (where the test image is
# kept; shared with bench-photos.sh), BUERGERBUERO_BINARY (a binary built before, e.g. of
# another commit: no build). Anything else in the environment reaches the server, so
# e.g. MALLOC_ARENA_MAX=2 or BUERGERBUERO_PHOTO_DECODE_CONCURRENCY=2 can be compared.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BOUNDARIES=$(cd "${BUERGERBUERO_BOUNDARIES_DIR:-$ROOT/../shared/data/boundaries}" && pwd)
FILINGS=${FILINGS:-1000}
CLIENTS=${CLIENTS:-4}
SETTLE=${SETTLE:-10}
IMAGES=${PHOTOS_BENCH_DIR:-$TARGET_DIR/bench-photos}
BIN=${BUERGERBUERO_BINARY:-$TARGET_DIR/release/buergerbuero}
WORK=$(mktemp -d /tmp/bench-photo-memory.XXXXXX)
SERVER_PID=

cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One field of /proc/PID/status in kB.
status_kb() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$SERVER_PID/status"; }
mb() { awk -v kb="$1" 'BEGIN { printf "%.1f MB", kb / 1024 }'; }

if [ ! -x /usr/bin/convert ]; then
    echo "installing imagemagick" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends imagemagick >/dev/null
fi
mkdir -p "$IMAGES"
IMG=$IMAGES/photo12mp.jpg
if [ ! -s "$IMG" ]; then
    echo "making $IMG" >&2
    /usr/bin/convert -size 4000x3000 -seed 42 plasma:fractal -blur 0x1 -quality 90 "$IMAGES/p.jpg"
    /usr/bin/convert "$IMAGES/p.jpg" -attenuate 0.4 +noise Gaussian -quality 90 "$IMG"
fi

if [ -z "${BUERGERBUERO_BINARY:-}" ]; then
    echo "building the release binary" >&2
    nice -n "${BENCH_BUILD_NICE:-10}" cargo build --release --bin buergerbuero
fi

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
BASE=http://127.0.0.1:$PORT
mkdir -p "$WORK/data"
BUERGERBUERO_DATABASE_URL=sqlite://$WORK/bench.db \
    BUERGERBUERO_LISTEN=127.0.0.1:$PORT \
    BUERGERBUERO_PUBLIC_URL=$BASE \
    BUERGERBUERO_DATA_DIR=$WORK/data \
    BUERGERBUERO_BOUNDARIES_DIR=$BOUNDARIES \
    BUERGERBUERO_WEB_DIR=$ROOT/web \
    BUERGERBUERO_MODERATION=off \
    BUERGERBUERO_EMAIL_CONFIRMATION=off \
    BUERGERBUERO_RATE_LIMIT__REPORTS_PER_HOUR=0 \
    RUST_LOG=${RUST_LOG:-warn} \
    "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
ready=0
for _ in $(seq 1 1200); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        tail -n 30 "$WORK/server.log" >&2
        echo "server exited before it was ready" >&2
        exit 1
    fi
    if curl -fsS -o /dev/null --max-time 2 "$BASE/readyz" 2>/dev/null; then
        ready=1
        break
    fi
    sleep 0.1
done
[ "$ready" = 1 ] || { echo "server not ready within 120 s" >&2; exit 1; }
sleep 1
IDLE_RSS=$(status_kb VmRSS)

echo "$(nproc) cores, load average $(cut -d ' ' -f 1-3 /proc/loadavg); image $(stat -c %s "$IMG") bytes;" \
    "$FILINGS filings, $CLIENTS connections; idle VmRSS $(mb "$IDLE_RSS")"

python3 - "$IMG" "$PORT" "$FILINGS" "$CLIENTS" <<'PY'
import http.client, sys, threading, time, uuid

image, port, filings, clients = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
photo = open(image, "rb").read()
assert photo[:2] == b"\xff\xd8", "not a JPEG"

def body(n):
    # The same pixels, a different file: a COM segment with the number right after SOI.
    comment = f"bench-photo-memory {n}".encode()
    jpeg = photo[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + photo[2:]
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in (("category", "street_lighting"),
                        ("description", f"Laterne {n} leuchtet seit Tagen nicht, Foto anbei."),
                        ("lat", f"{52.45 + (n % 100) * 0.001:.6f}"),
                        ("lon", f"{13.30 + (n // 100) * 0.01:.6f}")):
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="p{n}.jpg"\r\n'
                 f"Content-Type: image/jpeg\r\n\r\n".encode() + jpeg + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"

lock = threading.Lock()
next_n, codes, failures = 0, {}, []

def worker():
    global next_n
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while True:
        with lock:
            if next_n >= filings:
                break
            n = next_n
            next_n += 1
        data, content_type = body(n)
        try:
            conn.request("POST", "/api/v1/reports", body=data, headers={"Content-Type": content_type})
            response = conn.getresponse()
            text = response.read()
            status = response.status
        except Exception as e:  # a dropped connection: count it, open a new one
            status, text = "error", str(e).encode()
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        with lock:
            codes[status] = codes.get(status, 0) + 1
            if status != 201 and len(failures) < 3:
                failures.append((status, text[:300]))
    conn.close()

started = time.monotonic()
threads = [threading.Thread(target=worker) for _ in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
took = time.monotonic() - started
print(f"filed in {took:.1f} s ({filings / took:.2f} filings/s); answers {dict(sorted(codes.items(), key=str))}")
for status, text in failures:
    print(f"  {status}: {text!r}")
sys.exit(0 if codes.get(201, 0) == filings else 1)
PY

END_RSS=$(status_kb VmRSS)
PEAK=$(status_kb VmHWM)
THREADS=$(status_kb Threads)
sleep "$SETTLE"
SETTLED_RSS=$(status_kb VmRSS)
echo "VmRSS idle $(mb "$IDLE_RSS"); after the filings $(mb "$END_RSS"); after ${SETTLE} s idle $(mb "$SETTLED_RSS");" \
    "peak (VmHWM) $(mb "$PEAK"); $THREADS threads"
echo "stored: $(find "$WORK/data" -type f | wc -l) files, $(du -sm "$WORK/data" | cut -f 1) MB"

# Where the resident memory is, from /proc/PID/smaps. glibc's per-thread malloc arenas live in
# anonymous mappings that start on a 64 MiB boundary (HEAP_MAX_SIZE); the main arena is [heap].
python3 - "/proc/$SERVER_PID/smaps" <<'PY'
import re, sys

groups = {}
current = None
for line in open(sys.argv[1]):
    m = re.match(r"([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$", line)
    if m:
        start, end, name = int(m[1], 16), int(m[2], 16), m[3].strip()
        if name == "[heap]":
            current = "glibc main arena ([heap])"
        elif name.startswith("/"):
            current = "files (binary, libraries)"
        elif name:
            current = name
        elif start % (64 << 20) == 0 and end - start <= 64 << 20:
            current = "glibc thread arenas (64 MiB-aligned)"
        else:
            current = "other anonymous (mmap'd blocks, stacks, other allocators)"
        groups.setdefault(current, [0, 0])[1] += 1
    elif line.startswith("Rss:") and current:
        groups[current][0] += int(line.split()[1])
print("resident memory by mapping (after the idle wait):")
for name, (kb, count) in sorted(groups.items(), key=lambda g: -g[1][0]):
    if kb >= 1024:
        print(f"  {kb / 1024:7.1f} MB  {count:4} mappings  {name}")
PY
