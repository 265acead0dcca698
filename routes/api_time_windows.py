"""GET/PUT /api/time_windows: time zone, sending window, absence days, per-target windows."""

from routes.api_documents import document_blueprint
from services.documents.time_windows import TimeWindows

bp = document_blueprint(
    "time_windows",
    "time_windows",
    lambda s: s.documents.windows,
    TimeWindows,
    extra=lambda s: {"status": s.documents.windows.status()},
)
