#!/usr/bin/env bash
# Lighthouse (npm `lighthouse`, mobile defaults: simulated 4G-slow throttling, 4x CPU slowdown,
# a phone's screen) on the four pages of the issue — `/`, `/new.html`, a published report's page
# with a photo, `/clerk/` — three runs each against a fresh server on SQLite, and the median of
# every category score and of the main metrics. Debian's chromium; no base-map tiles (the map's
# third-party tiles are not ours to measure, and the machine may have no network).
#
#   scripts/lighthouse.sh                 # RUNS=3
#   RUNS=5 scripts/lighthouse.sh
#
# Lighthouse is installed from npm into ~/.cache/buergerbuero/lighthouse (12.x: the 13.x line
# needs Node 22). The JSON reports stay in $LIGHTHOUSE_DIR (default target/lighthouse).
# BUERGERBUERO_BINARY names a built binary (skips the build).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
LIGHTHOUSE_VERSION=12.8.2
OUT=${LIGHTHOUSE_DIR:-${CARGO_TARGET_DIR:-target}/lighthouse}
TOOLS=${LIGHTHOUSE_TOOLS:-$HOME/.cache/buergerbuero/lighthouse}
export CHROME_PATH=${CHROMIUM:-/usr/bin/chromium}

[[ -x $CHROME_PATH ]] || { echo "lighthouse.sh: chromium is missing (apt-get install chromium)" >&2; exit 1; }
if [[ ! -x $TOOLS/node_modules/.bin/lighthouse ]] \
  || ! grep -q "\"version\": \"$LIGHTHOUSE_VERSION\"" "$TOOLS/node_modules/lighthouse/package.json"; then
  echo "installing lighthouse $LIGHTHOUSE_VERSION into $TOOLS" >&2
  mkdir -p "$TOOLS"
  npm install --prefix "$TOOLS" --no-audit --no-fund "lighthouse@$LIGHTHOUSE_VERSION" >&2
fi
command -v /usr/bin/convert >/dev/null || {
  echo "installing imagemagick (the report's photo)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends imagemagick >/dev/null
}

source scripts/lib/test-server.sh
test_server_start lighthouse \
  BUERGERBUERO_MODERATION=off \
  BUERGERBUERO_EMAIL_CONFIRMATION=off \
  BUERGERBUERO_MAP__TILE_URL=
test_server_wait_ready "${LIGHTHOUSE_READY_S:-300}"

# A published report with a phone-like photo, for the report page.
/usr/bin/convert -size 1600x1200 -seed 7 plasma:fractal -blur 0x1 -quality 85 "$tmp/photo.jpg"
report_id=$(curl -sf -X POST "$base/api/v1/reports" -F category=roads_paths \
  -F description='Tiefes Schlagloch auf dem Radweg vor der Hausnummer 12, etwa 30 cm breit.' \
  -F lat=52.5219 -F lon=13.4132 -F photo=@"$tmp/photo.jpg" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')

rm -rf "$OUT"
mkdir -p "$OUT"
node scripts/lib/lighthouse-median.mjs "$TOOLS/node_modules/.bin/lighthouse" "$OUT" "$RUNS" \
  "$base/" "$base/new.html" "$base/report.html?id=$report_id" "$base/clerk/"
