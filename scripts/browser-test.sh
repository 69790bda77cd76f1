#!/usr/bin/env bash
# The browser tests: Debian's chromium, driven by playwright-core (tests/tools), against a
# freshly started server on SQLite with moderation on (clerks publish), no email confirmation
# and no base-map tiles (the network is closed), filing and follow/"me too" limits far above what
# the tests send (they all come from one client). Every test file under tests/browser runs with
# node's test runner; axe-core checks each page they visit; screenshots land in
# $SCREENSHOT_DIR (default target/browser-screenshots) for review.
#
#   scripts/browser-test.sh [tests/browser/some.test.mjs ...]
#
# Environment:
#   BROWSER_TEST_READY_S         how long to wait for /readyz (default 300 s)
#   CHROMIUM                     the browser (default /usr/bin/chromium)
#   BUERGERBUERO_BOUNDARIES_DIR  the boundary data (default ../shared/data/boundaries)
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]]; then
  echo "browser-test.sh: chromium is missing (Debian package chromium; .ci/run installs it)" >&2
  exit 1
fi
# The page serves Leaflet from web/vendor; it must be the npm package's files, unchanged.
for file in leaflet.js leaflet.css LICENSE images/marker-icon.png images/layers.png; do
  source_file=tests/tools/node_modules/leaflet/dist/$file
  [[ $file == LICENSE ]] && source_file=tests/tools/node_modules/leaflet/LICENSE
  cmp -s "$source_file" "web/vendor/leaflet/$file" || {
    echo "browser-test.sh: web/vendor/leaflet/$file differs from npm's leaflet (run scripts/vendor-web.sh)" >&2
    exit 1
  }
done

source scripts/lib/test-server.sh

test_server_start browser \
  BUERGERBUERO_MODERATION=pre \
  BUERGERBUERO_EMAIL_CONFIRMATION=off \
  BUERGERBUERO_MAP__TILE_URL= \
  BUERGERBUERO_RATE_LIMIT__REPORTS_PER_HOUR=10000 \
  BUERGERBUERO_RATE_LIMIT__BURST=10000 \
  BUERGERBUERO_RATE_LIMIT__FOLLOWS_PER_HOUR=10000 \
  BUERGERBUERO_RATE_LIMIT__FOLLOW_BURST=10000
test_server_wait_ready "${BROWSER_TEST_READY_S:-300}"

password() { python3 -c 'import secrets; print(secrets.token_hex(12))'; }
clerk_password="$(password)"
admin_password="$(password)"
add_account() {
  BUERGERBUERO_DATABASE_URL="$database_url" RUST_LOG=warn "$binary" add-clerk "$@" >/dev/null
}
# Bezirksamt Mitte (Berlin), where the tests' reports are filed.
echo "$clerk_password" | add_account --email clerk@mitte.example.org --authority 11000001 --name "Erika Muster"
echo "$admin_password" | add_account --email admin@example.org --admin --name "Admin"

tests=("$@")
[[ ${#tests[@]} -gt 0 ]] || mapfile -t tests < <(ls tests/browser/*.test.mjs)
BASE_URL="$base" \
  CLERK_EMAIL=clerk@mitte.example.org CLERK_PASSWORD="$clerk_password" \
  ADMIN_EMAIL=admin@example.org ADMIN_PASSWORD="$admin_password" \
  MAIL_DIR="$tmp/data/mail" \
  SCREENSHOT_DIR="${SCREENSHOT_DIR:-${CARGO_TARGET_DIR:-target}/browser-screenshots}" \
  node --test --test-concurrency=1 "${tests[@]}"
