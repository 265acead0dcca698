"""gunicorn settings for Relais, all derived from the validated settings.

- The embedded Redis (no REDIS_URL) is started by the master, so every worker shares it,
  and stopped by the master after the workers have drained.
- Delivery threads start in each worker after fork (post_worker_init), never at import.
- SIGTERM: our handler only tells the delivery threads to stop claiming, then calls
  gunicorn's own handler; the worker drains them on exit within the grace period.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from typing import Any

from config import embedded_redis
from config.local_secrets import complete_secrets
from config.log import gunicorn_logconfig, init_logging
from config.malloc_arenas import cap_arenas
from config.redis_conn import connect
from config.settings import SettingsError, load_settings
from config.startup_checks import StartupError, check_data_dir, check_eviction_policy

try:
    _settings = load_settings()
    init_logging(_settings)  # the master's own lines (generated secrets...) are JSON too
    check_data_dir(_settings.data_dir)
    complete_secrets(_settings)  # production: refuse without secrets, before any worker boots
except (SettingsError, StartupError) as exc:
    sys.exit(f"relais: {exc}")

cap_arenas()  # before any worker forks: each inherits it (config/malloc_arenas.py)

# Metrics of every worker are summed from files in this directory (prometheus-client's
# multiprocess mode); it must exist, empty, before any worker imports prometheus_client.
_metrics_dir = _settings.data_dir.resolve() / "prometheus"
shutil.rmtree(_metrics_dir, ignore_errors=True)
_metrics_dir.mkdir(parents=True, exist_ok=True)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_dir)

wsgi_app = "app_render:create_app()"
bind = f"{_settings.bind_host}:{_settings.port}"
workers = _settings.web_concurrency
# gthread, reading each request whole in its event loop first: slow clients hold no thread.
worker_class = "config.gunicorn_worker.BufferingThreadWorker"
threads = _settings.web_threads
# Render waits 30 s after SIGTERM by default: drain deliveries, then requests, within it.
graceful_timeout = int(_settings.shutdown_grace_seconds) + 5
timeout = 60
keepalive = 5
# gunicorn's error and access lines as JSON, like the app's (config/log.py).
accesslog = "-" if _settings.access_log else None
errorlog = "-"
loglevel = _settings.log_level.lower()
logconfig_dict = gunicorn_logconfig(_settings.log_level, _settings.access_log)
logger_class = "config.gunicorn_logger.AccessLogger"  # only the atoms the access line uses
# Forwarded headers are the app's to read (ProxyFix, TRUSTED_PROXIES hops): gunicorn trusts
# no peer for them, so a client cannot set the scheme (HSTS, https links) or SCRIPT_NAME.
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}


def on_starting(server: Any) -> None:
    url = _settings.redis_url
    if not url:
        url = embedded_redis.ensure_running(_settings.data_dir)
        server.log.info("embedded Redis at %s (data in %s)", url, _settings.data_dir.resolve())
    client = connect(_settings, url)
    try:
        check_eviction_policy(client)
    except StartupError as exc:
        sys.exit(f"relais: {exc}")
    finally:
        client.close()


def post_worker_init(worker: Any) -> None:
    pool = worker.wsgi.extensions["relais"].delivery.start_workers()
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum: int, frame: Any) -> None:
        pool.begin_stop()
        if callable(previous):
            previous(signum, frame)

    signal.signal(signal.SIGTERM, on_term)


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def worker_exit(server: Any, worker: Any) -> None:
    app = getattr(worker, "wsgi", None)
    if app is not None and "relais" in getattr(app, "extensions", {}):
        app.extensions["relais"].close()


def on_exit(server: Any) -> None:
    embedded_redis.stop_owned()
