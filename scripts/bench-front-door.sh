#!/usr/bin/env bash
# The citizen's front door on a slow mobile network: Chromium's network emulation through the
# DevTools protocol (1.6 Mbit/s down, 750 kbit/s up, 150 ms latency — Lighthouse's "slow 4G"),
# against a fresh server on SQLite.
#   1. How long until /new.html is usable (the form filled and wired: the page's
#      `bb-form-ready` mark), cold cache, RUNS times; median and worst, and the bytes it took.
#   2. A report with three 12-megapixel phone photos (4000x3000 JPEGs, quality 90, made with
#      ImageMagick like scripts/bench-photos.sh, different seeds): the time from pressing
#      "Meldung absenden" until the thank-you page shows the link, the bytes of the upload and
#      how close that is to what the uplink allows (bytes / 750 kbit/s).
#
#   scripts/bench-front-door.sh             # RUNS=5
#   RUNS=3 scripts/bench-front-door.sh
#
# Needs chromium (/usr/bin/chromium) and `npm ci --prefix tests/tools`; installs imagemagick
# from Debian if missing. BUERGERBUERO_BINARY names a built binary (skips the build).
set -euo pipefail
cd "$(dirname "$0")/.."

export RUNS=${RUNS:-5}
WORK=${FRONT_DOOR_BENCH_DIR:-${CARGO_TARGET_DIR:-target}/bench-front-door}
[[ -x ${CHROMIUM:-/usr/bin/chromium} ]] || { echo "bench-front-door.sh: chromium is missing" >&2; exit 1; }
[[ -d tests/tools/node_modules/playwright-core ]] || npm ci --prefix tests/tools >&2
if [[ ! -x /usr/bin/convert ]]; then
  echo "installing imagemagick" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends imagemagick >/dev/null
fi

mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
for seed in 1 2 3; do
  photo="$WORK/photo-$seed.jpg"
  if [[ ! -s $photo ]]; then
    echo "making $photo" >&2
    /usr/bin/convert -size 4000x3000 -seed "$seed" plasma:fractal -blur 0x1 -quality 90 "$WORK/p.jpg"
    /usr/bin/convert "$WORK/p.jpg" -attenuate 0.3 +noise Gaussian -quality 90 "$photo"
    rm -f "$WORK/p.jpg"
  fi
done

source scripts/lib/test-server.sh
test_server_start front-door \
  BUERGERBUERO_MODERATION=off \
  BUERGERBUERO_EMAIL_CONFIRMATION=off \
  BUERGERBUERO_MAP__TILE_URL= \
  BUERGERBUERO_RATE_LIMIT__REPORTS_PER_HOUR=10000 \
  BUERGERBUERO_RATE_LIMIT__BURST=10000
test_server_wait_ready "${FRONT_DOOR_READY_S:-300}"

BASE_URL="$base" node scripts/lib/bench-front-door.mjs "$WORK"/photo-{1,2,3}.jpg
