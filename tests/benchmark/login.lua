-- POST /api/v1/auth/login as one of the seeded users, round-robin per thread.
local counter = 0
local users = tonumber(os.getenv("BENCH_USERS") or "1000")
local password = os.getenv("BENCH_PASSWORD")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function request()
  counter = counter + 1
  local name = string.format("bench_%d", counter % users)
  local body = string.format('{"login": "%s", "password": "%s"}', name, password)
  return wrk.format(nil, "/api/v1/auth/login", nil, body)
end


require("steady")  -- after setup() above, which it wraps
