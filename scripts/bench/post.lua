-- wrk script: POST /api/v1/tags with a unique name each time (a taken name would be a 409).
local counter = 0
local token = os.getenv("BENCH_TOKEN")
function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  prefix = "bench-" .. math.random(1, 1000000000) .. "-"
end
function request()
  counter = counter + 1
  return wrk.format("POST", "/api/v1/tags",
    {["Content-Type"] = "application/x-www-form-urlencoded", ["token"] = token},
    "name=" .. prefix .. counter .. "&created_by=bench")
end
