#!/usr/bin/env bash
# Several instances behind a real load balancer, proven (docs/OPERATIONS.md, "Several
# instances"). Starts, on this machine:
#   - a fresh PostgreSQL database (127.0.0.1:5432, user postgres; dropped at the end),
#   - s3rver, a real S3-protocol server (npm, tests/tools), as the photo bucket,
#   - maildev, a real SMTP server (npm, tests/tools), to count the mails,
#   - three `buergerbuero serve` instances on that database and bucket,
#   - haproxy (Debian; installed with apt-get if missing) in front, round robin, health checks
#     on /readyz, the client address passed in X-Forwarded-For,
# then runs scripts/lib/multi_instance_load.py: filings with a photo from several clients
# through the balancer, one instance killed with SIGKILL half-way, and the checks (every
# acknowledged report and photo readable at every surviving instance, every mail sent exactly
# once, map counts equal to a recount, the digest sent once, the rate limit shared).
#
#   scripts/multi-instance.sh
#
# Before the three start, one instance runs alone to file a report in Berlin-Mitte, which is
# then made overdue and Mitte given a contact address, so that all three schedule the same
# overdue digest at their start (digest hour 0) and only one may send it.
#
# Environment (all optional):
#   MI_REPORTS        filings in the load (default 300)
#   MI_CLIENTS        concurrent clients, each from its own 127.0.0.x (default 8)
#   MI_PROFILE        cargo profile of the binary: debug (default, shared with the tests) or release
#   CARGO_TARGET_DIR  where cargo builds (default ./target)
#   MI_POSTGRES_URL   server URL without database (default postgres://postgres@127.0.0.1:5432)
#   BUERGERBUERO_BOUNDARIES_DIR  boundary data (default ../shared/data/boundaries)
set -euo pipefail
cd "$(dirname "$0")/.."

reports=${MI_REPORTS:-300}
clients=${MI_CLIENTS:-8}
profile=${MI_PROFILE:-debug}
pg=${MI_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
boundaries=${BUERGERBUERO_BOUNDARIES_DIR:-../shared/data/boundaries}
burst=20
per_hour=3600

if ! command -v haproxy >/dev/null; then
  echo "multi-instance.sh: installing haproxy (Debian)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy >/dev/null
fi
[[ -x tests/tools/node_modules/.bin/s3rver && -x tests/tools/node_modules/.bin/maildev ]] ||
  npm ci --prefix tests/tools --no-audit --no-fund

if [[ $profile == release ]]; then
  nice cargo build --release
else
  cargo build --all-targets
fi
binary="${CARGO_TARGET_DIR:-target}/$profile/buergerbuero"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

tmp="$(mktemp -d "${TMPDIR:-/tmp}/buergerbuero-multi.XXXXXX")"
database="bb_multi_$$"
database_url="$pg/$database"
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ $status -ne 0 ]]; then
    for log in "$tmp"/*.log; do
      [[ -s $log ]] || continue
      echo "--- last lines of $(basename "$log")" >&2
      tail -n 15 "$log" >&2
    done
  fi
  psql "$pg/postgres" -Xqc "drop database if exists $database with (force)" >/dev/null 2>&1 || true
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

psql "$pg/postgres" -Xqc "create database $database" >/dev/null
export BUERGERBUERO_DATABASE_URL=$database_url BUERGERBUERO_BOUNDARIES_DIR=$boundaries RUST_LOG=${RUST_LOG:-warn}
"$binary" migrate >/dev/null
"$binary" import-boundaries >/dev/null

s3_port=$(free_port)
mkdir -p "$tmp/s3"
tests/tools/node_modules/.bin/s3rver --directory "$tmp/s3" --address 127.0.0.1 --port "$s3_port" \
  --configure-bucket photos --silent >"$tmp/s3rver.log" 2>&1 &
pids+=($!)
smtp_port=$(free_port)
mail_web=$(free_port)
tests/tools/node_modules/.bin/maildev --ip 127.0.0.1 --web-ip 127.0.0.1 --smtp "$smtp_port" \
  --web "$mail_web" >"$tmp/maildev.log" 2>&1 &
pids+=($!)

wait_ready() {
  local url=$1 seconds=$2
  for _ in $(seq $((seconds * 5))); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "multi-instance.sh: $url not ready after $seconds s" >&2
  return 1
}
wait_ready "http://127.0.0.1:$mail_web/api/email" 30

# serve N PORT: one instance, in the background; its pid in $server_pid.
serve() {
  local n=$1 port=$2
  env BUERGERBUERO_LISTEN="127.0.0.1:$port" \
    BUERGERBUERO_PUBLIC_URL="http://127.0.0.1:$balancer_port" \
    BUERGERBUERO_DATA_DIR="$tmp/data$n" \
    BUERGERBUERO_PHOTOS_URL=s3://photos/multi \
    AWS_ENDPOINT_URL="http://127.0.0.1:$s3_port" AWS_REGION=us-east-1 \
    AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
    BUERGERBUERO_SMTP_URL="smtp://127.0.0.1:$smtp_port" \
    BUERGERBUERO_MODERATION=off BUERGERBUERO_EMAIL_CONFIRMATION=off \
    BUERGERBUERO_TRUST_FORWARDED_FOR=true \
    BUERGERBUERO_RATE_LIMIT__BURST=$burst BUERGERBUERO_RATE_LIMIT__REPORTS_PER_HOUR=$per_hour \
    BUERGERBUERO_MAIL__DIGEST_HOUR_UTC=0 \
    BUERGERBUERO_MAP__TILE_URL= \
    "$binary" serve >"$tmp/instance$n.log" 2>&1 &
  server_pid=$!
  pids+=("$server_pid")
}

balancer_port=$(free_port)
ports=($(free_port) $(free_port) $(free_port))

echo "prepare: one instance files a report in Berlin-Mitte, made overdue; Mitte gets a contact address"
serve 0 "${ports[0]}"
wait_ready "http://127.0.0.1:${ports[0]}/readyz" 120
curl -fsS -o /dev/null -X POST "http://127.0.0.1:${ports[0]}/api/v1/reports" -H 'content-type: application/json' \
  -d '{"category":"roads_paths","description":"Vorbereitung: überfällig","lat":52.5219,"lon":13.4132}'
kill -TERM "$server_pid"
wait "$server_pid" 2>/dev/null || true
digest_to=mitte@example.org
psql "$database_url" -Xqc "
  update authorities set contact_email = '$digest_to' where key = (select authority_key from reports limit 1);
  update reports set reaction_due_at = now() - interval '2 days';" >/dev/null

echo "start: three instances on one PostgreSQL and one S3 bucket, haproxy in front"
for n in 0 1 2; do
  serve $((n + 1)) "${ports[$n]}"
  instance_pids[$n]=$server_pid
done
for port in "${ports[@]}"; do wait_ready "http://127.0.0.1:$port/readyz" 120; done
cat >"$tmp/haproxy.cfg" <<EOF
global
  maxconn 512
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  retries 0
frontend front
  bind 127.0.0.1:$balancer_port
  http-request set-header X-Forwarded-For %[src]
  default_backend instances
backend instances
  balance roundrobin
  option httpchk GET /readyz
  server i1 127.0.0.1:${ports[0]} check inter 500 fall 2 rise 2
  server i2 127.0.0.1:${ports[1]} check inter 500 fall 2 rise 2
  server i3 127.0.0.1:${ports[2]} check inter 500 fall 2 rise 2
EOF
haproxy -f "$tmp/haproxy.cfg" -db >"$tmp/haproxy.log" 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$balancer_port/readyz" 30

python3 scripts/lib/multi_instance_load.py \
  --balancer "$balancer_port" --survivors "${ports[0]},${ports[2]}" --kill-pid "${instance_pids[1]}" \
  --database "$database_url" --maildev "$mail_web" --digest-to "$digest_to" \
  --reports "$reports" --clients "$clients" --burst "$burst" --per-hour "$per_hour"
