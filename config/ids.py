"""Identifier formats shared by every layer (the one definition of each)."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

TARGET_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
TargetId = Annotated[str, StringConstraints(pattern=TARGET_ID_PATTERN)]
"""A webhook target's id: lower-case letters, digits, `_` and `-`, at most 64 characters."""
