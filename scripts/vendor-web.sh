#!/usr/bin/env bash
# Copies the web page's third-party files from their npm packages (versions pinned in
# tests/tools/package-lock.json) into web/vendor, which is committed so `cargo run -- serve`
# needs no npm. scripts/browser-test.sh checks that the two stay identical.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --prefix tests/tools --no-audit --no-fund --loglevel=error
rm -rf web/vendor/leaflet
mkdir -p web/vendor/leaflet
cp -r tests/tools/node_modules/leaflet/dist/{leaflet.js,leaflet.css,images} web/vendor/leaflet/
cp tests/tools/node_modules/leaflet/LICENSE web/vendor/leaflet/
