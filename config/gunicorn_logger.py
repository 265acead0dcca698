"""gunicorn's logger with a cheaper access line (gunicorn.conf.py: `logger_class`).

gunicorn builds each access line from `atoms()`: the time formatted by strftime, and a copy
of every request header, response header and WSGI environment variable, for a format
string. Relais's access line (config/log.py, AccessFormatter) reads eight of them; building
only those took the access log from about 8 % of a worker's CPU under load to well under
1 % (py-spy, `python -m bench.flame`).
"""

from __future__ import annotations

import datetime
import traceback
from typing import Any

from gunicorn import glogging

REQUEST_ID = "x-request-id"


def _request_id(headers: Any) -> str | None:
    for name, value in headers:
        if name.lower() == REQUEST_ID:
            return str(value)
    return None


class AccessLogger(glogging.Logger):
    def access(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: datetime.timedelta
    ) -> None:
        """One access line with the atoms AccessFormatter writes (names as gunicorn's)."""
        if not self.access_log_enabled:
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        atoms = {
            "h": environ.get("REMOTE_ADDR", "-"),
            "m": environ.get("REQUEST_METHOD"),
            "U": environ.get("PATH_INFO"),
            "s": status,
            "B": getattr(resp, "sent", None),
            "D": request_time.seconds * 1_000_000 + request_time.microseconds,
            "a": environ.get("HTTP_USER_AGENT", "-"),
            "{x-request-id}o": _request_id(resp.headers),
        }
        try:
            self.access_log.info(self.cfg.access_log_format, atoms)
        except Exception:
            self.error(traceback.format_exc())
