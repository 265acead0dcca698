"""The old router's configuration, field by field: what each becomes in Relais, and why.

Every field of every document the old router stored (and of its dashboard's export
file, whose documents come wrapped as `{"success": true, "config": {...}}`) ends up in
the report: mapped, with the value it becomes and a note when the meaning changes, or
not mapped, with the reason. Nothing is dropped without a word, and settings the old
router stored but never enforced (its retry and rate-limit defaults) do not become
strict limits: they map to Relais's defaults, and the report says so.

The builds here turn the stored Relais documents into the imported ones; config_io runs
them inside each document's compare-and-set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel

from email_processing.rules import RuleSet, expand_webhook_url, import_legacy_rules
from email_processing.rules.legacy import mask_url
from preferences import ProcessingPreferences
from services.documents.targets import TargetList, WebhookTarget
from services.documents.time_windows import TimeWindows

LEGACY_NAMES = ("webhook_config", "routing_rules", "processing_prefs", "runtime_flags")
# The old dashboard's export file: each document wrapped, plus these.
EXPORT_WRAPPERS = {"webhook_config": "config", "processing_prefs": "prefs"}
OLD_RETRY_DEFAULTS = (0, 2)  # retry_count, retry_delay_sec as the old router stored them

# Why a field maps as it does (a code the dashboard words), with the English words.
NOTES = {
    "same_meaning": "kept as it was",
    "format_kept": "kept as written: webhooks carry it in the same form",
    "old_default_not_enforced": (
        "the old router's default, which it never applied (it retried connection errors "
        "anyway): Relais's default applies"
    ),
    "never_enforced": (
        "the old router stored it but never enforced it: not applied "
        "(set a limit in Preferences if you want one)"
    ),
    "more_retried": "Relais also retries 5xx and 429 answers, and honours Retry-After",
    "require_success": 'counts a 2xx as delivered only with "success": true, as the old router did',
    "sender_address": "a sender condition compares the sender's address, as the old router did",
    "always_verified": "Relais always verifies the receiver's certificate",
    "json_only": "Relais always sends JSON",
    "pause_off": "the absence pause was off: no absence day",
    "not_applicable": "nothing in Relais uses it",
    "unknown_field": "not a field the old router's documents had",
    "wrapper": "the old dashboard's export wrapper: its document was read",
    "rules_problem": "left out of a rule",
}


@dataclass(frozen=True)
class Item:
    """One field of an old document in the report."""

    field: str
    note: str
    value: str | None = None  # the old value, as text (URLs masked: they carry tokens)
    becomes: str | None = None  # what it is in Relais
    detail: str = ""  # specifics, in English

    def to_dict(self) -> dict[str, Any]:
        doc = {"field": self.field, "note": self.note, "text": self.text()}
        if self.value is not None:
            doc["value"] = self.value
        if self.becomes is not None:
            doc["becomes"] = self.becomes
        return doc

    def text(self) -> str:
        """The item as one English line (CLI output and logs)."""
        head = self.field + (f" = {self.value}" if self.value is not None else "")
        head += f" -> {self.becomes}" if self.becomes is not None else ""
        return f"{head}: {self.detail or NOTES.get(self.note, self.note)}"


@dataclass
class Notes:
    """What one document's import says."""

    mapped: list[Item] = field(default_factory=list)
    not_mapped: list[Item] = field(default_factory=list)
    generated_secrets: dict[str, str] = field(default_factory=dict)

    def map(self, name: str, note: str, value: Any = None, becomes: Any = None) -> None:
        self.mapped.append(Item(name, note, _text(value), _text(becomes)))

    def skip(self, name: str, note: str, value: Any = None, detail: str = "") -> None:
        self.not_mapped.append(Item(name, note, _text(value), None, detail))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and "://" in value:
        return mask_url(value)
    return str(value)


def unwrap(doc: Mapping[str, Any], notes: Notes) -> dict[str, dict[str, Any]]:
    """The old documents by name, from separate documents or the old dashboard's export."""
    documents: dict[str, dict[str, Any]] = {}
    for name, raw in doc.items():
        if name in LEGACY_NAMES and isinstance(raw, dict):
            documents[name] = _unwrapped(name, raw, notes)
        elif name == "time_window" and isinstance(raw, dict):
            documents[name] = {k: v for k, v in raw.items() if k != "success"}
        elif name in ("exported_at", "ui_preferences"):
            notes.skip(name, "not_applicable", detail=f"{name}: the old dashboard's own")
        else:
            notes.skip(name, "unknown_field")
    return documents


def _unwrapped(name: str, raw: dict[str, Any], notes: Notes) -> dict[str, Any]:
    """`{"success": true, "config": {...}}` (the old dashboard's export) as its document."""
    inner = EXPORT_WRAPPERS.get(name)
    if inner and raw.get("success") is not None and isinstance(raw.get(inner), dict):
        notes.skip(f"{name}.success", "wrapper")
        return dict(raw[inner])
    return raw


def _leftovers(doc: Mapping[str, Any], prefix: str, known: set[str], notes: Notes) -> None:
    for key in sorted(set(doc) - known):
        notes.skip(f"{prefix}.{key}", "unknown_field", doc[key])


class TargetMapper:
    """Old rules and settings name webhook URLs; Relais routes to target ids."""

    def __init__(
        self,
        current: TargetList,
        notes: Notes,
        slug: Callable[[str], str],
        check_url: Callable[[str], str],
    ) -> None:
        self._targets = list(current.targets)
        self._notes = notes
        self._slug = slug
        self._check_url = check_url

    def id_for_url(self, url: str) -> str:
        full = self._check_url(expand_webhook_url(url))
        for target in self._targets:
            if target.url == full:
                return target.id
        return self._create(full)

    def _create(self, url: str) -> str:
        from services.operator.targets import new_secret

        existing = {t.id for t in self._targets}
        base = self._slug(url.split("//")[-1].split("/")[0])
        target_id, n = base, 2
        while target_id in existing:
            target_id, n = f"{base}-{n}", n + 1
        secret = new_secret()
        options = {"default": False, "require_success_json": True}
        self._targets.append(
            WebhookTarget(
                id=target_id, name=f"Imported {base}", url=url, secret=secret, options=options
            )
        )
        self._notes.generated_secrets[target_id] = secret
        self._notes.map("webhook URL", "require_success", url, f"new target {target_id}")
        return target_id

    def make_default(self, url: str) -> str:
        target_id = self.id_for_url(url)
        self._targets = [_as_default(t) if t.id == target_id else t for t in self._targets]
        return target_id

    def result(self) -> TargetList:
        return TargetList(targets=self._targets)


def _as_default(target: WebhookTarget) -> WebhookTarget:
    options = target.options.model_copy(update={"default": True, "require_success_json": True})
    return target.model_copy(update={"options": options})


class LegacyImport:
    """The builds of one import of the old router's documents."""

    WEBHOOK_FIELDS: ClassVar[set[str]] = {
        "webhook_url",
        "webhook_ssl_verify",
        "webhook_sending_enabled",
        "webhook_time_start",
        "webhook_time_end",
        "absence_pause_enabled",
        "absence_pause_days",
        "webhook_delivery_mode",
        "webhook_fallback_on_415",
    }

    def __init__(
        self,
        doc: Mapping[str, Any],
        slug: Callable[[str], str],
        check_url: Callable[[str], str],
    ) -> None:
        self.notes = Notes()
        self.docs = unwrap(doc, self.notes)
        self._slug = slug
        self._check_url = check_url
        self._webhook = self.docs.get("webhook_config", {})
        self._flags = self.docs.get("runtime_flags", {})
        self._rules: RuleSet | None = None
        self._explain_webhook_config()

    @property
    def rules_draft(self) -> RuleSet | None:
        """The imported rules, once the targets build ran (None: no rules in the import)."""
        return self._rules

    def builds(self) -> list[tuple[str, Callable[[Any, Notes], BaseModel | None]]]:
        """Targets first: the rules name the targets that build creates or reuses."""
        return [
            ("webhook_targets", self.targets),
            ("routing_rules", lambda _stored, _notes: self._rules),
            ("runtime_flags", self.runtime_flags),
            ("processing_prefs", self.prefs),
            ("time_windows", self.windows),
        ]

    # -- webhook_config fields that map to nothing or to several documents -----------------

    def _explain_webhook_config(self) -> None:
        webhook, notes = self._webhook, self.notes
        if "webhook_ssl_verify" in webhook:
            notes.skip(
                "webhook_config.webhook_ssl_verify",
                "always_verified",
                webhook["webhook_ssl_verify"],
            )
        mode = webhook.get("webhook_delivery_mode")
        if mode is not None:
            note = "same_meaning" if mode == "json" else "json_only"
            (notes.map if mode == "json" else notes.skip)(
                "webhook_config.webhook_delivery_mode", note, mode
            )
        if "webhook_fallback_on_415" in webhook:
            notes.skip(
                "webhook_config.webhook_fallback_on_415",
                "json_only",
                webhook["webhook_fallback_on_415"],
            )
        _leftovers(webhook, "webhook_config", self.WEBHOOK_FIELDS, notes)

    # -- the builds ------------------------------------------------------------------------

    def targets(self, stored: TargetList, notes: Notes) -> TargetList:
        targets = TargetMapper(stored, notes, self._slug, self._check_url)
        url = self._webhook.get("webhook_url")
        if url:
            target_id = targets.make_default(str(url))
            notes.map(
                "webhook_config.webhook_url", "require_success", url, f"default target {target_id}"
            )
        if "routing_rules" in self.docs:
            self._rules = self._import_rules(targets, notes)
        return targets.result()

    def _import_rules(self, targets: TargetMapper, notes: Notes) -> RuleSet:
        raw = self.docs["routing_rules"]
        rules, lines = import_legacy_rules(raw, targets.id_for_url)
        for rule in rules.rules:
            note = (
                "sender_address"
                if any(c.field == "sender" for c in rule.conditions)
                else "same_meaning"
            )
            state = "" if rule.enabled else " (disabled)"
            notes.map(f"routing_rules.rules[{rule.id}]", note, rule.name, f"rule {rule.id}{state}")
        notes.not_mapped += [Item("routing_rules", "rules_problem", detail=line) for line in lines]
        _leftovers(raw, "routing_rules", {"rules"}, notes)
        return rules

    def runtime_flags(self, stored: BaseModel, notes: Notes) -> BaseModel | None:
        flags, webhook = self._flags, self._webhook
        changes: dict[str, bool] = {}
        for name in ("gmail_ingress_enabled", "disable_email_id_dedup"):
            if name in flags:
                changes[name] = bool(flags[name])
                notes.map(f"runtime_flags.{name}", "same_meaning", flags[name], name)
        if "allow_custom_webhook_without_links" in flags:
            value = flags["allow_custom_webhook_without_links"]
            notes.map(
                "runtime_flags.allow_custom_webhook_without_links",
                "same_meaning",
                value,
                f"preference require_links = {not bool(value)}",
            )
        if "webhook_sending_enabled" in webhook:
            changes["webhook_sending_enabled"] = bool(webhook["webhook_sending_enabled"])
            notes.map(
                "webhook_config.webhook_sending_enabled",
                "same_meaning",
                webhook["webhook_sending_enabled"],
                "runtime flag webhook_sending_enabled",
            )
        known = {
            "gmail_ingress_enabled",
            "disable_email_id_dedup",
            "allow_custom_webhook_without_links",
        }
        _leftovers(flags, "runtime_flags", known, notes)
        return stored.model_copy(update=changes) if changes else None

    def prefs(self, stored: ProcessingPreferences, notes: Notes) -> BaseModel | None:
        prefs: dict[str, Any] = self.docs.get("processing_prefs", {})
        mapping = _prefs_mapping(prefs, stored, notes)
        if "allow_custom_webhook_without_links" in self._flags:
            mapping["require_links"] = not bool(self._flags["allow_custom_webhook_without_links"])
        if not mapping:
            return None
        return stored.model_validate({**stored.model_dump(), **mapping})

    def windows(self, stored: TimeWindows, notes: Notes) -> BaseModel | None:
        data = stored.model_dump()
        changed = _window_from(self._webhook, self.docs.get("time_window"), data, notes)
        changed = _absence_from(self._webhook, data, notes) or changed
        return stored.model_validate(data) if changed else None


def _prefs_mapping(
    prefs: Mapping[str, Any], stored: ProcessingPreferences, notes: Notes
) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    if "exclude_keywords" in prefs:
        mapping["exclude_keywords"] = [str(k) for k in prefs["exclude_keywords"] or []]
        notes.map(
            "processing_prefs.exclude_keywords",
            "same_meaning",
            len(mapping["exclude_keywords"]),
            "exclude_keywords",
        )
    _retries(prefs, stored, mapping, notes)
    if "webhook_timeout_sec" in prefs:
        mapping["webhook_timeout_sec"] = float(prefs["webhook_timeout_sec"])
        notes.map(
            "processing_prefs.webhook_timeout_sec",
            "same_meaning",
            prefs["webhook_timeout_sec"],
            "webhook_timeout_sec",
        )
    if "rate_limit_per_hour" in prefs:
        notes.skip(
            "processing_prefs.rate_limit_per_hour", "never_enforced", prefs["rate_limit_per_hour"]
        )
    known = {
        "exclude_keywords",
        "retry_count",
        "retry_delay_sec",
        "webhook_timeout_sec",
        "rate_limit_per_hour",
    }
    _leftovers(prefs, "processing_prefs", known, notes)
    return mapping


def _retries(
    prefs: Mapping[str, Any], stored: ProcessingPreferences, mapping: dict[str, Any], notes: Notes
) -> None:
    """retry_count/retry_delay_sec: the old defaults (0 retries) were never what it did."""
    if "retry_count" not in prefs and "retry_delay_sec" not in prefs:
        return
    count = int(prefs.get("retry_count") or 0)
    delay = int(prefs.get("retry_delay_sec") or OLD_RETRY_DEFAULTS[1])
    value = f"{count} retries, {delay} s apart"
    if count <= 0:
        schedule = list(stored.retry_schedule)
        notes.map(
            "processing_prefs.retry_count",
            "old_default_not_enforced",
            value,
            f"retry_schedule {schedule}",
        )
        return
    mapping["retry_schedule"] = [0] + [delay] * count
    notes.map(
        "processing_prefs.retry_count",
        "more_retried",
        value,
        f"retry_schedule {mapping['retry_schedule']}",
    )


def _window_from(
    webhook: Mapping[str, Any],
    wrapper: Mapping[str, Any] | None,
    data: dict[str, Any],
    notes: Notes,
) -> bool:
    """The export's time_window wins over webhook_config's window (it is the one shown)."""
    start, end, source = (
        webhook.get("webhook_time_start"),
        webhook.get("webhook_time_end"),
        "webhook_config.webhook_time",
    )
    if wrapper:
        start, end, source = (
            wrapper.get("webhooks_time_start"),
            wrapper.get("webhooks_time_end"),
            "time_window.webhooks_time",
        )
        if wrapper.get("timezone"):
            data["timezone"] = wrapper["timezone"]
            notes.map(
                "time_window.timezone", "same_meaning", wrapper["timezone"], "schedule time zone"
            )
        _leftovers(
            wrapper, "time_window", {"webhooks_time_start", "webhooks_time_end", "timezone"}, notes
        )
    if start is None and end is None:
        return bool(wrapper and wrapper.get("timezone"))
    data["window"] = {"start": start or None, "end": end or None}
    notes.map(
        f"{source}_start/end",
        "format_kept",
        f"{start}-{end}",
        f"delivery window {start or '…'}-{end or '…'}",
    )
    return True


def _absence_from(webhook: Mapping[str, Any], data: dict[str, Any], notes: Notes) -> bool:
    if "absence_pause_enabled" not in webhook and "absence_pause_days" not in webhook:
        return False
    days = [str(d).lower() for d in webhook.get("absence_pause_days") or []]
    if not webhook.get("absence_pause_enabled"):
        notes.skip("webhook_config.absence_pause_days", "pause_off", ",".join(days))
        return False
    data["absence_days"] = days
    notes.map("webhook_config.absence_pause_days", "same_meaning", ",".join(days), "absence days")
    return True
