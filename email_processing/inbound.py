"""The email as the Apps Script pushes it: the old five fields plus our extended ones."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

GmailId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,128}$")]
ShortText = Annotated[str, StringConstraints(max_length=2000)]
MAX_LIST = 500


class Attachment(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: Annotated[str, StringConstraints(max_length=1000)] = ""
    size: int = Field(0, ge=0)
    content_type: Annotated[str, StringConstraints(max_length=255)] = ""
    # Set by Relais when it copied the attachment into R2 (Gmail API path), or why not.
    r2_url: Annotated[str, StringConstraints(max_length=4000)] | None = None
    r2_error: Annotated[str, StringConstraints(max_length=100)] | None = None


def _join_addresses(value: Any) -> Any:
    """`to`/`cc` arrive as Gmail's comma-separated string or as a list; keep one string."""
    if isinstance(value, list):
        if len(value) > MAX_LIST or not all(isinstance(v, str) for v in value):
            raise ValueError(f"expected a string or a list of at most {MAX_LIST} strings")
        return ", ".join(value)
    return value


class InboundEmail(BaseModel):
    """`POST /api/ingress/gmail` body. Unknown fields are ignored (older/newer scripts)."""

    model_config = ConfigDict(extra="ignore")

    # The original Apps Script's fields (docs/old-router.md, ingress request).
    subject: Annotated[str, StringConstraints(max_length=10_000)] = ""
    sender: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    date: ShortText = ""
    body: str = ""
    snippet: Annotated[str, StringConstraints(max_length=10_000)] = ""

    # Extended fields sent by Relais's own script.
    gmail_message_id: GmailId | None = None
    thread_id: GmailId | None = None
    message_id: Annotated[str, StringConstraints(max_length=998)] | None = None
    to: Annotated[str, StringConstraints(max_length=100_000)] | None = None
    cc: Annotated[str, StringConstraints(max_length=100_000)] | None = None
    reply_to: ShortText | None = None
    plain_body: str | None = None
    labels: list[Annotated[str, StringConstraints(max_length=255)]] = Field(
        default_factory=list, max_length=MAX_LIST
    )
    attachments: list[Attachment] = Field(default_factory=list, max_length=MAX_LIST)
    headers: dict[
        Annotated[str, StringConstraints(max_length=100)],
        Annotated[str, StringConstraints(max_length=10_000)],
    ] = Field(default_factory=dict, max_length=200)
    received_at: ShortText | None = None

    @field_validator("to", "cc", mode="before")
    @classmethod
    def _addresses(cls, value: Any) -> Any:
        return _join_addresses(value)

    @model_validator(mode="after")
    def _has_identity(self) -> InboundEmail:
        if not (self.gmail_message_id or (self.message_id or "").strip() or self.date):
            raise ValueError("one of gmail_message_id, message_id or date is required")
        return self
