#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit and integration tests on SQLite and
# PostgreSQL, the OpenAPI drift test, schemathesis and PyPI's georeport Open311 client against
# the real server, and the browser tests (Debian's chromium with playwright-core and axe-core).
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) or TEST_POSTGRES_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

pg_url=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
if ! psql "$pg_url" -qtAc 'select 1' >/dev/null 2>&1; then
  echo "PostgreSQL is not reachable at $pg_url; the tests need it (see README)." >&2
  exit 1
fi
if [ ! -f "${BUERGERBUERO_BOUNDARIES_DIR:-../shared/data/boundaries}/SOURCES.md" ]; then
  echo "The boundary data is missing: expected ../shared/data/boundaries beside the repository." >&2
  exit 1
fi

step "test tools from npm (maildev for the mail tests, s3rver for the S3 photo tests; playwright-core, axe-core, leaflet for the browser tests)"
# Reinstalled when the lock file changed since the last install (a copy of it marks that).
tools=tests/tools
if ! cmp -s "$tools/package-lock.json" "$tools/node_modules/.installed-lock.json" 2>/dev/null; then
  npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error
  cp "$tools/package-lock.json" "$tools/node_modules/.installed-lock.json"
fi

step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy"
cargo clippy --all-targets --locked -- -D warnings
test_databases() {
  psql "$pg_url" -qtAc "select datname from pg_database where datname like 'bb\_%' order by 1"
}
databases_before=$(test_databases)
step "cargo test (unit, integration on SQLite and PostgreSQL, OpenAPI drift)"
cargo test --locked --all-targets
step "the tests left nothing behind (template databases are dropped when their test process ends)"
left="" templates=""
for _ in $(seq 1 40); do
  left=$(comm -13 <(echo "$databases_before") <(test_databases) | tr '\n' ' ')
  templates=$(find "${CARGO_TARGET_DIR:-target}/tmp/templates" -type f 2>/dev/null | head -n 3)
  [[ -z "${left// /}" && -z "$templates" ]] && break
  sleep 0.5
done
if [[ -n "${left// /}" || -n "$templates" ]]; then
  echo "the tests left behind: ${left}${templates}" >&2
  exit 1
fi
step "schemathesis against the running server"
scripts/schemathesis.sh
step "the georeport Open311 client against the running server"
scripts/open311-client.sh
step "browser tests in headless chromium (screenshots in ${CARGO_TARGET_DIR:-target}/browser-screenshots)"
scripts/browser-test.sh
step "all checks passed"
