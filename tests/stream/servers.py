"""A broker of the test's own (redis-server, nats-server) on a free loopback port, with its
data on disk, so a test can stop and restart it without touching the shared services."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.services import _required


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class OwnServer:
    def __init__(self, kind: str, data_dir: Path) -> None:
        binary = {"redis": "redis-server", "nats": "nats-server"}[kind]
        if shutil.which(binary) is None:
            if _required():
                pytest.fail(f"{binary} is not installed", pytrace=False)
            pytest.skip(f"{binary} is not installed")
        self.kind = kind
        self.port = free_port()
        self.data_dir = data_dir
        self.proc: subprocess.Popen[bytes] | None = None
        if kind == "redis":
            self.args = [
                binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "yes", "--appendfsync", "always", "--dir", str(data_dir),
            ]  # fmt: skip
        else:
            self.args = [
                binary,
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-sd",
                str(data_dir),
            ]

    @property
    def url(self) -> str:
        return f"{self.kind}://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            self.args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.args[0]} did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None
