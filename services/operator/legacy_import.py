"""The old router's configuration, field by field: what each becomes in Relais, and why.

Every field of every document the old router stored (and of its dashboard's export
file, whose documents come wrapped as `{"success": true, "config": {...}}`) ends up in
the report: mapped, with the value it becomes and a note when the meaning changes, or
not mapped, with the reason. Nothing is dropped without a word, and settings the old
router stored but never enforced (its retry and rate-limit defaults) do not become
strict limits: they map to Relais's defaults, and the report says so.

Bad input costs only its own part: a rule whose webhook cannot be a target (an old
`localhost` URL, a malformed Make token) is left out and said so, a document whose values
Relais refuses is not written and said so, and the rest imports.

The builds here turn the stored Relais documents into the imported ones; config_io runs
them inside each document's compare-and-set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ValidationError

from email_processing.rules import (
    RuleSet,
    UnusableWebhook,
    expand_webhook_url,
    import_legacy_rules,
    mask_url,
)
from preferences import ProcessingPreferences
from services.documents.targets import TargetList, WebhookTarget
from services.documents.time_windows import TimeWindows
from services.errors import ServiceError
from services.operator.legacy_report import Item, Notes, unknown_value
from services.operator.legacy_schedule import schedule_from

LEGACY_NAMES = ("webhook_config", "routing_rules", "processing_prefs", "runtime_flags")
WRAPPED = (*LEGACY_NAMES, "time_window")  # what the old dashboard's export wraps
EXPORT_EXTRAS = {
    "exported_at": "when the old dashboard exported the file",
    "ui_preferences": "the old dashboard's display preferences",
}
OLD_RETRY_DEFAULTS = (0, 2)  # retry_count, retry_delay_sec as the old router stored them

Build = Callable[[Any, Notes], BaseModel | None]


def unwrap(doc: Mapping[str, Any], notes: Notes) -> dict[str, dict[str, Any]]:
    """The old documents by name, from separate documents or the old dashboard's export."""
    documents: dict[str, dict[str, Any]] = {}
    for name, raw in doc.items():
        if name in WRAPPED and isinstance(raw, dict):
            documents[name] = _unwrapped(name, raw, notes)
        elif name in EXPORT_EXTRAS:
            notes.skip(name, "not_applicable", detail=f"{EXPORT_EXTRAS[name]}: nothing to import")
        elif name in WRAPPED:
            notes.skip(name, "document_refused", detail="not a JSON object", problem=True)
        else:
            notes.skip(name, "unknown_field", unknown_value(name, raw))
    return documents


def _unwrapped(name: str, raw: dict[str, Any], notes: Notes) -> dict[str, Any]:
    """`{"success": true, <key>: {...}}` (the old dashboard's answers and export, whatever
    the key: `config`, `prefs`...) as its document; `success` beside the fields (its
    time_window) is left out."""
    if "success" not in raw:
        return raw
    rest = {key: value for key, value in raw.items() if key != "success"}
    if len(rest) == 1 and isinstance(next(iter(rest.values())), dict):
        key, inner = next(iter(rest.items()))
        words = f"the old dashboard's export wrapper: its document was read from `{key}`"
        notes.skip(f"{name}.success", "wrapper", raw["success"], words)
        return dict(inner)
    notes.skip(f"{name}.success", "wrapper", raw["success"])
    return rest


def _leftovers(doc: Mapping[str, Any], prefix: str, known: set[str], notes: Notes) -> None:
    for key in sorted(set(doc) - known):
        notes.skip(f"{prefix}.{key}", "unknown_field", unknown_value(key, doc[key]))


def _reason(exc: Exception) -> str:
    """Why a value was refused, without the value (it may be private)."""
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'value'}: {err['msg']}"
            for err in exc.errors(include_input=False, include_url=False)
        )
    if isinstance(exc, ServiceError):
        return exc.message.removeprefix("url: ")
    return "a value of the wrong type or form"


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

    def checked(self, url: str) -> str:
        """The URL a target would be saved with, or UnusableWebhook saying why not."""
        try:
            return self._check_url(expand_webhook_url(url))
        except (ServiceError, ValueError) as exc:
            raise UnusableWebhook(_reason(exc)) from None

    def id_for_url(self, url: str) -> str:
        full = self.checked(url)
        found = self.find(full)
        return found.id if found else self._create(full)

    def find(self, full_url: str) -> WebhookTarget | None:
        return next((t for t in self._targets if t.url == full_url), None)

    def other_defaults(self, full_url: str) -> list[WebhookTarget]:
        """The default route's targets at another URL (WEBHOOK_URL's among them)."""
        return [t for t in self._targets if t.options.default and t.url != full_url]

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
        self._notes.map(f"webhook_targets.{target_id}", "require_success", url, "new target")
        return target_id

    def make_default(self, full_url: str) -> str:
        target_id = self.id_for_url(full_url)
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
        env_target: str | None = None,
    ) -> None:
        """`env_target`: the id of the target WEBHOOK_URL defines, when it is set."""
        self.notes = Notes()
        self.docs = unwrap(doc, self.notes)
        self._slug = slug
        self._check_url = check_url
        self._env_target = env_target
        self._webhook = self.docs.get("webhook_config", {})
        self._flags = self.docs.get("runtime_flags", {})
        self._rules: RuleSet | None = None
        self._explain_webhook_config()

    @property
    def rules_draft(self) -> RuleSet | None:
        """The imported rules, once the targets build ran (None: no rule to import)."""
        return self._rules

    def builds(self) -> list[tuple[str, Build]]:
        """Targets first: the rules name the targets that build creates or reuses. Each build
        is guarded: a document Relais refuses is reported, not written, and the rest goes on."""
        builds: list[tuple[str, Build]] = [
            ("webhook_targets", self.targets),
            ("routing_rules", lambda _stored, _notes: self._rules),
            ("runtime_flags", self.runtime_flags),
            ("processing_prefs", self.prefs),
            ("time_windows", self.windows),
        ]
        return [(name, _guarded(name, build)) for name, build in builds]

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

    def targets(self, stored: TargetList, notes: Notes) -> TargetList | None:
        """Rules first (their URLs become targets off the default route), then the old
        router's one webhook URL as the default route, unless a default is already set."""
        targets = TargetMapper(stored, notes, self._slug, self._check_url)
        rules = self._import_rules(targets, notes) if "routing_rules" in self.docs else None
        if "webhook_url" in self._webhook:
            self._default_route(targets, notes)
        result = targets.result()
        self._rules = rules  # only once the targets they name are sure to be written
        return None if result == stored else result

    def _default_route(self, targets: TargetMapper, notes: Notes) -> None:
        """The old router sent each email no rule claimed to its one webhook URL: the import
        never makes that a second default beside one already set (WEBHOOK_URL's, which wins,
        or one saved in Relais), or unclaimed mail would go out twice."""
        name, raw = "webhook_config.webhook_url", str(self._webhook["webhook_url"] or "")
        if not raw.strip():
            notes.skip(name, "not_applicable", "(empty)", "empty: no webhook URL to import")
            return
        shown = mask_url(expand_webhook_url(raw))
        try:
            full = targets.checked(raw)
        except UnusableWebhook as exc:
            notes.skip(name, "not_imported", shown, f"not imported: {exc}", problem=True)
            return
        kept = targets.other_defaults(full)
        if not kept:
            target_id = targets.make_default(full)
            notes.map(name, "require_success", shown, f"default target {target_id}")
            return
        notes.skip(name, "default_kept", shown, self._default_kept(kept, targets.find(full)))

    def _default_kept(self, kept: list[WebhookTarget], same_url: WebhookTarget | None) -> str:
        named = ", ".join(
            f"{t.id} ({mask_url(t.url)}"
            + (", from WEBHOOK_URL, which wins" if t.id == self._env_target else "")
            + ")"
            for t in kept
        )
        fate = (
            f"it stays target {same_url.id} (rules send to it), off the default route"
            if same_url
            else "no target was made for it"
        )
        return (
            f"the default target stays {named}; the old router sent one webhook per email, so "
            f"this URL is not made a second default: {fate}"
        )

    def _import_rules(self, targets: TargetMapper, notes: Notes) -> RuleSet | None:
        raw = self.docs["routing_rules"]
        rules, problems = import_legacy_rules(raw, targets.id_for_url)
        for rule in rules.rules:
            note = (
                "sender_address"
                if any(c.field == "sender" for c in rule.conditions)
                else "same_meaning"
            )
            state = "" if rule.enabled else " (disabled)"
            notes.map(f"routing_rules.rules[{rule.id}]", note, rule.name, f"rule {rule.id}{state}")
        notes.not_mapped += [
            Item("routing_rules", "rules_problem", detail=line, problem=True) for line in problems
        ]
        _leftovers(raw, "routing_rules", {"rules"}, notes)
        return rules if rules.rules else None

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
        changed = schedule_from(self._webhook, self.docs.get("time_window"), data, notes)
        return stored.model_validate(data) if changed else None


def _guarded(name: str, build: Build) -> Build:
    """`build`, but a document Relais refuses (a window like `8 heures`, a timeout of 0) is
    reported as not imported, with why, instead of failing the whole import."""

    def run(stored: Any, notes: Notes) -> BaseModel | None:
        scratch = Notes()
        try:
            built = build(stored, scratch)
        except (ValueError, TypeError, ServiceError) as exc:
            why = f"{name} not imported: {_reason(exc)}"
            notes.not_mapped += [
                Item(item.field, "document_refused", item.value, None, why)
                for item in scratch.mapped
            ] + scratch.not_mapped
            notes.skip(name, "document_refused", detail=why, problem=True)
            return None
        notes.add(scratch)
        return built

    return run


def _prefs_mapping(
    prefs: Mapping[str, Any], stored: ProcessingPreferences, notes: Notes
) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    if "exclude_keywords" in prefs:
        mapping["exclude_keywords"] = [str(k) for k in prefs["exclude_keywords"] or []]
        notes.map(
            "processing_prefs.exclude_keywords",
            "same_meaning",
            ", ".join(mapping["exclude_keywords"]) or "(none)",
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
    if count <= 0:
        schedule = f"retry_schedule {list(stored.retry_schedule)}"
        if "retry_count" in prefs:
            notes.map("processing_prefs.retry_count", "old_default_not_enforced", count, schedule)
        if "retry_delay_sec" in prefs:
            notes.map(
                "processing_prefs.retry_delay_sec", "old_default_not_enforced", delay, schedule
            )
        return
    mapping["retry_schedule"] = [0] + [delay] * count
    schedule = f"retry_schedule {mapping['retry_schedule']}"
    notes.map("processing_prefs.retry_count", "more_retried", count, schedule)
    if "retry_delay_sec" in prefs:
        notes.map("processing_prefs.retry_delay_sec", "more_retried", delay, schedule)
