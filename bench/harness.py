"""Processes a benchmark needs: Relais under gunicorn, the sink, the floor app; RSS readings."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

ROOT = Path(__file__).resolve().parent.parent
BENCH_TOKEN = "bench-ingress-token-0123456789"  # noqa: S105 - a local benchmark's token
BENCH_WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _exe(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None


def workers_of(pid: int) -> list[int]:
    """A gunicorn master's workers: its children running the same program. The embedded Redis
    server, which the master starts when REDIS_URL is unset, is a child too but not a worker."""
    exe = _exe(pid)
    return [child for child in children(pid) if exe is not None and _exe(child) == exe]


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def cpu_s(pid: int) -> float | None:
    """User and system CPU seconds a process has used so far (None once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def redis_pid(url: str | None) -> int | None:
    """The process of the Redis at `url` when it runs on this machine (its INFO says which)."""
    if not url:
        return None
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "unix" and parts.hostname not in LOCAL_HOSTS:
        return None
    client = redis.Redis.from_url(url, socket_timeout=2)
    try:
        pid = int(client.info("server")["process_id"])
    except (redis.RedisError, OSError, KeyError, ValueError):
        return None
    finally:
        client.close()
    return pid if Path(f"/proc/{pid}").exists() else None


class CpuMeter:
    """CPU time spent during a run by the server (master and workers), the Redis it uses (its
    embedded one, or one at a local URL), the sink, and this process (the load generator):
    divided by the requests answered, where each request's cost goes."""

    def __init__(self, server: Server, redis_url: str | None = None, sink: Sink | None = None):
        self.server = server
        self.redis_url = redis_url
        self.sink = sink
        self.used: dict[str, float] = {}
        self._start: dict[int, float] = {}
        self._own = 0.0

    def groups(self) -> dict[str, list[int]]:
        """Process ids by role, read now (a worker restarted during the run is found at the end)."""
        assert self.server.proc is not None
        master = self.server.proc.pid
        workers = workers_of(master)
        found: dict[str, list[int]] = {"server": [master, *workers]}
        embedded = [pid for pid in children(master) if pid not in workers]
        local = redis_pid(self.redis_url)
        redis_pids = embedded or ([local] if local else [])
        if redis_pids:
            found["redis"] = redis_pids
        if self.sink is not None and self.sink.proc is not None:
            found["sink"] = [self.sink.proc.pid]
        return found

    def __enter__(self) -> CpuMeter:
        for pids in self.groups().values():
            for pid in pids:
                self._start[pid] = cpu_s(pid) or 0.0
        self._own = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        own = time.process_time() - self._own
        for role, pids in self.groups().items():
            self.used[role] = sum((cpu_s(pid) or 0.0) - self._start.get(pid, 0.0) for pid in pids)
        self.used["load_generator"] = own

    def per_request_ms(self, requests: int) -> dict[str, float]:
        """Milliseconds of CPU per answered request, by role, and their total."""
        if requests <= 0:
            return {}
        shares = {role: round(s * 1000 / requests, 3) for role, s in self.used.items()}
        shares["total"] = round(sum(self.used.values()) * 1000 / requests, 3)
        return shares


def wait_http(url: str, timeout: float = 30, any_status: bool = False) -> None:
    """Until `url` answers 200 (or anything at all, with `any_status`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return
        except urllib.error.HTTPError:
            if any_status:
                return
            time.sleep(0.1)
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer 200 within {timeout}s")


@dataclass
class Sink:
    """bench/sink_server.py in its own process."""

    delay_ms: float = 0.0
    proc: subprocess.Popen[bytes] | None = None
    port: int = 0

    def start(self) -> Sink:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "bench" / "sink_server.py"),
                "--delay-ms",
                str(self.delay_ms),
            ],
            stdout=subprocess.PIPE,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode()
        self.port = int(line.split()[1])
        return self

    @property
    def hook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def records(self) -> list[tuple[float, str, float]]:
        url = f"http://127.0.0.1:{self.port}/stats"
        with urllib.request.urlopen(url, timeout=30) as resp:
            return [tuple(r) for r in json.loads(resp.read())["records"]]

    def wait_for(
        self, expected: int, timeout: float, poll: float = 0.2
    ) -> list[tuple[float, str, float]]:
        """The records once there are ``expected`` of them, or whatever came by the timeout."""
        deadline = time.monotonic() + timeout
        records = self.records()
        while len(records) < expected and time.monotonic() < deadline:
            time.sleep(poll)
            records = self.records()
        return records

    def reset(self) -> None:
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/reset", method="POST", data=b"")
        urllib.request.urlopen(req, timeout=5).close()

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(10)


@dataclass
class Server:
    """A gunicorn server (Relais or the floor app) in its own process group."""

    env: dict[str, str]
    args: list[str]
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    ready_after: float = 0.0

    def start(self, ready_path: str, any_status: bool = False) -> Server:
        env = {**os.environ, **self.env, "PORT": str(self.port), "PYTHONPATH": str(ROOT)}
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *self.args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_http(f"http://127.0.0.1:{self.port}{ready_path}", any_status=any_status)
        self.ready_after = time.monotonic() - self.started_at
        return self

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def rss(self) -> dict[str, Any]:
        assert self.proc is not None
        workers = workers_of(self.proc.pid)
        return {
            "master_mb": rss_mb(self.proc.pid),
            "workers_mb": [rss_mb(pid) for pid in workers if rss_mb(pid) is not None],
        }

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def relais_server(redis_url: str | None, data_dir: Path, sink_url: str, **extra: str) -> Server:
    env = {
        "RELAIS_ENV": "development",
        "DATA_DIR": str(data_dir),
        "PROCESS_API_TOKEN": BENCH_TOKEN,
        "WEBHOOK_URL": sink_url,
        "WEBHOOK_SECRET": BENCH_WHSEC,
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    return Server(env, ["-c", "gunicorn.conf.py"])


def floor_server(redis_url: str, workers: int, threads: int) -> Server:
    port = free_port()
    # An empty config: gunicorn would otherwise load Relais's gunicorn.conf.py from the cwd.
    args = ["-c", "/dev/null", "-k", "gthread", "-w", str(workers), "--threads", str(threads)]
    args += ["-b", f"127.0.0.1:{port}", "bench.floor_app:create_app()"]
    return Server({"REDIS_URL": redis_url}, args, port=port)


class RssSampler:
    """Peak RSS of a server's processes while a load runs (a thread polling /proc)."""

    def __init__(self, server: Server, interval: float = 0.25) -> None:
        """Sample `server` every `interval` seconds between __enter__ and __exit__."""
        self.server = server
        self.interval = interval
        self.peak: dict[int, float] = {}
        self.workers: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        """Read every process once; keep the highest reading per pid."""
        assert self.server.proc is not None
        master = self.server.proc.pid
        workers = workers_of(master)
        self.workers.update(workers)
        for pid in [master, *workers]:
            mb = rss_mb(pid)
            if mb is not None:
                self.peak[pid] = max(mb, self.peak.get(pid, 0.0))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def report(self) -> dict[str, Any]:
        """Peak MB of the master and of each worker (workers sorted, largest last)."""
        assert self.server.proc is not None
        master = self.server.proc.pid
        workers = sorted(mb for pid, mb in self.peak.items() if pid in self.workers)
        return {"master_mb": self.peak.get(master), "workers_mb": workers}
