import type { Cluster, Redis } from 'ioredis';

/*
 * Lua for the steps that must be atomic. Every key a script touches is passed in KEYS, so the
 * client's `keyPrefix` applies to it and Redis Cluster can route it. Expiry scores come from the
 * server's TIME, not from the callers' clocks, so providers with skewed clocks agree on them.
 *
 * TTL argument (`pttl`) everywhere: milliseconds > 0; 0 means "already expired" (write nothing,
 * remove what is there); -1 means "never expires".
 */

const LIB = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function put(key, format, payload, consumed, pttl)
  redis.call('DEL', key)
  if pttl == 0 then return end
  if consumed == '' then
    redis.call('HSET', key, 'v', format, 'p', payload)
  else
    redis.call('HSET', key, 'v', format, 'p', payload, 'c', consumed)
  end
  if pttl > 0 then redis.call('PEXPIRE', key, pttl) end
end

local function point(key, target, pttl)
  if pttl == 0 then
    redis.call('DEL', key)
  elseif pttl > 0 then
    redis.call('SET', key, target, 'PX', pttl)
  else
    redis.call('SET', key, target)
  end
end

-- Adds a member scored by its expiry, drops the members that expired, and keeps the index alive
-- exactly as long as its longest-lived member. Returns 1 when a foreign value had to be replaced.
local function index_add(key, member, pttl, now)
  local reset = 0
  local kind = redis.call('TYPE', key).ok
  if kind ~= 'zset' and kind ~= 'none' then
    redis.call('DEL', key)
    reset = 1
  end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if pttl == 0 then
    redis.call('ZREM', key, member)
  elseif pttl > 0 then
    redis.call('ZADD', key, string.format('%.0f', now + pttl), member)
  else
    redis.call('ZADD', key, '+inf', member)
  end
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if last[2] == nil then return reset end
  if last[2] == 'inf' then
    redis.call('PERSIST', key)
  else
    redis.call('PEXPIREAT', key, last[2])
  end
  return reset
end

-- The steps that run alone or in a batch: each takes its keys and arguments as tables and returns
-- its reply.

-- KEYS: entity, then A[5] pointer keys, then index keys.
-- A: format, payload, consumed ('' if not), pttl, pointer count, index member, pointer target.
-- Returns how many indexes held a foreign value and were replaced.
local function op_upsert(K, A)
  local pttl = tonumber(A[4])
  local pointers = tonumber(A[5])
  local now = now_ms()
  local reset = 0
  for i = 2, 1 + pointers do point(K[i], A[7], pttl) end
  for i = 2 + pointers, #K do reset = reset + index_add(K[i], A[6], pttl, now) end
  put(K[1], A[1], A[2], A[3], pttl)
  return reset
end

-- Check-and-set of the \`consumed\` field, never creating the key. A stored \`consumed\` counts as the
-- host reads it, by truthiness: the JSON of a falsy value (false, 0, null, "") is not consumed.
-- K: entity. A: format, consumed time.
-- Returns 1 consumed now, 0 absent, -1 already consumed, -2 not written by this adapter.
local function op_consume(K, A)
  local key = K[1]
  if redis.call('EXISTS', key) == 0 then return 0 end
  if redis.call('TYPE', key).ok ~= 'hash' or redis.call('HGET', key, 'v') ~= A[1] then return -2 end
  local consumed = redis.call('HGET', key, 'c')
  if consumed and consumed ~= 'false' and consumed ~= '0' and consumed ~= 'null' and consumed ~= '""' then return -1 end
  redis.call('HSET', key, 'c', A[2])
  return 1
end

-- Reads an entity for the request that redeems it and claims it for that request, unless another
-- request holds the claim. An absent entity is not claimed.
-- K: claim, entity (one hash tag, so one Cluster slot). A: the request's claim token, claim pttl.
-- Returns {0} when another request holds the claim, else {1, field, value, ...} as HGETALL gives them.
local function op_claim(K, A)
  local holder = redis.call('GET', K[1])
  if holder and holder ~= A[1] then return {0} end
  local fields = redis.call('HGETALL', K[2])
  if #fields > 0 then redis.call('SET', K[1], A[1], 'PX', A[2]) end
  table.insert(fields, 1, 1)
  return fields
end

-- Drops a claim if the request still holds it. K: claim. A: the request's claim token.
local function op_release(K, A)
  if redis.call('GET', K[1]) == A[1] then return redis.call('DEL', K[1]) end
  return 0
end

-- K: entity. Returns the entity hash as HGETALL does.
local function op_find(K)
  return redis.call('HGETALL', K[1])
end
`;

/** {@link LIB}'s op_consume on its own (on a Cluster, where steps are not batched). */
const CONSUME = `${LIB}
return op_consume(KEYS, ARGV)
`;

/** {@link LIB}'s op_claim on its own (on a Cluster). */
const CLAIM = `${LIB}
return op_claim(KEYS, ARGV)
`;

/** {@link LIB}'s op_release on its own (on a Cluster). */
const RELEASE = `${LIB}
return op_release(KEYS, ARGV)
`;

/**
 * Several steps of unrelated calls in one command, on a single server: what concurrent requests ask
 * for in one tick costs the client one command instead of one each. Each step runs as it would alone
 * (the whole batch is atomic, which is more than any step needs); a step that fails does not stop the
 * others. KEYS: every step's keys, in order. ARGV: the step count, then per step its name, its key
 * count, its argument count and its arguments.
 * Returns per step {1, reply} or {0, error message}.
 */
const BATCH = `${LIB}
local steps = { find = op_find, upsert = op_upsert, consume = op_consume, claim = op_claim, release = op_release }
local replies = {}
local k, a = 1, 2
for i = 1, tonumber(ARGV[1]) do
  local step, keys, args = steps[ARGV[a]], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local ok, reply = pcall(step, { unpack(KEYS, k, k + keys - 1) }, { unpack(ARGV, a + 3, a + 2 + args) })
  if ok then
    replies[i] = { 1, reply }
  else
    replies[i] = { 0, type(reply) == 'table' and reply.err or tostring(reply) }
  end
  k = k + keys
  a = a + 3 + args
end
return replies
`;

/**
 * KEYS: entity. ARGV: format, payload, consumed ('' if not), pttl, condition: '' always, 'NX' only
 * if the entity is absent, 'XX' only if it exists. Returns 1 written, 0 refused by the condition.
 */
const PUT = `${LIB}
local exists = redis.call('EXISTS', KEYS[1]) == 1
if (ARGV[5] == 'NX' and exists) or (ARGV[5] == 'XX' and not exists) then return 0 end
put(KEYS[1], ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]))
return 1
`;

/** KEYS: index. ARGV: member, pttl. Returns 1 when a foreign value was replaced. */
const INDEX_ADD = `${LIB}
return index_add(KEYS[1], ARGV[1], tonumber(ARGV[2]), now_ms())
`;

/**
 * Deletes the given members of an index and then removes them from it, in one step.
 * KEYS: index, then the member keys. ARGV: the members as stored in the index.
 * Returns how many member keys existed.
 */
const REVOKE = `
local removed = 0
for i = 2, #KEYS do removed = removed + redis.call('DEL', KEYS[i]) end
if #ARGV > 0 then redis.call('ZREM', KEYS[1], unpack(ARGV)) end
return removed
`;

/**
 * Follows a session-uid or user-code pointer to its entity in one step, on a single server only: the
 * entity key is built here from the pointer's value, so it is not declared in KEYS and may live in
 * another Cluster slot. The second key is the entity key of an empty id (`<prefix><Model>:{}`), which
 * carries the client's `keyPrefix` in front of the id. A value of the wrong type fails with Redis'
 * own WRONGTYPE error, which the store reports as a foreign value.
 * KEYS: pointer, entity key template. Returns the entity hash as HGETALL does (empty when absent).
 */
const FOLLOW = `
local id = redis.call('GET', KEYS[1])
if not id then return {} end
return redis.call('HGETALL', string.sub(KEYS[2], 1, -2) .. id .. '}')
`;

type Arg = string | number;

/** The commands {@link defineScripts} adds to the client. */
export interface ScriptCommands {
  oidcMtlsPut(key: string, format: string, payload: string, consumed: string, pttl: number, condition: '' | 'NX' | 'XX'): Promise<number>;
  oidcMtlsIndexAdd(key: string, member: string, pttl: number): Promise<number>;
  oidcMtlsConsume(key: string, format: string, consumed: number): Promise<number>;
  oidcMtlsRevoke(numKeys: number, ...keysAndArgs: Arg[]): Promise<number>;
  oidcMtlsFollow(pointer: string, template: string): Promise<string[]>;
  oidcMtlsClaim(claim: string, entity: string, token: string, pttl: number): Promise<[0] | [1, ...string[]]>;
  oidcMtlsRelease(claim: string, token: string): Promise<number>;
  oidcMtlsBatch(numKeys: number, ...keysAndArgs: Arg[]): Promise<Array<[1, unknown] | [0, string]>>;
}

/** Defines the scripts on the user's client (idempotent) and returns it typed with them. */
export function defineScripts(client: Redis | Cluster): ScriptCommands {
  client.defineCommand('oidcMtlsPut', { lua: PUT, numberOfKeys: 1 });
  client.defineCommand('oidcMtlsIndexAdd', { lua: INDEX_ADD, numberOfKeys: 1 });
  client.defineCommand('oidcMtlsConsume', { lua: CONSUME, numberOfKeys: 1 });
  client.defineCommand('oidcMtlsRevoke', { lua: REVOKE });
  client.defineCommand('oidcMtlsFollow', { lua: FOLLOW, numberOfKeys: 2 });
  client.defineCommand('oidcMtlsClaim', { lua: CLAIM, numberOfKeys: 2 });
  client.defineCommand('oidcMtlsRelease', { lua: RELEASE, numberOfKeys: 1 });
  client.defineCommand('oidcMtlsBatch', { lua: BATCH });
  return client as unknown as ScriptCommands;
}
