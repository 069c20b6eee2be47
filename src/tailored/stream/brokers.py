"""Where the outbox relay publishes, chosen by URL scheme: Redis Streams (`redis://`), NATS
JetStream (`nats://`) or in-process (`memory://`).

Every broker drops a message it already has, so a relay that crashed after publishing and
before marking its rows publishes them again harmlessly:
- Redis: a script adds a batch, skipping event ids it saw within the duplicate window (a
  `SET NX PX` key per message); entry ids are Redis's own.
- NATS: `Nats-Msg-Id` is the event id; JetStream ignores repeats within the duplicate window.
- memory: a set of the event ids it holds.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Protocol

import nats
from nats.js.api import StreamConfig as JsStreamConfig
from nats.js.errors import NotFoundError
from redis.asyncio import Redis

from tailored.config.flags import StreamConfig


@dataclass(frozen=True, slots=True)
class Message:
    outbox_id: int
    event_id: str
    learner: str
    topic: str
    # The payload's JSON text as stored: published as it is, never decoded on the way.
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data

    @classmethod
    def of(
        cls, outbox_id: int, event_id: str, learner: str, topic: str, payload: dict[str, Any]
    ) -> Message:
        body = json.dumps(payload, separators=(",", ":"), default=str).encode()
        return cls(outbox_id, event_id, learner, topic, body)


@dataclass
class Published:
    """What one publish did: messages the broker took, and repeats it dropped."""

    stored: int = 0
    duplicates: int = 0


class Broker(Protocol):
    name: str

    async def publish(self, messages: list[Message]) -> Published:
        """Publish in order; raise when any message may not have been taken."""
        ...

    async def close(self) -> None: ...


@dataclass
class MemoryBroker:
    """In-process: messages per subject, for tests and single-process installs."""

    prefix: str = "tailored"
    name: str = "memory"
    subjects: dict[str, list[Message]] = field(default_factory=dict)
    _seen: set[str] = field(default_factory=set)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def publish(self, messages: list[Message]) -> Published:
        done = Published()
        for m in messages:
            if m.event_id in self._seen:
                done.duplicates += 1
                continue
            self._seen.add(m.event_id)
            self.subjects.setdefault(f"{self.prefix}.{m.topic}", []).append(m)
            done.stored += 1
        self._arrived.set()
        return done

    async def wait(self, subject: str, count: int, timeout: float = 5.0) -> list[Message]:
        """The subject's messages once there are `count` (consumers in the same process)."""
        async with asyncio.timeout(timeout):
            while len(self.subjects.get(subject, [])) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.subjects[subject]

    async def close(self) -> None:
        return None


# One call per stream per batch. A message whose event id was published within the window is
# a repeat (its `seen` key is there); others are added with a Redis-assigned entry id. Entry
# ids are not taken from the outbox: a row that commits after a higher id was published (two
# concurrent writers) must still be added, after it. KEYS: the stream, then each message's
# seen key; ARGV: maxlen, window in ms, then (event id, learner, payload) per message.
_XADD_BATCH = """
local maxlen, window = tonumber(ARGV[1]), ARGV[2]
local stored = 0
for k = 2, #KEYS do
  local i = 3 + (k - 2) * 3
  if redis.call('SET', KEYS[k], '1', 'NX', 'PX', window) then
    if maxlen > 0 then
      redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*',
                 'id', ARGV[i], 'learner', ARGV[i + 1], 'payload', ARGV[i + 2])
    else
      redis.call('XADD', KEYS[1], '*',
                 'id', ARGV[i], 'learner', ARGV[i + 1], 'payload', ARGV[i + 2])
    end
    stored = stored + 1
  end
end
return stored
"""


class RedisBroker:
    name = "redis"

    def __init__(self, url: str, *, prefix: str, maxlen: int, window: float = 600.0) -> None:
        self._redis: Redis = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        self._script = self._redis.register_script(_XADD_BATCH)
        self._prefix = prefix
        self._maxlen = maxlen
        self._window_ms = max(1, round(window * 1000))

    def key(self, topic: str) -> str:
        return f"{self._prefix}.{topic}"

    def seen_key(self, topic: str, event_id: str) -> str:
        # The stream's name as a hash tag: on a Redis Cluster both keys of a call share a slot.
        return f"{{{self.key(topic)}}}:seen:{event_id}"

    async def publish(self, messages: list[Message]) -> Published:
        by_topic: dict[str, list[Message]] = {}
        for m in messages:
            by_topic.setdefault(m.topic, []).append(m)
        done = Published()
        for topic, group in by_topic.items():
            keys = [self.key(topic), *(self.seen_key(topic, m.event_id) for m in group)]
            args: list[Any] = [self._maxlen, self._window_ms]
            for m in group:
                args += [m.event_id, m.learner, m.body]
            stored = int(await self._script(keys=keys, args=args))
            done.stored += stored
            done.duplicates += len(group) - stored
        return done

    async def close(self) -> None:
        await self._redis.aclose()


class NatsBroker:
    name = "nats"

    def __init__(
        self, url: str, *, prefix: str, stream: str, window: float, ack_timeout: float = 5.0
    ) -> None:
        self._url = url
        self._ack_timeout = ack_timeout
        self._prefix = prefix
        self._stream = stream
        self._window = window
        self._nc: Any = None
        self._js: Any = None

    async def _connect(self) -> Any:
        if self._js is None:
            self._nc = await nats.connect(
                self._url,
                connect_timeout=2,
                reconnect_time_wait=0.25,
                max_reconnect_attempts=-1,
                allow_reconnect=True,
            )
            self._js = self._nc.jetstream(timeout=5)
            try:
                await self._js.stream_info(self._stream)
            except NotFoundError:
                await self._js.add_stream(
                    JsStreamConfig(
                        name=self._stream,
                        subjects=[f"{self._prefix}.>"],
                        duplicate_window=self._window,
                    )
                )
        return self._js

    async def publish(self, messages: list[Message]) -> Published:
        js = await self._connect()
        if not self._nc.is_connected:
            # While nats-py reconnects it would buffer publishes; fail the batch instead and
            # let the relay retry it whole once the server is back.
            raise ConnectionError("NATS is reconnecting")
        # Sent in order on one connection (JetStream stores them in that order), acked together.
        futures = [
            await js.publish_async(
                f"{self._prefix}.{m.topic}",
                m.body,
                headers={"Nats-Msg-Id": m.event_id, "Tailored-Learner": m.learner},
                # No stall timeout: a wait_for would yield per message and send each alone.
                wait_stall=None,
            )
            for m in messages
        ]
        async with asyncio.timeout(self._ack_timeout):
            acks = await asyncio.gather(*futures)
        done = Published()
        for ack in acks:
            if ack.duplicate:
                done.duplicates += 1
            else:
                done.stored += 1
        return done

    async def close(self) -> None:
        if self._nc is not None:
            await self._nc.close()
            self._nc = self._js = None


def broker_url(config: StreamConfig, cache_url: str) -> str:
    """The configured URL, else the cache's Redis, else in-process."""
    if config.url:
        return config.url
    return cache_url if cache_url.startswith(("redis://", "rediss://")) else "memory://"


def create_broker(url: str, config: StreamConfig) -> Broker:
    scheme = url.split("://", 1)[0]
    if scheme in ("redis", "rediss"):
        return RedisBroker(
            url,
            prefix=config.prefix,
            maxlen=config.redis_maxlen,
            window=config.redis_duplicate_window_seconds,
        )
    if scheme == "nats":
        return NatsBroker(
            url,
            prefix=config.prefix,
            stream=config.nats_stream,
            window=config.nats_duplicate_window_seconds,
        )
    if scheme == "memory":
        return MemoryBroker(prefix=config.prefix)
    raise ValueError(f"stream url must start with redis://, nats:// or memory://, not {url!r}")
