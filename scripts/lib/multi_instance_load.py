#!/usr/bin/env python3
"""The load and the checks of scripts/multi-instance.sh (stdlib only).

Files reports with a photo through the load balancer from several clients (each from its own
loopback address, so each has its own rate-limit budget), kills one instance with SIGKILL
half-way, and retries every unanswered filing with its Idempotency-Key, as a real client
would. Then checks, and exits non-zero on any failure:

  1. every acknowledged report is stored exactly once and readable, with its photo, through
     every surviving instance (the photo's bytes equal at each);
  2. every mail was sent exactly once: the outbox drains, nothing is dead, and the SMTP
     server received as many messages as the outbox sent, none twice;
  3. the map counts (`report_cells`, every level) equal a recount from the reports;
  4. the overdue digest went out once although three instances scheduled it;
  5. the filing rate limit is shared: a burst through the balancer, spread over three
     instances, is admitted about once, not three times.
"""

import argparse
import http.client
import json
import os
import signal
import struct
import subprocess
import sys
import threading
import time
import uuid
import zlib

failures = []


def check(ok, what):
    print(("  ok    " if ok else "  FAIL  ") + what, flush=True)
    if not ok:
        failures.append(what)


def png(seed, width=320, height=240):
    """A small PNG whose pixels depend on `seed`, so every photo is different."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            rows += bytes(((x + seed) % 256, (y * 2 + seed * 7) % 256, (x ^ y ^ seed) % 256))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(rows), 6)) + chunk(b"IEND", b""))


def multipart(fields, photo):
    boundary = "----mi" + uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="p.png"\r\n'
                 'Content-Type: image/png\r\n\r\n'.encode() + photo + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def request(host, port, method, path, body=None, headers=None, source=None, timeout=30):
    conn = http.client.HTTPConnection(host, port, timeout=timeout,
                                      source_address=(source, 0) if source else None)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def psql(url, sql):
    out = subprocess.run(["psql", url, "-XAtqc", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()


class Load:
    """The filing clients; `acked` maps idempotency key → report id."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.acked = {}
        self.next_index = 0
        self.retries = 0
        self.rate_limited = 0
        self.killed_at = None

    def take_index(self):
        with self.lock:
            if self.next_index >= self.args.reports:
                return None
            self.next_index += 1
            return self.next_index

    def file_one(self, index, source):
        key = str(uuid.uuid4())
        lat = 52.50 + (index % 50) * 0.001
        lon = 13.38 + (index % 37) * 0.001
        body, content_type = multipart({
            "category": "roads_paths",
            "description": f"MI-{index} Schlagloch im Lasttest",
            "lat": f"{lat:.5f}", "lon": f"{lon:.5f}",
            "email": f"buerger{index}@example.org",
        }, png(index))
        headers = {"Content-Type": content_type, "Idempotency-Key": key}
        for attempt in range(200):
            try:
                status, head, answer = request("127.0.0.1", self.args.balancer, "POST", "/api/v1/reports",
                                               body, headers, source)
            except (OSError, http.client.HTTPException):
                status, head, answer = None, {}, b""
            if status == 201:
                report_id = json.loads(answer)["id"]
                with self.lock:
                    self.acked[key] = report_id
                    if self.killed_at is None and len(self.acked) >= self.args.reports // 2:
                        self.killed_at = len(self.acked)
                        os.kill(self.args.kill_pid, signal.SIGKILL)
                        print(f"  killed instance pid {self.args.kill_pid} (SIGKILL) after "
                              f"{self.killed_at} acknowledged filings", flush=True)
                return
            with self.lock:
                if status == 429:
                    self.rate_limited += 1
                else:
                    self.retries += 1
            wait = float(head.get("Retry-After", head.get("retry-after", "0.2"))) if status == 429 else 0.2
            time.sleep(min(wait, 5.0))
        raise RuntimeError(f"filing {index} never acknowledged")

    def client(self, number):
        source = f"127.0.0.{20 + number}"
        while (index := self.take_index()) is not None:
            self.file_one(index, source)

    def run(self):
        started = time.monotonic()
        threads = [threading.Thread(target=self.client, args=(n,)) for n in range(self.args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        print(f"  {len(self.acked)} filings acknowledged in {elapsed:.1f} s "
              f"({len(self.acked) / elapsed:.1f}/s) by {self.args.clients} clients; "
              f"{self.retries} retries after a failed or cut answer, {self.rate_limited} answers 429",
              flush=True)


def wait_until(what, predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    print(f"  (gave up waiting for {what} after {seconds} s)", flush=True)
    return False


def check_reports(args, load):
    print("1. reports and photos", flush=True)
    ids = sorted(set(load.acked.values()))
    check(len(ids) == len(load.acked) == args.reports,
          f"{args.reports} filings, {len(load.acked)} acknowledged, {len(ids)} distinct reports")
    stored = int(psql(args.database, "select count(*) from reports where description like 'MI-%'"))
    check(stored == len(ids), f"{stored} load reports stored for {len(ids)} acknowledged (no duplicate, none lost)")
    unreadable = 0
    photo_mismatch = 0
    for report_id in ids:
        photo_bytes = set()
        for port in args.survivors:
            status, _, body = request("127.0.0.1", port, "GET", f"/api/v1/reports/{report_id}")
            if status != 200:
                unreadable += 1
                continue
            photos = json.loads(body).get("photos", [])
            if not photos:
                unreadable += 1
                continue
            path = f"/api/v1/photos/{photos[0]['id']}/web"
            status, head, image = request("127.0.0.1", port, "GET", path)
            if status != 200 or not head.get("Content-Type", head.get("content-type", "")).startswith("image/"):
                unreadable += 1
            photo_bytes.add(image)
        if len(photo_bytes) != 1:
            photo_mismatch += 1
    check(unreadable == 0,
          f"every report and its photo readable through each of the {len(args.survivors)} surviving "
          f"instances ({unreadable} failures)")
    check(photo_mismatch == 0, f"each photo the same bytes at every instance ({photo_mismatch} differ)")


def check_mails(args):
    print("2. mails", flush=True)
    drained = wait_until("the outbox to drain", lambda: psql(
        args.database, "select count(*) from outbox where state in ('pending', 'sending')") == "0", 180)
    check(drained, "the outbox drained (nothing pending or being sent)")
    dead = int(psql(args.database, "select count(*) from outbox where state <> 'sent'"))
    sent = int(psql(args.database, "select count(*) from outbox where state = 'sent'"))
    check(dead == 0, f"{sent} mails sent, {dead} not")
    status, _, body = request("127.0.0.1", args.maildev, "GET", "/api/email")
    messages = json.loads(body) if status == 200 else []
    ids = [m.get("messageId") or m.get("headers", {}).get("message-id") for m in messages]
    check(len(messages) == sent, f"the SMTP server received {len(messages)} messages for {sent} sent")
    check(len(set(ids)) == len(ids), f"no message received twice ({len(ids) - len(set(ids))} repeated)")
    return messages


def check_map(args):
    print("3. map counts", flush=True)
    folded = wait_until("the map fold", lambda: psql(
        args.database, "select count(*) from report_cell_changes") == "0", 60)
    check(folded, "every map change folded")
    public = psql(args.database, """
        select string_agg(light || '=' || n, ',' order by light) from (
          select case status when 'open' then 'red' when 'in_progress' then 'yellow'
                             when 'resolved' then 'green' else 'yellow_green' end as light, count(*) as n
          from reports where visibility = 'published' and status <> 'unconfirmed' group by 1) t""")
    levels = psql(args.database, "select distinct level from report_cells order by level").split()
    for level in levels:
        cells = psql(args.database, f"""
            select string_agg(light || '=' || n, ',' order by light) from (
              select light, sum(count) as n from report_cells where level = {level} and count <> 0
              group by light) t""")
        check(cells == public, f"level {level}: cells {cells} = recount {public}")


def check_digest(args, messages):
    print("4. digest", flush=True)
    digests = [m for m in messages if (m.get("subject") or "").startswith("Überfällige Meldungen")]
    to_contact = [m for m in digests if any(t.get("address") == args.digest_to for t in m.get("to", []))]
    check(len(to_contact) == 1,
          f"{len(to_contact)} digest to {args.digest_to} although 3 instances scheduled it")


def check_shared_rate_limit(args):
    print("5. shared rate limit", flush=True)
    source = "127.0.0.250"
    body = json.dumps({"category": "roads_paths", "description": "MI-Ratenprobe",
                       "lat": 52.52, "lon": 13.41}).encode()
    admitted = refused = 0
    started = time.monotonic()
    for _ in range(args.burst * 3 + 10):
        status, _, _ = request("127.0.0.1", args.balancer, "POST", "/api/v1/reports", body,
                               {"Content-Type": "application/json"}, source)
        admitted += status == 201
        refused += status == 429
    elapsed = time.monotonic() - started
    allowed = args.burst + int(elapsed * args.per_hour / 3600) + 1
    check(refused > 0 and admitted <= allowed,
          f"{admitted} of {admitted + refused} quick filings from one client admitted across "
          f"{len(args.survivors)} instances in {elapsed:.1f} s (one budget: at most {allowed}; "
          f"per-instance counting would admit up to {args.burst * len(args.survivors)})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--balancer", type=int, required=True)
    parser.add_argument("--survivors", type=lambda s: [int(p) for p in s.split(",")], required=True)
    parser.add_argument("--kill-pid", type=int, required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--maildev", type=int, required=True)
    parser.add_argument("--digest-to", required=True)
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--burst", type=int, required=True)
    parser.add_argument("--per-hour", type=int, required=True)
    args = parser.parse_args()

    print(f"load: {args.reports} filings with a photo through the balancer", flush=True)
    load = Load(args)
    load.run()
    check(load.killed_at is not None, "one instance was killed during the load")
    check_reports(args, load)
    messages = check_mails(args)
    check_map(args)
    check_digest(args, messages)
    check_shared_rate_limit(args)
    if failures:
        print(f"{len(failures)} check(s) failed", flush=True)
        sys.exit(1)
    print("all checks passed", flush=True)


if __name__ == "__main__":
    main()
