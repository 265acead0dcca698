"""GET/PUT /api/preferences: the processing preferences."""

from preferences import ProcessingPreferences
from routes.api_documents import document_blueprint

bp = document_blueprint(
    "processing_prefs", "preferences", lambda s: s.documents.preferences, ProcessingPreferences
)
