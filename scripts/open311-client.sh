#!/usr/bin/env bash
# Runs PyPI's `georeport` Open311 client, unchanged, against a freshly started server: the read
# side (service list, service definition, requests with filters, one request) in JSON and in
# XML. The requests it reads are filed first exactly as GeoReport v2 describes it: a
# form-encoded POST with an API key that an admin issued through the admin API.
#
#   scripts/open311-client.sh
#
# Environment:
#   OPEN311_CLIENT_READY_S       how long to wait for /readyz (default 300 s)
#   BUERGERBUERO_BOUNDARIES_DIR  the boundary data (default ../shared/data/boundaries)
#   XDG_CACHE_HOME               where the client's venv lives (default ~/.cache)
set -euo pipefail

GEOREPORT_VERSION=0.3.1

cd "$(dirname "$0")/.."

venv="${XDG_CACHE_HOME:-$HOME/.cache}/buergerbuero/venv-georeport"
if [[ "$("$venv/bin/python" -c 'import georeport; print(georeport.__version__)' 2>/dev/null)" != "$GEOREPORT_VERSION" ]]; then
  echo "open311-client.sh: installing georeport $GEOREPORT_VERSION into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "georeport==$GEOREPORT_VERSION"
fi

source scripts/lib/test-server.sh

# Published at once (no moderation, no email confirmation), so the filed requests are readable
# right away and the services are `realtime` (POST answers the id).
test_server_start open311-client \
  BUERGERBUERO_MODERATION=off \
  BUERGERBUERO_EMAIL_CONFIRMATION=off
test_server_wait_ready "${OPEN311_CLIENT_READY_S:-300}"

admin_password="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
echo "$admin_password" | BUERGERBUERO_DATABASE_URL="$database_url" RUST_LOG=warn \
  "$binary" add-clerk --email open311-admin@example.org --admin >/dev/null

cat >"$tmp/client_test.py" <<'EOF'
"""georeport 0.3.1 against the running server: file by form POST, read with the client."""

import json
import sys
import urllib.parse
import urllib.request

import georeport
from georeport import GeoReport

base, password = sys.argv[1], sys.argv[2]
endpoint = f"{base}/open311/v2"
checks = 0


def check(condition, message):
    global checks
    if not condition:
        raise AssertionError(message)
    checks += 1


def request(method, path, body=None, headers=None, form=False):
    data = None
    headers = dict(headers or {})
    if body is not None and form:
        data = urllib.parse.urlencode(body).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as response:
        return response.status, response.headers, response.read()


# An admin issues an Open311 key through the admin API.
_, headers, body = request("POST", "/api/v1/admin/login",
                           {"email": "open311-admin@example.org", "password": password})
admin = {"Cookie": headers["Set-Cookie"].split(";")[0], "X-CSRF-Token": json.loads(body)["csrf_token"]}
status, _, body = request("POST", "/api/v1/admin/open311-keys", {"name": "georeport client test"}, admin)
api_key = json.loads(body)["api_key"]

# Filing exactly as the spec describes it: a form-encoded POST.
filed = {}
for code, lat, lon, text in [
    ("street_lighting", 52.5219, 13.4132, "Laterne am Alexanderplatz dunkel"),
    ("roads_paths", 52.33012, 14.26357, "Schlagloch in Briesen (Mark) <tief> & breit"),
    ("green_trees", 52.52, 13.35, "Ast hängt über dem Gehweg"),
]:
    status, headers, body = request("POST", "/open311/v2/requests.json", {
        "api_key": api_key, "service_code": code, "lat": lat, "long": lon, "description": text,
        "email": "buerger@example.org", "first_name": "Erika", "last_name": "Mustermann",
        "phone": "0301234567",
    }, form=True)
    check(status == 201, f"POST requests.json answered {status}")
    answer = json.loads(body)
    check(isinstance(answer, list) and len(answer) == 1, f"POST answer is a one-element list: {answer}")
    filed[code] = answer[0]["service_request_id"]
# One of them is resolved by the authority, so the status filter has both kinds to tell apart.
status, _, _ = request("POST", f"/api/v1/admin/reports/{filed['roads_paths']}/status",
                       {"status": "resolved", "answer": "Ausgebessert."}, admin)
check(status == 200, "resolving a report")

categories = [c["code"] for c in json.loads(request("GET", "/api/v1/categories")[2])["categories"]]

for output_format in ("json", "xml"):
    client = GeoReport(endpoint, output_format=output_format)

    services = client.get_service_list()
    check([s["service_code"] for s in services] == categories,
          f"{output_format}: the service list is our categories")
    lighting = next(s for s in services if s["service_code"] == "street_lighting")
    # No service has a required attribute, so none asks the client to read its definition.
    check(str(lighting["metadata"]).lower() == "false", f"{output_format}: metadata flag")
    check(lighting["type"] == "realtime", f"{output_format}: type")

    definition = client.get_service_definition("street_lighting")
    check(definition["service_code"] == "street_lighting", f"{output_format}: definition")
    attributes = definition["attributes"]
    # xmltodict: <attributes><attribute>…</attribute></attributes>; one item comes back as a dict.
    if output_format == "xml":
        attributes = attributes["attribute"]
        attributes = attributes if isinstance(attributes, list) else [attributes]
    check(attributes[0]["code"] == "language", f"{output_format}: the language attribute")

    everything = client.get_service_requests()
    check(len(everything) == 3, f"{output_format}: three requests, got {len(everything)}")
    by_id = {r["service_request_id"]: r for r in everything}
    check(set(by_id) == set(filed.values()), f"{output_format}: the filed ids")
    pothole = by_id[filed["roads_paths"]]
    check(pothole["status"] == "closed", f"{output_format}: the resolved one is closed")
    check(pothole["status_notes"] == "Ausgebessert.", f"{output_format}: status notes")
    check(pothole["description"] == "Schlagloch in Briesen (Mark) <tief> & breit",
          f"{output_format}: text survives escaping: {pothole['description']!r}")
    check(pothole["agency_responsible"] == "Amt Odervorland", f"{output_format}: routed to the Amt")
    check(float(pothole["lat"]) == 52.33012 and float(pothole["long"]) == 14.26357,
          f"{output_format}: coordinates")
    raw = json.dumps(everything, ensure_ascii=False)
    for secret in ("buerger@example.org", "Mustermann", "0301234567"):
        check(secret not in raw, f"{output_format}: {secret} must never be published")

    closed = client.get_service_requests(status="closed")
    # georeport quirk: in XML a one-element list comes back as a dict.
    closed = closed if isinstance(closed, list) else [closed]
    check([r["service_request_id"] for r in closed] == [filed["roads_paths"]],
          f"{output_format}: status=closed")
    open_ = client.get_service_requests(status="open")
    check(len(open_) == 2, f"{output_format}: status=open")
    lamps = client.get_service_requests(service_code="street_lighting")
    lamps = lamps if isinstance(lamps, list) else [lamps]
    check([r["service_request_id"] for r in lamps] == [filed["street_lighting"]],
          f"{output_format}: service_code filter")
    picked = client.get_service_requests(
        service_request_id=f"{filed['street_lighting']},{filed['green_trees']}", status="closed")
    check(len(picked) == 2, f"{output_format}: service_request_id overrides status")
    if output_format == "json":
        # (In XML, georeport cannot read an empty list: xmltodict turns the empty
        # <service_requests/> into None, which the client then indexes.)
        window = client.get_service_requests(start_date="2020-01-01T00:00:00Z", end_date="2020-03-01T00:00:00Z")
        check(window == [], f"{output_format}: nothing filed in early 2020: {window!r}")

    one = client.get_service_request(filed["street_lighting"])
    check(one["service_request_id"] == filed["street_lighting"], f"{output_format}: one request")
    check(one["status"] == "open" and one["service_code"] == "street_lighting",
          f"{output_format}: one request's fields")
    check(one["agency_responsible"] == "Bezirksamt Mitte", f"{output_format}: agency")

print(f"georeport {georeport.__version__}: {checks} checks passed against {endpoint}")
EOF
"$venv/bin/python" "$tmp/client_test.py" "$base" "$admin_password"
