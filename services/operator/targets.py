"""Administering webhook targets: create, change, delete, rotate secrets, test sends.

Secrets are write-only: shown once when created or rotated, masked afterwards.
A rotation keeps the previous secret for 24 hours; deliveries meanwhile carry
both signatures, so receivers can switch without losing a webhook.

Every change is applied to the stored targets document in one compare-and-set
(services/documents/base.py), never to this process's copy, so two admins (or two
processes) changing the same target at once both keep their change.
"""

from __future__ import annotations

import base64
import re
import secrets
import unicodedata
from collections.abc import Callable, Sequence
from functools import partial
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from config.ids import TargetId
from email_processing.identity import sender_email, webhook_id
from email_processing.inbound import InboundEmail
from email_processing.rules import RuleSet, expand_webhook_url
from preferences import ProcessingPreferences
from services.access.audit import MASK, AuditLog
from services.delivery.queue import DeliveryQueue
from services.delivery.record import StoredEmail
from services.delivery.worker import Deliverer, health_of, recordable_headers
from services.documents.base import Requires
from services.documents.preferences import PreferencesService
from services.documents.rules import (
    RoutingRulesService,
    default_route_targets,
    target_uses,
    without_target,
)
from services.documents.targets import (
    ENV_TARGET_ID,
    TargetList,
    TargetOptions,
    WebhookTarget,
    WebhookTargetsService,
)
from services.errors import Conflict, InvalidInput, NotFound
from services.net.http import OutboundError, check_target_url
from services.operator.status import target_health
from services.operator.target_stats import Range, TargetStats

ROTATION_GRACE_SECONDS = 24 * 3600
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Uses = list[dict[str, str]]  # what names a target: see services.documents.rules.target_uses


class TargetInUse(Conflict):
    """Rules or the default route still name the target; `used_by` says which."""

    code = "target_in_use"


class TargetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    id: TargetId | None = None
    name: Name
    url: Url
    enabled: bool = True
    options: TargetOptions = Field(default_factory=TargetOptions)
    secret: str | None = None
    """A `whsec_` secret to use; generated when absent."""


class TargetPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    name: Name | None = None
    url: Url | None = None
    enabled: bool | None = None
    options: TargetOptions | None = None


class TestSend(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["preview", "send"] = "preview"
    email_id: Annotated[str, StringConstraints(max_length=200)] | None = None
    """A stored email to send; a built-in sample when absent."""


SAMPLE_EMAIL = InboundEmail(
    subject="Relais test send",
    sender="Relais <relais@example.invalid>",
    date="2026-01-01T00:00:00.000Z",
    body="<p>This is a test webhook sent from the Relais dashboard.</p>",
    snippet="This is a test webhook sent from the Relais dashboard.",
)


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    value = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40]
    return value or "target"


def public_view(target: WebhookTarget, now: float) -> dict[str, Any]:
    """A target as the API shows it: secrets masked, static header values masked."""
    doc = target.model_dump(
        mode="json", exclude={"secret", "previous_secret", "env_secret_replaced"}
    )
    doc["options"]["headers"] = dict.fromkeys(target.options.headers, MASK)
    doc["secret_hint"] = "whsec_…" + target.secret[-4:]
    overlapping = len(target.signing_secrets(now)) > 1
    doc["rotation_until"] = target.previous_secret_until if overlapping else None
    doc["previous_secret_active"] = overlapping
    doc.pop("previous_secret_until", None)
    return doc


def keep_masked_headers(new: TargetOptions, old: TargetOptions) -> TargetOptions:
    """Header values sent back as the mask keep their stored value (the API never shows them)."""
    headers = {
        name: old.headers[name] if value == MASK and name in old.headers else value
        for name, value in new.headers.items()
    }
    if any(value == MASK for value in headers.values()):
        raise InvalidInput("options.headers: a new header needs its real value, not the mask")
    return new.model_copy(update={"headers": headers})


def find(doc: TargetList, target_id: str) -> WebhookTarget:
    for target in doc.targets:
        if target.id == target_id:
            return target
    raise NotFound(f"no target {target_id!r}")


def check_name_free(doc: TargetList, name: str, target_id: str | None = None) -> None:
    """Names tell targets apart in the dashboard and the rules: one target per name."""
    wanted = name.strip().casefold()
    if any(t.name.strip().casefold() == wanted and t.id != target_id for t in doc.targets):
        raise Conflict(f"a target named {name.strip()!r} already exists")


def free_id(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def replaced(doc: TargetList, target: WebhookTarget) -> TargetList:
    return TargetList(targets=[target if t.id == target.id else t for t in doc.targets])


def with_new_target(doc: TargetList, target: WebhookTarget, explicit_id: bool) -> TargetList:
    """The list plus `target`; an id derived from its name gets a suffix when taken."""
    taken = {t.id for t in doc.targets}
    if explicit_id and target.id in taken:
        raise Conflict(f"a target {target.id!r} already exists")
    check_name_free(doc, target.name)
    created = target.model_copy(update={"id": free_id(target.id, taken)})
    return TargetList(targets=[*doc.targets, created])


def patched(doc: TargetList, target_id: str, changes: dict[str, Any]) -> TargetList:
    """The stored target with only the fields the caller sent changed."""
    current = find(doc, target_id)
    if "name" in changes:
        check_name_free(doc, changes["name"], target_id)
    if isinstance(changes.get("options"), TargetOptions):
        options = keep_masked_headers(changes["options"], current.options)
        changes = {**changes, "options": options}
    return replaced(doc, current.model_copy(update=changes))


def rotated(doc: TargetList, target_id: str, secret: str, until: float) -> TargetList:
    """The stored secret becomes the previous one (it keeps signing until `until`)."""
    current = find(doc, target_id)
    update = {"secret": secret, "previous_secret": current.secret, "previous_secret_until": until}
    return replaced(doc, current.model_copy(update=update))


def marked(doc: TargetList, target_id: str, replaces: str | None) -> TargetList:
    """Record which WEBHOOK_SECRET a rotation of the WEBHOOK_URL target replaced."""
    if replaces is None:
        return doc
    current = find(doc, target_id)
    return replaced(doc, current.model_copy(update={"env_secret_replaced": replaces}))


def without(doc: TargetList, target_id: str) -> TargetList:
    find(doc, target_id)
    return TargetList(targets=[t for t in doc.targets if t.id != target_id])


def check_unused(target_id: str, _targets: TargetList, rules: RuleSet) -> None:
    uses = target_uses(rules, target_id)
    if uses:
        raise TargetInUse(
            f"target {target_id!r} is still named by {_describe(uses)}; remove it from them "
            "first, or delete with detach=true",
            used_by=uses,
        )


def _describe(uses: Uses) -> str:
    return ", ".join(
        f"rule {use['id']!r}" if use["kind"] == "rule" else "the default route" for use in uses
    )


class TargetsAdmin:
    def __init__(
        self,
        targets: WebhookTargetsService,
        rules: RoutingRulesService,
        deliverer: Deliverer,
        preferences: PreferencesService,
        queue: DeliveryQueue,
        allow_private: bool,
        env_managed: bool,
        clock: Callable[[], float],
        audit: AuditLog,
        history: TargetStats,
    ) -> None:
        self._audit = audit
        self._history = history
        self._targets = targets
        self._rules = rules
        self._deliverer = deliverer
        self._prefs = preferences
        self._queue = queue
        self._allow_private = allow_private
        self._env_managed = env_managed
        self._clock = clock

    def view(self, target: WebhookTarget) -> dict[str, Any]:
        doc = public_view(target, self._clock())
        doc["managed_by_env"] = self._env_managed and target.id == ENV_TARGET_ID
        return doc

    def list(self) -> list[dict[str, Any]]:
        """Every target with its health, and whether mail no rule claims goes to it."""
        targets = self._targets.get().targets
        ids = [t.id for t in targets]
        circuits = self._queue.circuits(ids)
        last = self._queue.health(ids)
        last_day = self._history.last_day(ids)
        now = self._clock()
        members = set(self._default_route(targets))
        return [
            {
                **self.view(t),
                "in_default_route": t.id in members,
                "circuit": circuits[t.id],
                "health": target_health(t, last[t.id], circuits[t.id], now),
                "last_24h": last_day[t.id],
            }
            for t in targets
        ]

    def stats(self, target_id: str, range_: Range) -> dict[str, Any]:
        """A target's attempts, success rate and latency per hour (24h) or per day (7d)."""
        return self._history.series(self.get(target_id).id, range_)

    def default_route(self) -> dict[str, Any]:
        """How the default route picks its targets: `drop` (none), `rules` (the Rules screen
        names them, each target's option then has no effect), or `option` (the targets whose
        option says so)."""
        route = self._rules.get().default_route
        if route.action == "drop":
            return {"source": "drop"}
        return {"source": "rules" if route.targets else "option"}

    def _default_route(self, targets: Sequence[WebhookTarget]) -> tuple[str, ...]:
        option = [t.id for t in targets if t.options.default]
        return default_route_targets(self._rules.get(), option)

    def get(self, target_id: str) -> WebhookTarget:
        target = self._targets.find(target_id)
        if target is None:
            raise NotFound(f"no target {target_id!r}")
        return target

    def normalize_url(self, url: str) -> str:
        """Make shorthand expanded; absolute http(s); https and a public host unless allowed
        (an address in any notation, judged as at send time; a name is checked again at
        connect time, on every delivery)."""
        full = expand_webhook_url(url)
        try:
            check_target_url(full, self._allow_private)
        except OutboundError as exc:
            raise InvalidInput(f"url: {exc}") from exc
        return full

    def create(self, body: TargetCreate, actor: str) -> tuple[WebhookTarget, str]:
        """A new target and its secret (returned once); 409 when its id or name is taken."""
        secret = body.secret or new_secret()
        try:
            target = WebhookTarget(
                id=body.id or slug(body.name),
                name=body.name,
                url=self.normalize_url(body.url),
                secret=secret,
                enabled=body.enabled,
                options=body.options,
            )
        except ValueError as exc:
            raise InvalidInput("secret: must be a whsec_ secret of 24-64 random bytes") from exc
        change = partial(with_new_target, target=target, explicit_id=body.id is not None)
        saved = self._targets.update(change, actor)
        return saved.value.targets[-1], secret  # the change appends it

    def patch(self, target_id: str, body: TargetPatch, actor: str) -> WebhookTarget:
        """Change only the fields sent, on the stored target."""
        changes = body.model_dump(exclude_unset=True, exclude_none=True)
        if "url" in changes:
            if self._env_managed and target_id == ENV_TARGET_ID:
                raise Conflict("this target's URL comes from WEBHOOK_URL; change it there")
            changes["url"] = self.normalize_url(changes["url"])
        if changes.get("enabled"):
            changes["disabled_reason"] = None
        if body.options is not None:
            changes["options"] = body.options
        saved = self._targets.update(partial(patched, target_id=target_id, changes=changes), actor)
        return find(saved.value, target_id)

    def delete(self, target_id: str, actor: str, detach: bool = False) -> Uses:
        """Delete a target no rule names (409 otherwise), or with `detach`, after removing
        it from the rules and the default route first. The uses removed are returned."""
        if self._env_managed and target_id == ENV_TARGET_ID:
            raise Conflict("this target comes from WEBHOOK_URL; unset it to remove the target")
        find(self._targets.load().value, target_id)
        detached = self._detach(target_id, actor) if detach else []
        self._targets.update(
            partial(without, target_id=target_id),
            actor,
            requires=Requires(self._rules, partial(check_unused, target_id)),
        )
        return detached

    def _detach(self, target_id: str, actor: str) -> Uses:
        """Remove the target from the rules (audited); what named it, as changed."""
        if not target_uses(self._rules.load().value, target_id):
            return []
        applied: Uses = []

        def change(rules: RuleSet) -> RuleSet:
            applied[:] = target_uses(rules, target_id)
            return without_target(rules, target_id)

        self._rules.update(change, actor)
        return applied

    def rotate_secret(self, target_id: str, actor: str) -> tuple[WebhookTarget, str]:
        """A new secret (returned once); the stored one still signs for 24 hours. For the
        WEBHOOK_URL target the new secret is stored over WEBHOOK_SECRET (until that changes)."""
        secret = new_secret()
        until = self._clock() + ROTATION_GRACE_SECONDS
        replaces = None
        if self._env_managed and target_id == ENV_TARGET_ID:
            replaces = self._targets.env_secret_fingerprint()
        change = partial(rotated, target_id=target_id, secret=secret, until=until)
        saved = self._targets.update(lambda doc: marked(change(doc), target_id, replaces), actor)
        return find(saved.value, target_id), secret

    def test_send(self, target_id: str, body: TestSend, actor: str) -> dict[str, Any]:
        """Preview the signed request, or send it for real through the guarded path (audited)."""
        target = self.get(target_id)
        meta, html = self._sample(body.email_id)
        requests = self._deliverer.requests
        payload = requests.test_payload(target.id, StoredEmail(meta, html, ""))
        request = requests.signed(
            target, webhook_id(meta["email_id"], target.id + ":test"), payload
        )
        preview = {
            "url": target.url,
            "headers": recordable_headers(request.headers),
            "body": payload,
        }
        if body.mode == "preview":
            return {"mode": "preview", "request": preview}
        prefs: ProcessingPreferences = self._prefs.get()
        verdict = self._deliverer.send(target, request, prefs)
        self._queue.note_health(target.id, health_of(verdict))
        self._audit.record(actor, "test_send", f"target:{target_id}")
        return {
            "mode": "send",
            "request": preview,
            "result": {
                "ok": verdict.ok,
                "status_code": verdict.status_code,
                "error": verdict.error,
                "duration_ms": round(verdict.duration * 1000, 1),
                "response_snippet": verdict.snippet,
            },
        }

    def _sample(self, email_id: str | None) -> tuple[dict[str, Any], str]:
        if email_id:
            stored = self._queue.load_email(email_id)
            if stored is None:
                raise NotFound("no stored email with this id")
            return stored.meta, stored.body
        email = SAMPLE_EMAIL
        meta = email.model_dump(exclude={"body", "plain_body"}, exclude_none=True)
        meta.update(email_id="relais-test", sender_email=sender_email(email.sender))
        return meta, email.body
