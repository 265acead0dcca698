"""gunicorn settings for Relais, all derived from the validated settings.

- The embedded Redis (no REDIS_URL) is started by the master, so every worker shares it,
  and stopped by the master after the workers have drained.
- Delivery threads start in each worker after fork (post_worker_init), never at import.
- SIGTERM: our handler only tells the delivery threads to stop claiming, then calls
  gunicorn's own handler; the worker drains them on exit within the grace period.
"""

from __future__ import annotations

import signal
import sys

from config import embedded_redis
from config.settings import SettingsError, load_settings

try:
    _settings = load_settings()
except SettingsError as exc:
    sys.exit(f"relais: {exc}")

wsgi_app = "app_render:create_app()"
bind = f"0.0.0.0:{_settings.port}"
workers = _settings.web_concurrency
worker_class = "gthread"
threads = _settings.web_threads
# Render waits 30 s after SIGTERM by default: drain deliveries, then requests, within it.
graceful_timeout = int(_settings.shutdown_grace_seconds) + 5
timeout = 60
keepalive = 5
accesslog = None
errorlog = "-"
loglevel = _settings.log_level.lower()
forwarded_allow_ips = "*"


def on_starting(server):
    if not _settings.redis_url:
        url = embedded_redis.ensure_running(_settings.data_dir)
        server.log.info("embedded Redis at %s (data in %s)", url, _settings.data_dir.resolve())


def post_worker_init(worker):
    pool = worker.wsgi.extensions["relais"].workers
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum, frame):
        pool.begin_stop()
        if callable(previous):
            previous(signum, frame)

    signal.signal(signal.SIGTERM, on_term)
    pool.start()


def worker_exit(server, worker):
    app = getattr(worker, "wsgi", None)
    if app is not None and "relais" in getattr(app, "extensions", {}):
        app.extensions["relais"].close()


def on_exit(server):
    embedded_redis.stop_owned()
