-- wrk script shared by scripts/bench-filing.sh and scripts/bench-map.sh (used when oha is not
-- installed). Environment:
--   BENCH_BODIES    optional: a file with one request body per line; each request POSTs the
--                   next one as application/json (each wrk thread starts at its own offset)
--   BENCH_PATHS     optional: a file with one `path [etag]` per line; each request GETs the
--                   next path (with `If-None-Match: etag` when one is given), so a run cycles
--                   through the tiles of a map view (each wrk thread starts at its own offset)
--   BENCH_WRK_JSON  where done() writes the figures as one JSON object: requests, duration_s,
--                   rps, latency_ms {mean, p50, p90, p95, p99, max}, status {code: count},
--                   errors {connect, read, write, timeout, status}
-- wrk's latency is from sending a request to its response on one connection (closed loop,
-- like oha): percentiles come from wrk's own histogram (microsecond resolution).

local bodies = {}
local next_body = 0
codes = {} -- per thread; read back with thread:get in done()
local threads = {}

local bodies_path = os.getenv("BENCH_BODIES")
if bodies_path and bodies_path ~= "" then
    for line in io.lines(bodies_path) do
        bodies[#bodies + 1] = line
    end
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
end

local paths = {}
local next_path = 0
local paths_path = os.getenv("BENCH_PATHS")
if paths_path and paths_path ~= "" then
    for line in io.lines(paths_path) do
        local path, etag = line:match("^(%S+)%s*(.*)$")
        if path then
            paths[#paths + 1] = { path = path, etag = etag }
        end
    end
end

local thread_count = 0
setup = function(thread)
    thread_count = thread_count + 1
    thread:set("thread_index", thread_count)
    threads[#threads + 1] = thread
end

init = function(args)
    if #bodies > 0 then
        next_body = ((thread_index or 1) - 1) * 997 % #bodies
    end
    if #paths > 0 then
        next_path = ((thread_index or 1) - 1) * 7 % #paths
    end
end

request = function()
    if #paths > 0 then
        next_path = next_path % #paths + 1
        local p = paths[next_path]
        local headers = {}
        if p.etag ~= "" then
            headers["If-None-Match"] = p.etag
        end
        return wrk.format("GET", p.path, headers)
    end
    if #bodies == 0 then
        return wrk.format()
    end
    next_body = next_body % #bodies + 1
    return wrk.format(nil, nil, nil, bodies[next_body])
end

response = function(status, headers, body)
    codes[status] = (codes[status] or 0) + 1
end

done = function(summary, latency, requests)
    local total = {}
    for _, thread in ipairs(threads) do
        local c = thread:get("codes")
        if c then
            for k, v in pairs(c) do
                total[k] = (total[k] or 0) + v
            end
        end
    end
    local parts = {}
    for k, v in pairs(total) do
        parts[#parts + 1] = string.format('"%d": %d', k, v)
    end
    local ms = function(us) return us / 1000.0 end
    local secs = summary.duration / 1e6
    local out = string.format(
        '{"requests": %d, "duration_s": %.6f, "rps": %.3f, "latency_ms": {"mean": %.4f, "p50": %.4f, ' ..
        '"p90": %.4f, "p95": %.4f, "p99": %.4f, "max": %.4f}, "status": {%s}, ' ..
        '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d}}\n',
        summary.requests, secs, summary.requests / secs,
        ms(latency.mean), ms(latency:percentile(50)), ms(latency:percentile(90)),
        ms(latency:percentile(95)), ms(latency:percentile(99)), ms(latency.max),
        table.concat(parts, ", "),
        summary.errors.connect, summary.errors.read, summary.errors.write,
        summary.errors.timeout, summary.errors.status)
    local path = os.getenv("BENCH_WRK_JSON")
    if path and path ~= "" then
        local f = assert(io.open(path, "w"))
        f:write(out)
        f:close()
    else
        io.write(out)
    end
end
