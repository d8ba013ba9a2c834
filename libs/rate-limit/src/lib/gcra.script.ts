/**
 * GCRA (the generic cell rate algorithm) for several keys at once, atomically, in one round trip.
 *
 * Each key holds one number: its theoretical arrival time (TAT), the moment the subject would be
 * back to idle if requests kept coming at exactly the allowed rate. A request is allowed when,
 * after adding one emission interval T to the TAT, the TAT is no more than the burst tolerance
 * (burst * T) ahead of now. So the state is O(1) per key, and it expires by itself once the
 * subject has been idle long enough (PX = TAT - now).
 *
 * Times are integer microseconds from Redis's own clock (TIME), so gateway instances with skewed
 * clocks still share one limit. All keys are checked before any is written: a request denied by
 * one limit counts against none.
 *
 * KEYS[i]: the TAT key of check i.  ARGV[2i-1]: T in microseconds.  ARGV[2i]: burst.
 * Returns { allowed (1/0), then per key: remaining, reset_us, retry_after_us }.
 */
export const GCRA_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local count = #KEYS
local tats = {}
local reply = { 1 }
for i = 1, count do
  local interval = tonumber(ARGV[2 * i - 1])
  local tolerance = interval * tonumber(ARGV[2 * i])
  local tat = math.max(tonumber(redis.call('GET', KEYS[i]) or now), now)
  local new_tat = tat + interval
  if new_tat - now <= tolerance then
    tats[i] = new_tat
    reply[3 * i - 1] = math.floor((tolerance - (new_tat - now)) / interval)
    reply[3 * i] = new_tat - now
    reply[3 * i + 1] = 0
  else
    reply[1] = 0
    reply[3 * i - 1] = 0
    reply[3 * i] = tat - now
    reply[3 * i + 1] = new_tat - tolerance - now
  end
end
if reply[1] == 1 then
  for i = 1, count do
    redis.call('SET', KEYS[i], string.format('%d', tats[i]), 'PX', math.ceil((tats[i] - now) / 1000))
  end
end
return reply
`;
