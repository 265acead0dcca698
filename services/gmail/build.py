"""The Gmail facade: connect and disconnect mailboxes, take Pub/Sub pushes, sync them.

Routes call only this. Built from settings: the OAuth client (GMAIL_CLIENT_ID/SECRET),
the watch (GMAIL_PUBSUB_TOPIC, GMAIL_WATCH_LABELS), the push's identity (PUBSUB_AUDIENCE,
PUBSUB_SERVICE_ACCOUNT), and Google's addresses (GOOGLE_*), which tests point at fakes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import redis

from config.keys import Keys
from config.settings import Settings
from services.access.audit import AuditLog
from services.delivery.build import Delivery
from services.delivery.fsync import FsyncWait, wait_budget_ms
from services.errors import Conflict, NotFound, ServiceError
from services.gmail.google import GmailApi, GoogleError, OAuthClient
from services.gmail.mailboxes import Mailbox, MailboxState, MailboxStore
from services.gmail.oauth import ConsentConfig, ConsentFlow, ConsentRefused
from services.gmail.push import GoogleCerts, Notification, PushRefused, PushVerifier, parse_push
from services.gmail.runner import SyncRunner
from services.gmail.sync import MailboxSync, SyncConfig, SyncReport, fingerprint
from services.gmail.tokens import TokenBox
from services.metrics import Metrics
from services.offload.service import R2TransferService

logger = logging.getLogger(__name__)

__all__ = [
    "ConsentRefused",
    "Gmail",
    "GmailCallFailed",
    "GmailNotConfigured",
    "MailboxNeedsReconnect",
    "PushRefused",
    "build",
]

CONSENT_PROFILE = "consent:"  # credentials slot of a mailbox being connected


class GmailNotConfigured(Conflict):
    """This deployment cannot call Gmail for what was asked (the message names the settings)."""

    code = "gmail_not_configured"


class MailboxNeedsReconnect(Conflict):
    """The mailbox's grant is gone: Relais does not call Google for it until it is connected
    again."""

    code = "needs_reconnect"


class GmailCallFailed(ServiceError):
    """Google refused or failed what was asked (its reason in the message, never a token)."""

    http_status = 502
    code = "gmail_error"


@dataclass
class Gmail:
    settings: Settings
    store: MailboxStore
    api: GmailApi
    tokens: TokenBox
    consent: ConsentFlow
    verifier: PushVerifier
    sync: MailboxSync
    runner: SyncRunner
    audit: AuditLog
    metrics: Metrics
    clock: Callable[[], float]

    # -- seeing -----------------------------------------------------------------------------

    def mailboxes(self) -> list[dict[str, Any]]:
        now, fallback = self.clock(), self.settings.gmail_poll_fallback_seconds
        return [m.to_api(now, fallback) for m in self.store.all()]

    def mailbox(self, address: str) -> dict[str, Any]:
        found = self.store.get(address.lower())
        if found is None:
            raise NotFound("no such mailbox")
        return found.to_api(self.clock(), self.settings.gmail_poll_fallback_seconds)

    def setup(self) -> dict[str, Any]:
        """What is configured (for the Mailboxes screen's first-run help); no secrets."""
        s = self.settings
        return {
            "oauth_client": s.gmail_oauth_configured,
            "encryption_key": self.tokens.usable,
            "topic": s.gmail_pubsub_topic,
            "labels": list(s.gmail_watch_labels),
            "push_auth": self.verifier.configured,
            "push_audience": s.pubsub_audience,
            "poll_fallback_seconds": s.gmail_poll_fallback_seconds,
            "label_processed": s.gmail_label_processed,
        }

    # -- connecting -------------------------------------------------------------------------

    def start_consent(self, session_hash: str, redirect_uri: str, login_hint: str = "") -> str:
        self.tokens.require()  # a grant could not be stored without the key
        return self.consent.start(session_hash, redirect_uri, login_hint)

    def finish_consent(
        self, session_hash: str, state: str, code: str, actor: str
    ) -> dict[str, Any]:
        grant = self.consent.finish(session_hash, state, code)
        slot = CONSENT_PROFILE + fingerprint(grant.refresh_token)
        try:
            self.api.use(slot, grant.refresh_token)
            address = str(self.api.profile(slot).get("emailAddress", "")).lower()
        except GoogleError as exc:
            raise ConsentRefused(
                f"Gmail could not be read with this grant ({exc.reason})"
            ) from None
        finally:
            self.api.forget(slot)
        if not address:
            raise ConsentRefused("Gmail did not say which address was connected")
        self._connect(address, grant.refresh_token, "oauth", grant.scope)
        self.audit.record(actor, "gmail_connect", f"mailbox:{address}")
        return self.mailbox(address)

    def connect_from_env(self) -> None:
        """GMAIL_ADDRESS + GMAIL_REFRESH_TOKEN: connect (or keep) that mailbox."""
        s = self.settings
        if not (s.gmail_address and s.gmail_refresh_token and self.tokens.usable):
            return
        address, token = s.gmail_address.lower(), s.gmail_refresh_token.get_secret_value()
        known = self.store.get(address)
        if known is not None and known.token_fingerprint == fingerprint(token):
            return  # the same grant: keep its state and history
        self._connect(address, token, "env", "")
        logger.info("gmail mailbox %s connected from the environment", address)

    def _connect(self, address: str, token: str, source: str, scope: str) -> None:
        known = self.store.get(address)
        mailbox = Mailbox(
            address=address,
            state=MailboxState.CONNECTED,
            source=source,
            sealed_token=self.tokens.seal(token),
            token_fingerprint=fingerprint(token),
            scope=scope,
            # Reconnecting keeps the place in the history: nothing received meanwhile is lost.
            history_id=known.history_id if known else "",
            connected_at=self.clock(),
            last_sync_ok_at=known.last_sync_ok_at if known else None,
            admitted=known.admitted if known else 0,
        )
        self.api.forget(address)
        self.store.save(mailbox)

    def disconnect(self, address: str, actor: str) -> None:
        address = address.lower()
        mailbox = self.store.get(address)
        if mailbox is None:
            raise NotFound("no such mailbox")
        if mailbox.state == MailboxState.CONNECTED and self.settings.gmail_pubsub_topic:
            try:
                self.api.use(address, self.tokens.open(mailbox.sealed_token))
                self.api.stop(address)
            except Exception as exc:  # the mailbox goes anyway; Google ends the watch in 7 days
                logger.warning("gmail %s: users.stop failed: %s", address, type(exc).__name__)
        self.api.forget(address)
        self.store.remove(address)
        self.audit.record(actor, "gmail_disconnect", f"mailbox:{address}")

    def require_reader(self) -> None:
        """GmailNotConfigured unless this process can read mailboxes (OAuth client and key)."""
        missing = []
        if not self.api.has_client:
            missing.append("GMAIL_CLIENT_ID and GMAIL_CLIENT_SECRET")
        if not self.tokens.usable:
            missing.append("RELAIS_ENCRYPTION_KEY")
        if missing:
            raise GmailNotConfigured(f"Gmail is not configured: set {' and '.join(missing)}")

    def require_watch(self) -> None:
        """GmailNotConfigured unless this process can read mailboxes and watch them."""
        self.require_reader()
        if not self.settings.gmail_pubsub_topic:
            raise GmailNotConfigured(
                "GMAIL_PUBSUB_TOPIC is not set: there is no watch (mailboxes are read every "
                "GMAIL_POLL_FALLBACK_SECONDS)"
            )

    def _connected(self, address: str) -> Mailbox:
        found = self.store.get(address)
        if found is None:
            raise NotFound("no such mailbox")
        if found.state != MailboxState.CONNECTED:
            why = f" ({found.last_error})" if found.last_error else ""
            raise MailboxNeedsReconnect(
                f"{address} must be connected again (dashboard, Mailboxes, Connect Gmail){why}"
            )
        return found

    def sync_soon(self, address: str, actor: str) -> None:
        """ "Sync now": the sync thread takes it at once."""
        if self.store.get(address.lower()) is None:
            raise NotFound("no such mailbox")
        self.store.make_due(address.lower())
        self.audit.record(actor, "gmail_sync", f"mailbox:{address.lower()}")

    # -- receiving --------------------------------------------------------------------------

    def receive_push(self, authorization: str | None, body: Mapping[str, Any]) -> str:
        """A Pub/Sub push: verified, then recorded durably. `recorded` or `unknown_mailbox`
        (acknowledged too: Pub/Sub would retry it for days). PushRefused / ValueError for a
        push to refuse, CertsUnavailable / Unavailable when it must be retried."""
        self.verifier.verify(authorization)
        note: Notification = parse_push(body)
        if self.store.notify(note.address, note.history_id):
            self.metrics.gmail_notifications.labels("recorded").inc()
            return "recorded"
        self.metrics.gmail_notifications.labels("unknown_mailbox").inc()
        logger.warning("pubsub push for a mailbox that is not connected (acknowledged)")
        return "unknown_mailbox"

    def sync_now(self, address: str, actor: str) -> SyncReport | None:
        """Sync the mailbox now in this thread (the operator command's way), audited. None when
        another process is syncing it: it is then due again as soon as that sync ends."""
        self.require_reader()
        address = address.lower()
        self._connected(address)
        self.audit.record(actor, "gmail_sync", f"mailbox:{address}")
        report = self.runner.sync_now(address)
        if report is None:
            self.store.make_due(address)
        return report

    def renew_watch(self, address: str, actor: str) -> dict[str, Any]:
        """`users.watch` now for a connected mailbox, audited; the mailbox as the API shows it.
        GmailCallFailed when Google refused (the mailbox's `watch_error` says it too)."""
        self.require_watch()
        address = address.lower()
        self._connected(address)
        self.audit.record(actor, "gmail_watch_renew", f"mailbox:{address}")
        error = self.sync.renew_watch(address)
        if error == "needs_reconnect":
            self._connected(address)  # raises, with the reason just stored
        if error:
            raise GmailCallFailed(f"the watch of {address} was not renewed: {error}")
        return self.mailbox(address)

    def close(self) -> None:
        self.runner.stop()
        self.api.close()


def build(
    settings: Settings,
    client: redis.Redis,
    keys: Keys,
    clock: Callable[[], float],
    delivery: Delivery,
    audit: AuditLog,
    metrics: Metrics,
    offload: R2TransferService | None = None,
) -> Gmail:
    fsync = FsyncWait(client, delivery.durability, wait_budget_ms(settings.redis_socket_timeout))
    store = MailboxStore(client, keys, fsync, clock)
    oauth_client = None
    consent_config = None
    if settings.gmail_client_id and settings.gmail_client_secret:
        secret = settings.gmail_client_secret.get_secret_value()
        oauth_client = OAuthClient(settings.gmail_client_id, secret, settings.google_token_uri)
        consent_config = ConsentConfig(
            client_id=settings.gmail_client_id,
            client_secret=secret,
            auth_uri=settings.google_auth_uri,
            token_uri=settings.google_token_uri,
            labelling=bool(settings.gmail_label_processed),
            insecure_loopback=settings.google_token_uri.startswith("http://127.0.0.1"),
        )
    api = GmailApi(settings.google_api_root, oauth_client)
    key = settings.relais_encryption_key
    tokens = TokenBox(key.get_secret_value() if key else None)
    sync = MailboxSync(
        store,
        api,
        tokens,
        delivery.ingest,
        SyncConfig(
            topic=settings.gmail_pubsub_topic,
            labels=list(settings.gmail_watch_labels),
            label_processed=settings.gmail_label_processed,
            attachment_max_bytes=settings.attachment_max_bytes,
        ),
        clock,
        metrics,
        attachments=offload,
    )
    runner = SyncRunner(
        store,
        sync,
        settings.gmail_poll_fallback_seconds,
        clock,
        lease_seconds=int(settings.worker_lease_seconds),
    )
    verifier = PushVerifier(
        GoogleCerts(settings.google_oidc_certs_url, clock),
        settings.pubsub_audience,
        settings.pubsub_service_account,
    )
    gmail = Gmail(
        settings,
        store,
        api,
        tokens,
        ConsentFlow(consent_config, store),
        verifier,
        sync,
        runner,
        audit,
        metrics,
        clock,
    )
    delivery.add_companion(runner)
    return gmail
