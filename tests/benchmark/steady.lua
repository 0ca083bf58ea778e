-- The steady completion rate of a phase, for run.py (login_8 and register_8).
--
-- wrk's own rate, completed requests / duration, loses the work in flight when it stops
-- and counts a start where every client arrives at once at empty queues; with hashes of
-- ~0.3 s at 8 clients that is up to a few per cent of a 30 s phase, drawn anew each run.
-- Here each connection (one per wrk thread) notes when its responses complete and, past
-- the first WARM_SECONDS, rates itself from its first to its last noted completion:
-- (completions - 1) / (last - first). The sum over connections is the server's rate.
local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } steady_timespec;
int clock_gettime(int clock_id, steady_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local WARM_SECONDS = 5
local timespec = ffi.new("steady_timespec")

local function now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) + tonumber(timespec.tv_nsec) * 1e-9
end

local threads = {}
local script_setup = setup

function setup(thread)
  table.insert(threads, thread)
  if script_setup then
    script_setup(thread)
  end
end

-- Per thread (each runs its own copy of this script): start, first, last, counted.
function init(args)
  start = now()
  counted = 0
end

function response(status, headers, body)
  local t = now()
  if t - start < WARM_SECONDS then
    return
  end
  if first == nil then
    first = t
  end
  last = t
  counted = counted + 1
end

function done(summary, latency, requests)
  local rate = 0
  for _, thread in ipairs(threads) do
    local n, a, b = thread:get("counted"), thread:get("first"), thread:get("last")
    if n == nil or n < 2 or b <= a then
      io.write("steady_rps: none (too few completions past the warm-up)\n")
      return
    end
    rate = rate + (n - 1) / (b - a)
  end
  io.write(string.format("steady_rps: %.4f\n", rate))
end
