"""A shop's throttle bucket kept in Redis, shared by every worker of every process.

``RedisBucket`` keeps the books of ``LocalBucket`` (the model: ``throttle.py``), each operation
one Lua script so that workers never interleave inside it. The scripts mirror ``restored`` and
``wait_for`` step for step; tests run both buckets through the same sequences and compare.

Bookings carry a lease as in ``LocalBucket``, which matters more here: a worker that dies with
a call in flight must not hold its points for ever. Time comes from Redis (``TIME``) unless a
clock is given, so machines whose clocks disagree still agree on the bucket.

Keys are ``<prefix>:throttle:{<shop>}...`` (one hash slot per shop, for Redis Cluster) and
expire after ``ttl`` seconds without a call, so abandoned shops leave nothing behind.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator, MutableMapping

from redis import Redis, RedisError

from wholesync.shopify.errors import UnavailableError
from wholesync.shopify.throttle import DEFAULT_LEASE, ThrottleStatus

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "wholesync"
DEFAULT_TTL = 3600.0

# KEYS: 1 state hash (max, rate, reported, available, at), 2 open bookings (zset: token ->
# when the call may go out), 3 settled calls (zset: token -> when), 4 token -> cost (hash).
_COMMON = """
local function num(x) return string.format('%.17g', x) end
local function now_of(arg)
  if arg ~= '' then return tonumber(arg) end
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local function drop(key, lowest, highest)
  local gone = redis.call('ZRANGEBYSCORE', key, lowest, highest)
  for _, token in ipairs(gone) do redis.call('HDEL', KEYS[4], token) end
  redis.call('ZREMRANGEBYSCORE', key, lowest, highest)
end
local function total(tokens)
  local sum = 0
  for _, token in ipairs(tokens) do sum = sum + tonumber(redis.call('HGET', KEYS[4], token)) end
  return sum
end
local function restored(s, now)
  local max, rate = tonumber(s[1]), tonumber(s[2])
  return math.min(max, tonumber(s[3]) + math.max(0, now - tonumber(s[4])) * rate)
end
local function touch(ttl)
  for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ttl) end
end
local now = now_of(ARGV[2])
-- A booking whose call should have ended a lease ago belongs to a worker that died.
drop(KEYS[2], '-inf', '(' .. num(now - tonumber(ARGV[4])))
local s = redis.call('HMGET', KEYS[1], 'max', 'rate', 'available', 'at')
"""

# ARGV: cost, now ('' = Redis time), token, lease, ttl (ms). Returns the seconds to wait.
_RESERVE = (
    _COMMON
    + """
local cost = tonumber(ARGV[1])
local wait = 0
if s[1] then
  local max, rate = tonumber(s[1]), tonumber(s[2])
  local level = restored(s, now)
  wait = math.max(0, (math.min(cost, max) - level) / rate)
  redis.call('HSET', KEYS[1], 'available', num(level - math.min(cost, max)), 'at', num(now))
end
redis.call('ZADD', KEYS[2], num(now + wait), ARGV[3])
redis.call('HSET', KEYS[4], ARGV[3], ARGV[1])
touch(ARGV[5])
return num(wait)
"""
)

# ARGV: reserved, now, token, lease, ttl (ms), then Shopify's maximum, available and restore
# rate when the call reached Shopify.
_SETTLE = (
    _COMMON
    + """
local reserved = tonumber(ARGV[1])
local token = ARGV[3]
local sent_at = redis.call('ZSCORE', KEYS[2], token)
redis.call('ZREM', KEYS[2], token)
redis.call('HDEL', KEYS[4], token)
if ARGV[6] == nil then
  if s[1] then
    local level = restored(s, now)
    redis.call('HSET', KEYS[1], 'available', num(level + reserved), 'at', num(now))
  end
  touch(ARGV[5])
  return 0
end
local since = 0
if sent_at then
  since = total(redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. sent_at, '+inf'))
end
local in_flight = total(redis.call('ZRANGE', KEYS[2], 0, -1))
local available = tonumber(ARGV[7]) - in_flight - since
redis.call('HSET', KEYS[1], 'max', ARGV[6], 'reported', ARGV[7], 'rate', ARGV[8],
  'available', num(available), 'at', num(now))
local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')[2] or num(now)
drop(KEYS[3], '-inf', oldest)
redis.call('ZADD', KEYS[3], num(now), token)
redis.call('HSET', KEYS[4], token, ARGV[1])
touch(ARGV[5])
return 0
"""
)


def _num(value: float) -> str:
    """A float as text Lua reads back to the same double."""
    return repr(float(value))


class RedisCosts(MutableMapping[str, float]):
    """The learned cost of each operation, shared by the shop's workers. A Redis failure reads
    as 'not known yet' (the call then books nothing) rather than failing the call."""

    def __init__(self, redis: Redis, key: str, ttl: float) -> None:
        self._redis = redis
        self._key = key
        self._ttl_ms = int(ttl * 1000)

    def __getitem__(self, name: str) -> float:
        try:
            value = self._redis.hget(self._key, name)
        except RedisError as exc:
            log.warning("shared throttle: cannot read learned costs: %s", exc)
            value = None
        if value is None:
            raise KeyError(name)
        return float(value)

    def __setitem__(self, name: str, cost: float) -> None:
        try:
            with self._redis.pipeline() as pipe:
                pipe.hset(self._key, name, _num(cost))
                pipe.pexpire(self._key, self._ttl_ms)
                pipe.execute()
        except RedisError as exc:
            log.warning("shared throttle: cannot record a learned cost: %s", exc)

    def __delitem__(self, name: str) -> None:
        if not self._redis.hdel(self._key, name):
            raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        for name in self._redis.hkeys(self._key):
            yield name.decode() if isinstance(name, bytes) else str(name)

    def __len__(self) -> int:
        return int(self._redis.hlen(self._key))


class RedisBucket:
    """One shop's bucket in Redis (the ``Bucket`` protocol), shared by every worker.

    ``clock`` (seconds) defaults to the Redis server's time; tests inject one to be exact.
    """

    def __init__(
        self,
        redis: Redis,
        shop_domain: str,
        *,
        clock: Callable[[], float] | None = None,
        prefix: str = DEFAULT_PREFIX,
        lease: float = DEFAULT_LEASE,
        ttl: float = DEFAULT_TTL,
    ) -> None:
        self.shop_domain = shop_domain
        base = f"{prefix}:throttle:{{{shop_domain}}}"
        self.keys = [base, f"{base}:open", f"{base}:settled", f"{base}:cost"]
        self._redis = redis
        self._clock = clock
        self._lease = lease
        self._ttl_ms = int(ttl * 1000)
        self._reserve = redis.register_script(_RESERVE)
        self._settle = redis.register_script(_SETTLE)
        self.costs = RedisCosts(redis, f"{base}:learned", ttl)
        # This process's open bookings by cost: settle names the cost, Redis wants the token.
        self._tokens: dict[float, deque[str]] = {}
        self._lock = threading.Lock()

    @classmethod
    def factory(
        cls,
        redis: Redis,
        *,
        clock: Callable[[], float] | None = None,
        prefix: str = DEFAULT_PREFIX,
        lease: float = DEFAULT_LEASE,
        ttl: float = DEFAULT_TTL,
    ) -> Callable[[str], RedisBucket]:
        """shop domain -> its shared bucket, e.g. for ``sync.tenants.build_client``."""
        return lambda shop: cls(redis, shop, clock=clock, prefix=prefix, lease=lease, ttl=ttl)

    def _args(self, amount: float, token: str) -> list[str | int]:
        now = "" if self._clock is None else _num(self._clock())
        return [_num(amount), now, token, _num(self._lease), self._ttl_ms]

    def reserve(self, cost: float) -> float:
        token = uuid.uuid4().hex
        try:
            wait = float(self._reserve(keys=self.keys, args=self._args(cost, token)))
        except RedisError as exc:
            raise UnavailableError(
                f"The shared throttle of {self.shop_domain} is unreachable in Redis: {exc}",
                fix="Check that Redis (WHOLESYNC_QUEUE_URL) is up; the run is retried.",
            ) from exc
        with self._lock:
            self._tokens.setdefault(cost, deque()).append(token)
        return wait

    def settle(self, reserved: float, status: ThrottleStatus | None) -> None:
        with self._lock:
            waiting = self._tokens.get(reserved)
            token = waiting.popleft() if waiting else uuid.uuid4().hex
            if waiting is not None and not waiting:
                del self._tokens[reserved]
        args = self._args(reserved, token)
        if status is not None:
            args += [_num(status.maximum), _num(status.available), _num(status.restore_rate)]
        try:
            self._settle(keys=self.keys, args=args)
        except RedisError as exc:
            # The answer is in hand; the booking lapses with its lease instead.
            log.warning("shared throttle: cannot settle a call of %s: %s", self.shop_domain, exc)

    @property
    def status(self) -> ThrottleStatus | None:
        """The last status Shopify reported to any worker."""
        maximum, available, rate = self._redis.hmget(self.keys[0], ["max", "reported", "rate"])
        if maximum is None or available is None or rate is None:
            return None
        return ThrottleStatus(float(maximum), float(available), float(rate))
