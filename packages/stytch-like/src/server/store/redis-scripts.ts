// The Lua scripts of the Redis store. Each is atomic on the server that runs it. On a Redis Cluster every script
// names all its keys in KEYS and all of them are in one slot (see redis-layout.ts); the scripts that reach a key
// they did not declare (marked "single Redis only") are used only on a single Redis, where every key is on one server.

// Single Redis only: creates the email index entry and the user in one step, or neither when the email is taken.
export const INSERT_USER = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('SET', KEYS[2], ARGV[2])
  return 1
end
return 0`;

// Writes a session document and its entry in the per-user index (KEYS[1], KEYS[2]) and, when given (single Redis),
// its token index entry KEYS[3]. With ARGV[5] = '1' only when the session exists and its stored text is still ARGV[6]
// (compare-and-set: 0 when gone, -1 when another writer changed it since the read).
export const WRITE_SESSION = `
if ARGV[5] == '1' then
  local current = redis.call('GET', KEYS[1])
  if not current then return 0 end
  if current ~= ARGV[6] then return -1 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if KEYS[3] then redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[2]) end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
return 1`;

// Records an access in one step: moves `last_accessed_at` forward (never back) and nothing else, keeping the TTL. The
// fields before it in the document are generated ids, hashes and numbers, so its first match is the field itself.
export const TOUCH_SESSION = `
local text = redis.call('GET', KEYS[1])
if not text then return false end
local first, last, value = string.find(text, '"last_accessed_at":(%d+)', 1)
if not first then return redis.error_reply('session document without last_accessed_at') end
if tonumber(value) < tonumber(ARGV[1]) then
  text = string.sub(text, 1, first - 1) .. '"last_accessed_at":' .. ARGV[1] .. string.sub(text, last + 1)
  redis.call('SET', KEYS[1], text, 'KEEPTTL')
end
return text`;

// The common authentication in one step. ARGV: mode, at (ms), max lifetime (ms), secret hash or user id, token id,
// key prefix. Modes:
// - 'token' (single Redis only): KEYS[1] is the token index entry; the session and user keys are read from it.
// - 'secret': KEYS[1] the session, KEYS[2] its user; the session must carry token id ARGV[5] and secret hash ARGV[4].
// - 'user': KEYS[1] the session, KEYS[2] its user; the session must be user ARGV[4]'s.
// Answers nil when there is no such session, -1 for a session document it cannot read, else {session text after the
// access, user text or '', 1 when the session was alive and its access recorded, else 0}. The secret hashes are
// compared in constant time. The access is recorded as TOUCH_SESSION does.
export const RECORD_ACCESS = `
local mode = ARGV[1]
local sessionKey, userKey = KEYS[1], KEYS[2]
if mode == 'token' then
  local id = redis.call('GET', KEYS[1])
  if not id then return false end
  sessionKey = ARGV[6] .. 'session:' .. id
end
local text = redis.call('GET', sessionKey)
if not text then return false end
local ok, document = pcall(cjson.decode, text)
if not ok or type(document) ~= 'table' or type(document['user_id']) ~= 'string' then return -1 end
local expires, started = tonumber(document['expires_at']), tonumber(document['started_at'])
if not expires or not started then return -1 end
if mode == 'user' then
  if document['user_id'] ~= ARGV[4] then return false end
else
  if document['token_id'] ~= ARGV[5] then return false end
  local stored, given = document['secret_hash'], ARGV[4]
  if type(stored) ~= 'string' or #stored ~= #given then return false end
  local diff = 0
  for i = 1, #given do diff = bit.bor(diff, bit.bxor(string.byte(stored, i), string.byte(given, i))) end
  if diff ~= 0 then return false end
end
if mode == 'token' then userKey = ARGV[6] .. 'user:' .. document['user_id'] end
local at = tonumber(ARGV[2])
local touched = 0
if expires > at and started + tonumber(ARGV[3]) > at then
  touched = 1
  local first, last, value = string.find(text, '"last_accessed_at":(%d+)', 1)
  if not first then return -1 end
  if tonumber(value) < at then
    text = string.sub(text, 1, first - 1) .. '"last_accessed_at":' .. ARGV[2] .. string.sub(text, last + 1)
    redis.call('SET', sessionKey, text, 'KEEPTTL')
  end
end
return {text, redis.call('GET', userKey) or '', touched}`;

// Deletes a session document (KEYS[1]) and its entry ARGV[1] in the per-user index (KEYS[2]) and, when given (single
// Redis), its token index entry KEYS[3]. Answers the deleted session's token id ('' when unreadable), nil when the
// session was already gone.
export const DELETE_SESSION = `
local text = redis.call('GET', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if not text then return false end
redis.call('DEL', KEYS[1])
if KEYS[3] then redis.call('DEL', KEYS[3]) end
local ok, document = pcall(cjson.decode, text)
if ok and type(document) == 'table' and type(document['token_id']) == 'string' then return document['token_id'] end
return ''`;

// Deletes a user (KEYS[1]) only while its stored text is still ARGV[1] (-1 when it changed: read again), and, when
// given (single Redis), the email index entry KEYS[2] while it still names the user ARGV[2].
export const DELETE_USER = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
redis.call('DEL', KEYS[1])
if KEYS[2] and redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
return 1`;

// Takes the sweep lock when it is free and answers the saved SCAN cursor ('0' starts a pass); nil when it is taken.
export const ACQUIRE_SWEEP = `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
return redis.call('GET', KEYS[2]) or '0'`;

// Saves the cursor after a page and renews the lock, only while the lock is still the caller's (0 when it was lost:
// a late writer must not move back the cursor of the server that took over). '0' ends the pass: the cursor goes.
export const CHECKPOINT_SWEEP = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then redis.call('DEL', KEYS[2]) else redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4]) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

// Single Redis only. Sweeps up to ARGV[3] entries of one user's index scored at or before the cutoff ARGV[1], in one
// atomic step: a session is deleted (with its token entry) only if its stored expiry is still at or before the cutoff,
// so a session extended after the index was read survives. An entry whose session is gone is removed; one whose
// session was extended is re-scored. Answers {deleted, stale entries removed, entries settled, entries read}. A key
// that is not a sorted set (written by something else) is passed over rather than stopping every pass at its page.
export const SWEEP_INDEX = `
if redis.call('TYPE', KEYS[1])['ok'] ~= 'zset' then return {0, 0, 0, 0} end
local cutoff = tonumber(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local deleted, stale, settled = 0, 0, 0
for _, id in ipairs(ids) do
  local key = ARGV[2] .. 'session:' .. id
  local text = redis.call('GET', key)
  if not text then
    redis.call('ZREM', KEYS[1], id)
    stale = stale + 1
    settled = settled + 1
  else
    local ok, document = pcall(cjson.decode, text)
    local expires = ok and type(document) == 'table' and tonumber(document['expires_at'])
    if expires and expires <= cutoff then
      redis.call('DEL', key)
      if type(document['token_id']) == 'string' then
        redis.call('DEL', ARGV[2] .. 'session-by-token:' .. document['token_id'])
      end
      redis.call('ZREM', KEYS[1], id)
      deleted = deleted + 1
      settled = settled + 1
    elseif expires then
      redis.call('ZADD', KEYS[1], expires, id)
      settled = settled + 1
    end
  end
end
return {deleted, stale, settled, #ids}`;

// Cluster: the same sweep of one index with every key declared. KEYS[1] is the index, KEYS[i + 1] the session of entry
// ARGV[i + 1] (read from the index just before, so an entry may have changed meanwhile: each is checked again here).
// Answers {deleted, stale entries removed, entries settled, then for each deleted session its id and token id}: the
// pointers to them live in other slots and are deleted by the caller.
export const SWEEP_CLUSTER_INDEX = `
if redis.call('TYPE', KEYS[1])['ok'] ~= 'zset' then return {0, 0, 0} end
local cutoff = tonumber(ARGV[1])
local reply = {0, 0, 0}
for i = 2, #KEYS do
  local id = ARGV[i]
  local score = redis.call('ZSCORE', KEYS[1], id)
  if score and tonumber(score) <= cutoff then
    local text = redis.call('GET', KEYS[i])
    if not text then
      redis.call('ZREM', KEYS[1], id)
      reply[2] = reply[2] + 1
      reply[3] = reply[3] + 1
    else
      local ok, document = pcall(cjson.decode, text)
      local expires = ok and type(document) == 'table' and tonumber(document['expires_at'])
      if expires and expires <= cutoff then
        redis.call('DEL', KEYS[i])
        redis.call('ZREM', KEYS[1], id)
        reply[1] = reply[1] + 1
        reply[3] = reply[3] + 1
        table.insert(reply, id)
        table.insert(reply, type(document['token_id']) == 'string' and document['token_id'] or '')
      elseif expires then
        redis.call('ZADD', KEYS[1], expires, id)
        reply[3] = reply[3] + 1
      end
    end
  else
    -- Removed or re-scored since it was read: settled by whoever did that.
    reply[3] = reply[3] + 1
  end
end
return reply`;

// Deletes KEYS[1] only while it still holds ARGV[1] (the sweep lock of this caller, an email entry of this user).
export const DELETE_IF_EQUAL = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

// Adds one to a counter and gives it its window's TTL when it starts one; answers the count and the time left. A window
// with under a millisecond left (PTTL 0) has ended, as READ_COUNTER reports it: it starts a new one.
export const INCREMENT_COUNTER = `
if redis.call('PTTL', KEYS[1]) == 0 then redis.call('DEL', KEYS[1]) end
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

// A counter's value ('' when none) and the time left of its window.
export const READ_COUNTER = `
return {redis.call('GET', KEYS[1]) or '', redis.call('PTTL', KEYS[1])}`;

// Compare-and-set of a whole document: written only while the stored text is still the one read.
export const REPLACE_IF_UNCHANGED = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1`;

// Compare-and-set of one hash field (a signing key): written only while it is still the text read.
export const REPLACE_FIELD_IF_UNCHANGED = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1`;
