# Sourced by the scripts that test against a real server (schemathesis.sh, open311-client.sh):
# builds the binary, starts `buergerbuero serve` on a free port with a scratch SQLite database
# and data directory, waits until it is ready, and on exit stops it (SIGTERM, then SIGKILL),
# prints the end of its log if the script failed, and removes the scratch directory.
#
#   source scripts/lib/test-server.sh
#   test_server_start NAME [VAR=value ...]    # sets tmp, port, base, server_pid, database_url
#   test_server_wait_ready SECONDS
#
# The VAR=value pairs are extra settings for the server (moderation, rate limit, …).
# BUERGERBUERO_BINARY names a binary built before, to skip the build.

if [[ -n "${BUERGERBUERO_BINARY:-}" ]]; then
  binary=$BUERGERBUERO_BINARY
else
  # --all-targets: the same features as `cargo test` (dev-dependencies unify features), so
  # after the test run this rebuilds nothing.
  cargo build --all-targets
  binary="${CARGO_TARGET_DIR:-target}/debug/buergerbuero"
fi
server_pid=""

test_server_cleanup() {
  local status=$?
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    # The server finishes in-flight requests on SIGTERM; give it a moment, then insist.
    for _ in $(seq 50); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ $status -ne 0 && -s "$tmp/server.log" ]]; then
    echo "$test_server_name: last lines of the server log ($tmp/server.log is removed):" >&2
    tail -n 30 "$tmp/server.log" >&2
  fi
  rm -rf "$tmp"
  exit "$status"
}

test_server_start() {
  test_server_name=$1
  shift
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/buergerbuero-$test_server_name.XXXXXX")"
  trap test_server_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  base="http://127.0.0.1:$port"
  database_url="sqlite://$tmp/server.db"
  env BUERGERBUERO_DATABASE_URL="$database_url" \
    BUERGERBUERO_DATA_DIR="$tmp/data" \
    BUERGERBUERO_LISTEN="127.0.0.1:$port" \
    BUERGERBUERO_PUBLIC_URL="$base" \
    BUERGERBUERO_BOUNDARIES_DIR="${BUERGERBUERO_BOUNDARIES_DIR:-../shared/data/boundaries}" \
    BUERGERBUERO_LOG_FORMAT=text \
    RUST_LOG="${RUST_LOG:-warn}" \
    "$@" \
    "$binary" serve >"$tmp/server.log" 2>&1 &
  server_pid=$!
}

test_server_wait_ready() {
  local ready_s=$1
  echo "$test_server_name: waiting up to ${ready_s} s for $base/readyz (the boundary import runs first)" >&2
  local deadline=$((SECONDS + ready_s))
  until python3 - "$base/readyz" <<'PYEOF' 2>/dev/null
import sys, urllib.request
sys.exit(0 if urllib.request.urlopen(sys.argv[1], timeout=2).status == 200 else 1)
PYEOF
  do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "$test_server_name: the server exited before it was ready" >&2
      exit 1
    fi
    if ((SECONDS >= deadline)); then
      echo "$test_server_name: the server was not ready after ${ready_s} s" >&2
      exit 1
    fi
    sleep 0.5
  done
}
