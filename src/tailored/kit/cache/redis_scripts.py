"""The Lua scripts RedisCache runs (atomic multi-step operations), kept apart from the code."""

# Tag sets never expire, because a member's TTL can later be extended past any TTL we could
# give the set. Instead every tagged write checks a few random members and drops dead ones,
# which keeps each set within a small factor of its live members.
SET_TAGGED = """
if ARGV[2] == '' then
  redis.call('SET', KEYS[1], ARGV[1])
else
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
for i = 2, #KEYS do
  redis.call('SADD', KEYS[i], KEYS[1])
  for _, member in ipairs(redis.call('SRANDMEMBER', KEYS[i], 3)) do
    if redis.call('EXISTS', member) == 0 then
      redis.call('SREM', KEYS[i], member)
    end
  end
end
"""

# Only keys of type set are tag sets: the protocol has no sets, so a caller's key that happens
# to share a legacy tag set's name (a string, a list...) is left alone.
INVALIDATE_TAGS = """
local deleted = 0
for i = 1, #KEYS do
  if redis.call('TYPE', KEYS[i]).ok == 'set' then
    local members = redis.call('SMEMBERS', KEYS[i])
    for first = 1, #members, 500 do
      local last = math.min(first + 499, #members)
      deleted = deleted + redis.call('DEL', unpack(members, first, last))
    end
    redis.call('DEL', KEYS[i])
  end
end
return deleted
"""

DELETE_IF_EQUALS = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

INCR_CREATING = """
local created = redis.call('EXISTS', KEYS[1]) == 0
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if created then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return value
"""

# Many sorted sets in one call. ARGV: drop_below ('' for none), ttl ms (0: none), then per key
# the number of members and that many (score, member) pairs.
ZADD_MANY = """
local drop, ttl, i = ARGV[1], tonumber(ARGV[2]), 3
for k = 1, #KEYS do
  local n = tonumber(ARGV[i])
  i = i + 1
  for first = 0, n - 1, 500 do
    local args = {}
    for j = first, math.min(first + 499, n - 1) do
      args[#args + 1] = ARGV[i + 2 * j]
      args[#args + 1] = ARGV[i + 2 * j + 1]
    end
    redis.call('ZADD', KEYS[k], unpack(args))
  end
  i = i + 2 * n
  if n > 0 then
    if drop ~= '' then redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', '(' .. drop) end
    if ttl > 0 then redis.call('PEXPIRE', KEYS[k], ttl) end
  end
end
"""

# The score of ARGV[k] in sorted set KEYS[k], for each k ("" where it is absent): a key may
# repeat, so a batch asks about each of its members without fetching whole sets.
ZSCORE_MANY = """
local out = {}
for k = 1, #KEYS do
  out[k] = redis.call('ZSCORE', KEYS[k], ARGV[k]) or ''
end
return out
"""

# Many lists in one call. ARGV: max_len (0: none), ttl ms (0: none), then per key the number
# of values and the values, pushed to the head in order.
LIST_PUSH_MANY = """
local max_len, ttl, i = tonumber(ARGV[1]), tonumber(ARGV[2]), 3
for k = 1, #KEYS do
  local n = tonumber(ARGV[i])
  i = i + 1
  for j = 0, n - 1 do redis.call('LPUSH', KEYS[k], ARGV[i + j]) end
  i = i + n
  if n > 0 then
    if max_len > 0 then redis.call('LTRIM', KEYS[k], 0, max_len - 1) end
    if ttl > 0 then redis.call('PEXPIRE', KEYS[k], ttl) end
  end
end
"""
