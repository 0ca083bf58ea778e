-- POST /api/v1/auth/token/refresh, each connection following its own rotation chain.
-- BENCH_REFRESH_TOKENS holds one refresh token per connection, comma-separated.
local tokens = {}
local index = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function setup(thread)
  index = index + 1
  thread:set("slot", index)
end

function init(args)
  local all = {}
  for token in string.gmatch(os.getenv("BENCH_REFRESH_TOKENS") or "", "[^,]+") do
    table.insert(all, token)
  end
  current = all[slot]
end

function request()
  return wrk.format(nil, "/api/v1/auth/token/refresh", nil,
    string.format('{"refresh": "%s"}', current))
end

function response(status, headers, body)
  local next_token = string.match(body, '"refresh"%s*:%s*"([^"]+)"')
  if next_token then current = next_token end
end
