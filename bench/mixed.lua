-- SPDX-License-Identifier: ISC
-- mixed.lua - wrk script for bench/api.sh: a mixed load on the API of
-- 80 % page reads (a page of 100 from a random point), 10 % new mailboxes
-- (each a password to hash) and 10 % changes of a display name.  Counts
-- the answers by class; done() prints one line the script parses.
local threads = {}
local made = 0

-- (runs in wrk's main state; tid becomes a global of the thread's state)
function setup(thread)
	made = made + 1
	thread:set("tid", made)
	table.insert(threads, thread)
end

function init(args)
	n = 0
	s2, s4, s5 = 0, 0, 0
	math.randomseed(tid * 7919 + os.time())
	key = os.getenv("HK_BENCH_KEY")
	domain = os.getenv("HK_BENCH_DOMAIN")
	seeded = tonumber(os.getenv("HK_BENCH_SEEDED"))
end

local function hdrs()
	return { ["Authorization"] = "Bearer " .. key,
		 ["Content-Type"] = "application/json" }
end

function request()
	n = n + 1
	local r = math.random(100)
	if r <= 80 then
		local at = string.format("u%07d", math.random(seeded))
		return wrk.format("GET", "/api/v1/domains/" .. domain ..
			"/mailboxes?limit=100&cursor=" .. at, hdrs())
	elseif r <= 90 then
		local body = string.format('{"local_part":"w%dn%d",' ..
			'"password":"bench-password-1"}', tid, n)
		return wrk.format("POST", "/api/v1/domains/" .. domain ..
			"/mailboxes", hdrs(), body)
	else
		local at = string.format("u%07d", math.random(seeded))
		return wrk.format("PATCH", "/api/v1/mailboxes/" .. at .. "@" ..
			domain, hdrs(), '{"name":"n' .. n .. '"}')
	end
end

function response(status, headers, body)
	if status >= 500 then s5 = s5 + 1
	elseif status >= 400 then s4 = s4 + 1
	else s2 = s2 + 1 end
end

function done(summary, latency, requests)
	local a, b, c = 0, 0, 0
	for _, t in ipairs(threads) do
		a = a + t:get("s2"); b = b + t:get("s4"); c = c + t:get("s5")
	end
	io.write(string.format("HK-MIXED ok=%d 4xx=%d 5xx=%d\n", a, b, c))
end
