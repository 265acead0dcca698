"""GET/PUT /api/runtime_flags: switches an operator flips without a deploy."""

from routes.api_documents import document_blueprint
from services.documents.runtime_flags import RuntimeFlags

bp = document_blueprint("runtime_flags", "runtime_flags", lambda s: s.documents.flags, RuntimeFlags)
