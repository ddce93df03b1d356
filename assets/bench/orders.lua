-- wrk script: POST /api/orders as signed-in shoppers, each request with its own Idempotency-Key.
-- Usage: wrk -t2 -c256 -d10s -s assets/bench/orders.lua http://127.0.0.1:PORT -- API_KEY TOKEN[,TOKEN…]
-- The products ordered are p1…p100 (the bench server stocks them deep).
-- `thread_id` is a global on purpose: `thread:set` sets the thread's global, and a `local thread_id` here would
-- shadow it. It did until 2026-12-08: every thread was thread 0 with the same seed, so two threads sent the same
-- keys and half of the requests were replays (orders_wrk.sh now checks new orders against wrk's answers).
local api_key, tokens = nil, {}
local counter = 0
local threads = {}
thread_id = 0

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  api_key = args[1]
  for token in string.gmatch(args[2] or "", "[^,]+") do table.insert(tokens, token) end
  if api_key == nil or #tokens == 0 then error("usage: -- API_KEY TOKEN[,TOKEN…]") end
  if thread_id == 0 then error("setup did not number this thread") end
  math.randomseed(os.time() * 1000 + thread_id)
  run = string.format("%x%x", os.time(), math.random(0, 0xffffff))
end

function request()
  counter = counter + 1
  local token = tokens[(counter % #tokens) + 1]
  local product = "p" .. ((counter * 7 + thread_id) % 100 + 1)
  local body = '{"items":[{"productId":"' .. product .. '","quantity":1}]}'
  return wrk.format("POST", "/api/orders", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["x-api-key"] = api_key,
    ["Idempotency-Key"] = "wrk-" .. run .. "-" .. thread_id .. "-" .. counter,
  }, body)
end

local statuses = {}
function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end
