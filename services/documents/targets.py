"""Webhook targets: where deliveries go, each with its own signing secret."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from config.ids import TargetId
from config.settings import Settings, check_whsec
from config.store import ConfigStore
from services.documents.base import DocumentService, Versioned

logger = logging.getLogger(__name__)

DOCUMENT = "webhook_targets"
ENV_TARGET_ID = "default"
ENV_TARGET_NAME = "WEBHOOK_URL"
"""The WEBHOOK_URL target's name until it is renamed: the variable that defines it, the same
in every language (the dashboard marks it "environment"). Not "Default": whether a target is
in the default route is a separate setting (`options.default`)."""
OLD_ENV_TARGET_NAME = "Default (WEBHOOK_URL)"  # its name before: shown as ENV_TARGET_NAME

HeaderName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$")]
RESERVED_HEADERS = frozenset(
    {"content-type", "content-length", "host", "user-agent", "connection", "transfer-encoding"}
)


class TargetOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default: bool = True
    """Part of the default route: receives emails no routing rule claimed."""

    require_success_json: bool = False
    """Only a 2xx whose JSON body has "success": true counts (the old router's contract)."""

    headers: dict[HeaderName, Annotated[str, StringConstraints(max_length=4000)]] = Field(
        default_factory=dict, max_length=20
    )
    """Static headers sent with every delivery (e.g. an API key the receiver checks)."""

    timeout_sec: float | None = Field(None, gt=0, le=300)
    """Overrides the preferences' webhook timeout for this target."""

    @field_validator("headers")
    @classmethod
    def _no_reserved(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [
            name
            for name in value
            if name.lower() in RESERVED_HEADERS or name.lower().startswith("webhook-")
        ]
        if bad:
            raise ValueError("these headers are set by Relais and cannot be overridden")
        return value


class WebhookTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: TargetId
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    url: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    secret: str
    previous_secret: str | None = None
    previous_secret_until: float | None = None
    enabled: bool = True
    disabled_reason: str | None = None
    options: TargetOptions = Field(default_factory=TargetOptions)
    env_secret_replaced: str | None = None
    """The WEBHOOK_URL target after a rotation by the API: the fingerprint of the
    WEBHOOK_SECRET its stored secret replaced (that one wins until WEBHOOK_SECRET changes)."""

    @field_validator("secret", "previous_secret")
    @classmethod
    def _whsec(cls, value: str | None) -> str | None:
        if value is not None:
            check_whsec(value)
        return value

    def signing_secrets(self, now: float) -> list[str]:
        """The current secret, plus the previous one during a rotation's grace period (for
        WEBHOOK_SECRET_PREVIOUS, no end: as long as it is set)."""
        until = self.previous_secret_until
        if self.previous_secret and (until is None or until > now):
            return [self.secret, self.previous_secret]
        return [self.secret]


class TargetList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    targets: list[WebhookTarget] = Field(default_factory=list, max_length=200)

    @field_validator("targets")
    @classmethod
    def _unique_ids(cls, value: list[WebhookTarget]) -> list[WebhookTarget]:
        ids = [t.id for t in value]
        if len(ids) != len(set(ids)):
            raise ValueError("target ids must be unique")
        return value


class WebhookTargetsService(DocumentService[TargetList]):
    """The targets document, with the WEBHOOK_URL target kept in step with the environment."""

    def __init__(self, store: ConfigStore, settings: Settings, clock: Callable[[], float]) -> None:
        super().__init__(store, DOCUMENT, TargetList, TargetList, clock)
        self._settings = settings
        self._clock = clock

    def find(self, target_id: str) -> WebhookTarget | None:
        return next((t for t in self.get().targets if t.id == target_id), None)

    def default_targets(self) -> list[WebhookTarget]:
        """The default route's targets, switched on or not (mail for one that is off waits)."""
        return [t for t in self.get().targets if t.options.default]

    def usable(self) -> dict[str, bool]:
        """Every target id and whether it is switched on (the delivery claim's view)."""
        return {t.id: t.enabled for t in self.get().targets}

    def disable(self, target_id: str, reason: str) -> None:
        """Switch a target off (a receiver answered 410 Gone); audited as the system's."""

        def change(doc: TargetList) -> TargetList:
            targets = [
                t.model_copy(update={"enabled": False, "disabled_reason": reason})
                if t.id == target_id
                else t
                for t in doc.targets
            ]
            return TargetList(targets=targets)

        current = self.find(target_id)
        if current is None or not current.enabled:
            return  # already off (several attempts in flight may hear 410 at once)
        self.update(change)
        if self.audit is not None:
            self.audit.record("system", "disable_target", f"target:{target_id}", detail=reason)
        logger.warning("target %s disabled: %s", target_id, reason)

    def load(self) -> Versioned[TargetList]:
        loaded = super().load()
        return Versioned(self._with_env_target(loaded.value), loaded.version)

    def env_secret_fingerprint(self) -> str | None:
        """The fingerprint of WEBHOOK_SECRET (a rotation by the API records what it replaced)."""
        secret = self._settings.webhook_secret
        return fingerprint(secret.get_secret_value()) if secret is not None else None

    def _with_env_target(self, doc: TargetList) -> TargetList:
        """WEBHOOK_URL / WEBHOOK_SECRET (and WEBHOOK_SECRET_PREVIOUS) define the `default`
        target's URL and secrets.

        The environment wins for those fields on every read, except the secrets after a
        rotation by the API: that secret wins until WEBHOOK_SECRET itself changes. Its
        name, switch and options stay editable in the stored document.
        """
        url, secret = self._settings.webhook_url, self._settings.webhook_secret
        if not url or secret is None:
            return doc
        existing = next((t for t in doc.targets if t.id == ENV_TARGET_ID), None)
        wanted = self._env_fields(url, secret.get_secret_value(), existing)
        if existing is None:
            env_target = WebhookTarget(id=ENV_TARGET_ID, name=ENV_TARGET_NAME, **wanted)
            return TargetList(targets=[env_target, *doc.targets])
        if existing.name == OLD_ENV_TARGET_NAME:
            wanted["name"] = ENV_TARGET_NAME
        updated = existing.model_copy(update=wanted)
        return TargetList(targets=[updated if t.id == ENV_TARGET_ID else t for t in doc.targets])

    def _env_fields(
        self, url: str, secret: str, existing: WebhookTarget | None
    ) -> dict[str, str | float | None]:
        if existing is not None and existing.env_secret_replaced == fingerprint(secret):
            return {"url": url}  # rotated by the API since: the stored secrets stand
        previous = self._settings.webhook_secret_previous
        return {
            "url": url,
            "secret": secret,
            "previous_secret": previous.get_secret_value() if previous else None,
            "previous_secret_until": None,
            "env_secret_replaced": None,
        }


def fingerprint(secret: str) -> str:
    """A short, one-way name for a secret (never the secret itself)."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]
