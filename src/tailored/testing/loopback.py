"""A scripted loopback HTTP server, the base of the fake language-model providers.

Written on `asyncio.start_server` rather than an ASGI app so a behaviour can do what real
servers do when they break: stall, hang up mid-stream, send a body that is not JSON. Each
request takes the next behaviour from `script(...)`, or `default` when the queue is empty.
Every response says `Connection: close`, so each attempt is one connection and one count.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["ok", "status", "malformed", "wrong_shape", "truncated", "disconnect"]


@dataclass(frozen=True)
class Behaviour:
    """What the server does with one request."""

    kind: Kind
    text: str = "Hello from the fake"
    input_tokens: int = 11
    output_tokens: int = 7
    delay: float = 0.0
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    # Streaming: pause before each event after the first text delta (a model that stalls).
    gap: float = 0.0
    # A scripted model: the answer computed from the request (see `reply`).
    respond: Callable[[Received], str] | None = None

    def answer(self, req: Received) -> str:
        return self.respond(req) if self.respond is not None else self.text


def ok(
    text: str = "Hello from the fake",
    *,
    input_tokens: int = 11,
    output_tokens: int = 7,
    delay: float = 0.0,
) -> Behaviour:
    return Behaviour("ok", text, input_tokens, output_tokens, delay)


def reply(
    respond: Callable[[Received], str], *, delay: float = 0.0, kind: Kind = "ok"
) -> Behaviour:
    """Answer with `respond(request)`: a model whose output depends on what it was asked."""
    return Behaviour(kind, delay=delay, respond=respond)


def slow(seconds: float, text: str = "slow answer") -> Behaviour:
    return Behaviour("ok", text, delay=seconds)


def stall(gap: float, text: str = "starts then stalls") -> Behaviour:
    """Answer at once, then pause `gap` seconds between later events (or body pieces)."""
    return Behaviour("ok", text, gap=gap)


def status(
    code: int, *, retry_after: str | None = None, retry_after_ms: str | None = None
) -> Behaviour:
    headers: list[tuple[str, str]] = []
    if retry_after is not None:
        headers.append(("retry-after", retry_after))
    if retry_after_ms is not None:
        headers.append(("retry-after-ms", retry_after_ms))
    return Behaviour("status", status=code, headers=tuple(headers))


def malformed() -> Behaviour:
    return Behaviour("malformed")


def wrong_shape() -> Behaviour:
    """Valid JSON that is not the wire format's object (no choices / content)."""
    return Behaviour("wrong_shape")


def truncated(text: str = "cut off mid") -> Behaviour:
    return Behaviour("truncated", text)


def disconnect(text: str = "half an ans") -> Behaviour:
    """Streaming: send part of the answer then hang up. Plain: hang up without answering."""
    return Behaviour("disconnect", text)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


_REASONS = {
    200: "OK",
    400: "Bad Request",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class FakeServer:
    """Base: HTTP/1.1 framing, scripting, counting. Subclasses render the wire format."""

    def __init__(self) -> None:
        self.default: Behaviour = ok()
        self.requests: list[Received] = []
        self.in_flight = 0
        self.max_in_flight = 0
        # (received, answered) loop times of each request: time spent "inside the provider".
        self.intervals: list[tuple[float, float]] = []
        self._queue: deque[Behaviour] = deque()
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self.port = 0

    # -- scripting and inspection ----------------------------------------------------------

    def script(self, *behaviours: Behaviour) -> None:
        self._queue.extend(behaviours)

    @property
    def count(self) -> int:
        return len(self.requests)

    @property
    def last(self) -> Received:
        return self.requests[-1]

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        # Python 3.11's wait_closed does not wait for handlers; cancel stragglers (slow
        # behaviours whose client gave up) so none outlives the test's event loop turn.
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()

    # -- HTTP ------------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            received = await self._read(reader)
            if received is None:
                return
            self.requests.append(received)
            arrived = asyncio.get_running_loop().time()
            behaviour = self._queue.popleft() if self._queue else self.default
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                if behaviour.delay:
                    await asyncio.sleep(behaviour.delay)
                await self._respond(writer, received, behaviour)
                self.intervals.append((arrived, asyncio.get_running_loop().time()))
            finally:
                self.in_flight -= 1
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client gave up (its timeout); nothing to answer
        finally:
            self._handlers.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> Received | None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        raw = await reader.readexactly(int(headers.get("content-length", "0")))
        body = json.loads(raw) if raw else {}
        return Received(method, path, headers, body)

    @staticmethod
    def _head(status_code: int, headers: list[tuple[str, str]]) -> bytes:
        lines = [f"HTTP/1.1 {status_code} {_REASONS.get(status_code, 'Status')}"]
        lines += [f"{k}: {v}" for k, v in [*headers, ("connection", "close")]]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    async def _send_json(
        self,
        writer: asyncio.StreamWriter,
        code: int,
        body: bytes,
        extra: tuple[tuple[str, str], ...] = (),
    ) -> None:
        head = [("content-type", "application/json"), ("content-length", str(len(body))), *extra]
        writer.write(self._head(code, head) + body)
        await writer.drain()

    async def _send_events(
        self,
        writer: asyncio.StreamWriter,
        events: list[bytes],
        *,
        hang_up_after: int | None = None,
        gap: float = 0.0,
    ) -> None:
        """SSE over chunked encoding, so hanging up early is a visible protocol error."""
        writer.write(
            self._head(
                200, [("content-type", "text/event-stream"), ("transfer-encoding", "chunked")]
            )
        )
        for i, event in enumerate(events):
            if hang_up_after is not None and i == hang_up_after:
                await writer.drain()
                writer.transport.abort()
                return
            if gap and i > 2:
                await asyncio.sleep(gap)
            writer.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    async def _respond(self, writer: asyncio.StreamWriter, req: Received, b: Behaviour) -> None:
        streaming = bool(req.body.get("stream"))
        if b.kind == "status":
            await self._send_json(writer, b.status, self.error_body(b.status), b.headers)
        elif b.kind == "disconnect" and not streaming:
            writer.transport.abort()
        elif b.kind == "malformed":
            if streaming:
                await self._send_events(writer, [b"data: {not json at all\n\n"])
            else:
                await self._send_json(writer, 200, b'{"id": "x", "choices": [{"mess')
        elif b.kind == "wrong_shape":
            await self._send_json(writer, 200, b'{"id": "x", "object": "surprise"}')
        elif streaming:
            events = self.stream_events(req, b)
            # Hang up after the first text delta: the client has seen part of the answer.
            cut = 3 if b.kind == "disconnect" else None
            await self._send_events(writer, events, hang_up_after=cut, gap=b.gap)
        elif b.gap:
            # Dribble the body: every read is quick, the whole response is not.
            body = json.dumps(self.message(req, b)).encode()
            head = self._head(
                200, [("content-type", "application/json"), ("content-length", str(len(body)))]
            )
            writer.write(head)
            step = len(body) // 4 + 1
            for i in range(0, len(body), step):
                await asyncio.sleep(b.gap)
                writer.write(body[i : i + step])
                await writer.drain()
        else:
            await self._send_json(writer, 200, json.dumps(self.message(req, b)).encode())

    # -- wire format, per provider ---------------------------------------------------------

    def error_body(self, code: int) -> bytes:
        raise NotImplementedError

    def message(self, req: Received, b: Behaviour) -> dict[str, Any]:
        raise NotImplementedError

    def stream_events(self, req: Received, b: Behaviour) -> list[bytes]:
        raise NotImplementedError
