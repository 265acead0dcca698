"""The release version, sent in User-Agent and shown by /health (kept equal to pyproject's)."""

VERSION = "0.1.0"
