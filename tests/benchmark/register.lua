-- POST /api/v1/auth/register with a unique username per request.
local counter = 0
local thread_id = 0
local password = os.getenv("BENCH_PASSWORD")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function request()
  counter = counter + 1
  local name = string.format("r%s_%d_%d", os.getenv("BENCH_RUN") or "0", tid or 0, counter)
  local body = string.format('{"username": "%s", "email": "%s@bench.example", "password": "%s"}',
    name, name, password)
  return wrk.format(nil, "/api/v1/auth/register", nil, body)
end


require("steady")  -- after setup() above, which it wraps
