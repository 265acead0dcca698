"""The Gmail REST calls Relais makes, with Google's own library for the tokens.

Access tokens come from a mailbox's refresh token through google-auth's `Credentials`
(refreshed when expired, kept in memory per mailbox). A revoked or expired grant
(`invalid_grant`) is `GrantRevoked`; a history id Google no longer has is `HistoryGone`;
a throttle or a Google outage is `GoogleUnavailable` (the sync tries again later).
Addresses come from settings (GOOGLE_API_ROOT, GOOGLE_TOKEN_URI), so tests point them at
loopback fakes.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import urllib3

if TYPE_CHECKING:
    from google.oauth2.credentials import Credentials

# google-auth is imported where it is first used: it costs a worker ~0.1 s at start, and
# most deployments never call Gmail.

READONLY = "https://www.googleapis.com/auth/gmail.readonly"
MODIFY = "https://www.googleapis.com/auth/gmail.modify"
MAX_RAW_BYTES = 50 * 1024 * 1024  # Gmail's own message size limit is 25 MB (50 with base64)


class GoogleError(Exception):
    """Google answered an error; `status` and Google's `reason` (never a token)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"Google answered {status} ({reason})")
        self.status = status
        self.reason = reason


class GrantRevoked(GoogleError):
    """The refresh token was revoked or expired: the mailbox must be reconnected."""


class HistoryGone(GoogleError):
    """The start history id is older than what Gmail keeps: a full sync is needed."""


class GoogleUnavailable(GoogleError):
    """Throttled, a Google outage or no answer: try again later."""


@dataclass(frozen=True)
class OAuthClient:
    client_id: str
    client_secret: str
    token_uri: str


@dataclass(frozen=True)
class MessageRef:
    id: str
    thread_id: str = ""


@dataclass(frozen=True)
class HistoryPage:
    added: list[MessageRef]  # messages added to one of the watched labels, in order
    last_record: str  # the id of the page's last history record ("" when none)
    history_id: str  # the mailbox's history id when this page was read
    next_page: str | None


@dataclass(frozen=True)
class RawMessage:
    id: str
    thread_id: str
    label_ids: list[str]
    internal_date_ms: int | None
    history_id: str
    snippet: str
    raw: bytes


class GmailApi:
    """Gmail REST calls for one mailbox at a time (`address` selects the credentials)."""

    def __init__(self, api_root: str, client: OAuthClient | None, timeout: float = 30.0) -> None:
        self._root = api_root.rstrip("/")
        self._client = client
        self._http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5.0, read=timeout), retries=False, maxsize=4
        )
        self._credentials: dict[str, Credentials] = {}
        self._lock = threading.Lock()

    @property
    def has_client(self) -> bool:
        return self._client is not None

    def close(self) -> None:
        self._http.clear()

    # -- tokens -----------------------------------------------------------------------------

    def use(self, address: str, refresh_token: str) -> None:
        """Set the refresh token of a mailbox (kept in memory; access tokens refreshed with
        the scopes the grant has)."""
        if self._client is None:
            raise GrantRevoked(0, "no OAuth client (GMAIL_CLIENT_ID / GMAIL_CLIENT_SECRET)")
        with self._lock:
            known = self._credentials.get(address)
            if known is not None and known.refresh_token == refresh_token:
                return
            from google.oauth2.credentials import Credentials

            self._credentials[address] = Credentials(
                token=None,
                refresh_token=refresh_token,
                token_uri=self._client.token_uri,
                client_id=self._client.client_id,
                client_secret=self._client.client_secret,
            )

    def forget(self, address: str) -> None:
        with self._lock:
            self._credentials.pop(address, None)

    def _access_token(self, address: str, force: bool = False) -> str:
        with self._lock:
            creds = self._credentials.get(address)
            if creds is None:
                raise GrantRevoked(0, "mailbox not loaded")
            if force or not creds.valid:
                self._refresh(creds)
            return str(creds.token)

    def _refresh(self, creds: Credentials) -> None:
        import google.auth.exceptions
        import google.auth.transport.urllib3

        try:
            creds.refresh(google.auth.transport.urllib3.Request(self._http))
        except google.auth.exceptions.RefreshError as exc:
            if "invalid_grant" in str(exc) or "invalid_client" in str(exc):
                raise GrantRevoked(400, _grant_reason(exc)) from None
            raise GoogleUnavailable(0, "token refresh failed") from None
        except google.auth.exceptions.TransportError:
            raise GoogleUnavailable(0, "token endpoint unreachable") from None

    # -- calls ------------------------------------------------------------------------------

    def _call(
        self,
        address: str,
        method: str,
        path: str,
        query: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        url = f"{self._root}/gmail/v1/users/me/{path}"
        if query:
            url += "?" + urlencode({k: v for k, v in query.items() if v is not None}, doseq=True)
        for attempt in (0, 1):
            token = self._access_token(address, force=attempt == 1)
            resp = self._send(method, url, token, body)
            if resp.status != 401:
                break
        return _decoded(resp, path)

    def _send(
        self, method: str, url: str, token: str, body: dict[str, Any] | None
    ) -> urllib3.BaseHTTPResponse:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            return self._http.request(method, url, body=data, headers=headers)
        except urllib3.exceptions.HTTPError:
            raise GoogleUnavailable(0, "Gmail API unreachable") from None

    def profile(self, address: str) -> dict[str, Any]:
        return self._call(address, "GET", "profile")

    def watch(self, address: str, topic: str, labels: Sequence[str]) -> dict[str, Any]:
        body = {"topicName": topic, "labelIds": list(labels), "labelFilterBehavior": "include"}
        return self._call(address, "POST", "watch", body=body)

    def stop(self, address: str) -> None:
        self._call(address, "POST", "stop", body={})

    def history(
        self, address: str, start: str, labels: Sequence[str], page: str | None = None
    ) -> HistoryPage:
        """One page of the mailbox's history after `start`: the messages added with one of
        `labels` (all messages when empty)."""
        query = {
            "startHistoryId": start,
            "historyTypes": "messageAdded",
            "labelId": labels[0] if len(labels) == 1 else None,
            "pageToken": page,
            "maxResults": 500,
        }
        doc = self._call(address, "GET", "history", query)
        wanted = set(labels)
        added: list[MessageRef] = []
        last = ""
        for record in doc.get("history", []):
            last = str(record.get("id", last))
            for item in record.get("messagesAdded", []):
                msg = item.get("message", {})
                tagged = set(msg.get("labelIds", []))
                if msg.get("id") and (not wanted or wanted & tagged):
                    added.append(MessageRef(str(msg["id"]), str(msg.get("threadId", ""))))
        current = str(doc.get("historyId", start))
        return HistoryPage(added, last, current, doc.get("nextPageToken"))

    def list_messages(
        self, address: str, after_epoch: int, label: str | None, limit: int
    ) -> Iterator[MessageRef]:
        """Messages received after `after_epoch` (newest first), at most `limit`."""
        page: str | None = None
        seen = 0
        while seen < limit:
            query = {
                "q": f"after:{after_epoch}",
                "labelIds": label,
                "pageToken": page,
                "maxResults": min(500, limit - seen),
            }
            doc = self._call(address, "GET", "messages", query)
            for msg in doc.get("messages", []):
                seen += 1
                yield MessageRef(str(msg["id"]), str(msg.get("threadId", "")))
            page = doc.get("nextPageToken")
            if not page:
                return

    def message(self, address: str, message_id: str) -> RawMessage:
        doc = self._call(
            address, "GET", f"messages/{quote(message_id, safe='')}", {"format": "raw"}
        )
        raw = str(doc.get("raw", ""))
        if len(raw) > MAX_RAW_BYTES:
            raise GoogleError(413, "message larger than Gmail allows")
        internal = doc.get("internalDate")
        return RawMessage(
            id=str(doc.get("id", message_id)),
            thread_id=str(doc.get("threadId", "")),
            label_ids=[str(x) for x in doc.get("labelIds", [])],
            internal_date_ms=int(internal) if internal is not None else None,
            history_id=str(doc.get("historyId", "")),
            snippet=str(doc.get("snippet", "")),
            raw=base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)),
        )

    def attachment(self, address: str, message_id: str, attachment_id: str) -> bytes:
        path = f"messages/{quote(message_id, safe='')}/attachments/{quote(attachment_id, safe='')}"
        data = str(self._call(address, "GET", path).get("data", ""))
        return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))

    def labels(self, address: str) -> dict[str, tuple[str, str]]:
        """The mailbox's labels: id -> (name, type: system or user)."""
        found = self._call(address, "GET", "labels").get("labels", [])
        return {str(x["id"]): (str(x.get("name", "")), str(x.get("type", ""))) for x in found}

    def label_id(self, address: str, name: str) -> str:
        """The id of the user label `name`, created when missing."""
        for label_id, (label_name, _) in self.labels(address).items():
            if label_name == name:
                return label_id
        return str(self._call(address, "POST", "labels", body={"name": name})["id"])

    def add_label(self, address: str, message_id: str, label_id: str) -> None:
        path = f"messages/{quote(message_id, safe='')}/modify"
        self._call(address, "POST", path, body={"addLabelIds": [label_id]})


def _grant_reason(exc: Exception) -> str:
    text = str(exc)
    return "invalid_grant" if "invalid_grant" in text else "invalid_client"


def _decoded(resp: urllib3.BaseHTTPResponse, path: str) -> dict[str, Any]:
    """The answer's JSON object, or the error it means."""
    doc = _json(resp.data)
    if resp.status < 300:
        return doc
    raise _error(resp.status, path, _reason(doc))


def _json(data: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(data) if data else {}
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


ERRORS: dict[int, type[GoogleError]] = {
    401: GrantRevoked,
    429: GoogleUnavailable,
    500: GoogleUnavailable,
    502: GoogleUnavailable,
    503: GoogleUnavailable,
    504: GoogleUnavailable,
}


def _error(status: int, path: str, reason: str) -> GoogleError:
    if status == 404 and path == "history":
        return HistoryGone(status, reason)
    return ERRORS.get(status, GoogleError)(status, reason)


def _reason(doc: Any) -> str:
    error = doc.get("error") if isinstance(doc, dict) else None
    if isinstance(error, dict):
        return str(error.get("status") or error.get("message") or "error")[:200]
    return str(error or "error")[:200]
