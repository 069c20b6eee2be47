"""A real `tailored serve` subprocess for the HTTP benchmarks, the CPU it uses, and a light
keep-alive HTTP/1.1 client (asyncio streams: a tenth of httpx's CPU per request).

Shared by bench_cached_http.py and bench_load.py (not a test module; nothing here asserts).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Coroutine, Mapping
from pathlib import Path
from typing import Any, NoReturn

import httpx
from _common import ROOT, TEXTBOOK

CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (uvicorn --workers forks a supervisor's children)."""
    found = [pid]
    for current in found:
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except FileNotFoundError:
            continue
        for task in tasks:
            try:
                children = Path(f"/proc/{current}/task/{task}/children").read_text().split()
            except OSError:
                continue
            found.extend(int(c) for c in children)
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (all their threads) and of the children they
    waited for (e.g. the Apertium pipelines a translation runs), from /proc."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        # utime, stime, cutime, cstime (fields 14 to 17 in proc(5))
        total += sum(int(f) for f in fields[11:15])
    return total / CLK_TCK


def postgres_pids() -> list[int]:
    """Every PostgreSQL server process on this machine (backends, WAL writer, checkpointer)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                comm = Path(f"/proc/{entry}/comm").read_text().strip()
            except OSError:
                continue
            if comm == "postgres":
                pids.append(int(entry))
    return pids


class Server:
    """`tailored serve --content examples/textbook` on a free loopback port.

    Without `database_url` it serves SQLite from a file in its temporary folder
    (`sqlite_url`), which lives until `cleanup()`: read it after `terminate()`.
    """

    def __init__(
        self,
        workers: int,
        log_level: str,
        database_url: str | None,
        cache_url: str,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="tailored-bench-")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url or f"sqlite+aiosqlite:///{self.tmp.name}/bench.db"
        env = {
            **os.environ,
            "TAILORED_DATABASE_URL": self.database_url,
            "TAILORED_CACHE_URL": cache_url,
            # A fresh PostgreSQL database is migrated by the server itself.
            "TAILORED_AUTO_MIGRATE": "true",
            "TAILORED_ARGON2_TIME_COST": "1",
            "TAILORED_ARGON2_MEMORY_COST_KIB": "1024",
            "TAILORED_LOG_LEVEL": log_level,
            # Any other setting a benchmark needs, by its name (TAILORED_<NAME>).
            **{f"TAILORED_{k.upper()}": v for k, v in (settings or {}).items()},
        }
        env.pop("TAILORED_CONFIG_FILE", None)
        command = [
            str(ROOT / ".venv" / "bin" / "tailored"),
            "serve",
            "--content",
            str(TEXTBOOK),
            "--port",
            str(self.port),
            "--workers",
            str(workers),
        ]
        self.command = " ".join(command)
        self.log = Path(self.tmp.name) / "server.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                command,
                cwd=self.tmp.name,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    async def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.base) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited:\n{self.log.read_text()[-3000:]}")
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError(f"server not ready in {timeout}s:\n{self.log.read_text()[-3000:]}")

    def pids(self) -> list[int]:
        return process_tree(self.proc.pid)

    def terminate(self, timeout: float = 60.0) -> int | None:
        """SIGTERM, then wait for a graceful exit (the lifespan flushes the request recorder).

        Returns the exit status, or None when it had to be killed."""
        if self.proc.poll() is None:
            # Our own process group (start_new_session): the supervisor and its workers.
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
                return None
        return self.proc.returncode

    def cleanup(self) -> None:
        if os.environ.get("BENCH_KEEP_LOG"):
            Path(os.environ["BENCH_KEEP_LOG"]).write_bytes(self.log.read_bytes())
        self.tmp.cleanup()

    def stop(self) -> None:
        self.terminate(timeout=15)
        self.cleanup()

    def logged_errors(self) -> list[str]:
        """Each traceback in the server's log as 'message -> exception line'."""
        lines = self.log.read_text(errors="replace").splitlines()
        # A traceback's first line follows the log message that names what failed.
        return [
            f"{lines[i - 1].strip()} -> {_first_unindented(lines[i + 1 :])}"
            for i, line in enumerate(lines)
            if line.startswith("Traceback") and i > 0 and _is_message(lines[i - 1])
        ]


def summarize_errors(problems: list[str], limit: int = 5) -> str:
    """The number of tracebacks and the most frequent distinct ones, each with its count."""
    counted = Counter(problems).most_common(limit)
    return f"server log: {len(problems)} tracebacks" + "".join(
        f"\n  {n} x {line[:300]}" for line, n in counted
    )


def _is_message(line: str) -> bool:
    """A log message, not a blank line or the joint between two chained tracebacks."""
    return bool(line.strip()) and not line.startswith((" ", "The above", "During handling"))


def _first_unindented(lines: list[str]) -> str:
    return next((line for line in lines if not line.startswith(" ")), "")


# uvicorn closes an idle keep-alive connection after 5 s; reusing one it just closed would
# fail a request for the client's sake, not the server's.
IDLE_RECONNECT_S = 2.0


class Connection:
    """One learner's keep-alive HTTP/1.1 connection; bodies by Content-Length or chunked."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.head = f"host: 127.0.0.1:{port}\r\nauthorization: Bearer {token}\r\n"
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self.last_used = 0.0

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        if self.streams is None or time.monotonic() - self.last_used > IDLE_RECONNECT_S:
            self.close()
            self.streams = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self.streams
        kind = "content-type: application/json\r\n" if body else ""
        start = f"{method} {path} HTTP/1.1\r\n{self.head}{kind}content-length: {len(body)}\r\n\r\n"
        writer.write(start.encode() + body)
        try:
            status, payload, closing = await _read_response(reader)
        except BaseException:
            self.close()
            raise
        self.last_used = time.monotonic()
        # After an unhandled exception uvicorn closes the connection once the 500 is sent,
        # without `connection: close`: the next request on it would be reset.
        if closing or status >= 500:
            self.close()
        return status, payload

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, chunked, closing = 0, False, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value
        elif name == b"connection":
            closing = value == b"close"
    if not chunked:
        return status, await reader.readexactly(length), closing
    parts = []
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
    await reader.readuntil(b"\r\n")  # the empty trailer section
    return status, b"".join(parts), closing


def run_load_generator(main: Coroutine[Any, Any, int]) -> NoReturn:
    """Run a benchmark's `main` and exit with its status; uvloop when installed keeps the load
    generator's own CPU use down (it shares the cores with the server)."""
    try:
        import uvloop
    except ImportError:
        sys.exit(asyncio.run(main))
    sys.exit(uvloop.run(main))
