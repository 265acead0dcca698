"""Config export and import: Relais's own documents, and the old router's (REFERENCE §8).

Export gives one JSON document; secrets (target secrets, static header values)
are left out unless asked. Import validates everything first, then writes each
document as a new version, and reports what was mapped and what was not.

Each imported document is built from the stored one (secrets kept, targets reused
by URL, fields the import does not set left as they are) inside that document's
compare-and-set, so a change another admin saved meanwhile is built upon, not lost.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from email_processing.rules import RuleSet, expand_webhook_url, import_legacy_rules
from preferences import ProcessingPreferences
from services.audit import MASK
from services.documents import DocumentService
from services.errors import ServiceError
from services.preferences import PreferencesService
from services.routing_rules import RoutingRulesService
from services.runtime_flags import RuntimeFlagsService
from services.targets_admin import new_secret, slug
from services.time_windows import TimeWindows, TimeWindowsService
from services.webhook_targets import TargetList, WebhookTarget, WebhookTargetsService

M = TypeVar("M", bound=BaseModel)
Build = Callable[[Any, "ImportReport"], BaseModel | None]
"""One document's import: from the stored document to the one to write (None: nothing to
write), with notes for the report. Called again, on the newer version, after a conflict."""
FORMAT = "relais-config"
LEGACY_NAMES = ("webhook_config", "routing_rules", "processing_prefs", "runtime_flags")


class InvalidImport(ServiceError):
    http_status = 422
    code = "validation_error"


@dataclass
class ImportReport:
    mapped: list[str] = field(default_factory=list)
    not_mapped: list[str] = field(default_factory=list)
    generated_secrets: dict[str, str] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    dry_run: bool = False

    def add(self, notes: ImportReport) -> None:
        self.mapped += notes.mapped
        self.not_mapped += notes.not_mapped
        self.generated_secrets.update(notes.generated_secrets)

    def to_dict(self) -> dict[str, Any]:
        """A dry run names what would be written; its secrets are not the ones an import makes."""
        secrets = self.generated_secrets
        return {
            "dry_run": self.dry_run,
            "written": self.written,
            "mapped": self.mapped,
            "not_mapped": self.not_mapped,
            "generated_secrets": dict.fromkeys(secrets, MASK) if self.dry_run else secrets,
        }


def _strip_secrets(targets: dict[str, Any]) -> dict[str, Any]:
    out = []
    for target in targets.get("targets", []):
        copy = {k: v for k, v in target.items() if k not in ("secret", "previous_secret")}
        options = dict(copy.get("options") or {})
        options["headers"] = dict.fromkeys(options.get("headers") or {}, MASK)
        copy["options"] = options
        out.append(copy)
    return {"targets": out}


class ConfigIO:
    def __init__(
        self,
        flags: RuntimeFlagsService,
        targets: WebhookTargetsService,
        rules: RoutingRulesService,
        windows: TimeWindowsService,
        preferences: PreferencesService,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._targets = targets
        self._clock = clock
        self._docs: dict[str, DocumentService[Any]] = {
            "runtime_flags": flags,
            "webhook_targets": targets,
            "routing_rules": rules,
            "time_windows": windows,
            "processing_prefs": preferences,
        }

    # -- export -------------------------------------------------------------

    def export(self, include_secrets: bool) -> dict[str, Any]:
        documents = {name: svc.get().model_dump(mode="json") for name, svc in self._docs.items()}
        if not include_secrets:
            documents["webhook_targets"] = _strip_secrets(documents["webhook_targets"])
        return {
            "format": FORMAT,
            "version": 1,
            "exported_at": self._clock(),
            "includes_secrets": include_secrets,
            "documents": documents,
        }

    # -- import -------------------------------------------------------------

    def import_any(self, doc: dict[str, Any], actor: str, dry_run: bool = False) -> dict[str, Any]:
        """A Relais export, or the old router's documents (detected by their names).

        With `dry_run`, everything is mapped and validated and the report says what
        would be written, but nothing is saved.
        """
        if doc.get("format") == FORMAT:
            return self.import_relais(doc.get("documents") or {}, actor, dry_run)
        if any(name in doc for name in LEGACY_NAMES):
            return self.import_legacy(doc, actor, dry_run)
        raise InvalidImport("not a Relais export nor the old router's documents")

    def import_relais(
        self, documents: dict[str, Any], actor: str, dry_run: bool = False
    ) -> dict[str, Any]:
        report = ImportReport(dry_run=dry_run)
        unknown = sorted(set(documents) - set(self._docs))
        report.not_mapped += [f"unknown document {name!r} ignored" for name in unknown]
        builds: list[tuple[str, Build]] = []
        for name, svc in self._docs.items():
            if name == "webhook_targets" and name in documents:
                builds.append((name, self._targets_build(documents[name])))
            elif name in documents:
                model = _validate(svc, name, documents[name])
                builds.append((name, _replacing(model)))
        return self._run(builds, report, actor)

    def _targets_build(self, data: dict[str, Any]) -> Build:
        def build(stored: TargetList, notes: ImportReport) -> BaseModel:
            restored = self._restore_secrets(data, stored, notes)
            return _validate(self._targets, "webhook_targets", restored)

        return build

    def _run(
        self, builds: list[tuple[str, Build]], report: ImportReport, actor: str
    ) -> dict[str, Any]:
        """Build every document from the stored ones (validating all), then write each one,
        built again from the version its compare-and-set stores upon."""
        notes = {name: ImportReport() for name, _ in builds}
        written = [
            name
            for name, build in builds
            if build(self._docs[name].load().value, notes[name]) is not None
        ]
        for name, build in builds:
            if name in written and not report.dry_run:
                self._docs[name].update(_applied(build, notes, name), actor)
        for name, _ in builds:
            report.add(notes[name])
        report.written += written
        return report.to_dict()

    @staticmethod
    def _restore_secrets(
        data: dict[str, Any], stored: TargetList, report: ImportReport
    ) -> dict[str, Any]:
        """Targets exported without secrets keep the stored ones, or get new ones."""
        current = {t.id: t for t in stored.targets}
        targets = []
        for raw in data.get("targets", []):
            target = dict(raw)
            existing = current.get(str(target.get("id")))
            if not target.get("secret"):
                target["secret"] = existing.secret if existing else new_secret()
                if not existing:
                    report.generated_secrets[str(target.get("id"))] = target["secret"]
            target["options"] = ConfigIO._restore_headers(target, existing, report)
            targets.append(target)
        return {"targets": targets}

    @staticmethod
    def _restore_headers(
        target: dict[str, Any], existing: WebhookTarget | None, report: ImportReport
    ) -> dict[str, Any]:
        options = dict(target.get("options") or {})
        headers = dict(options.get("headers") or {})
        for name, value in list(headers.items()):
            if value == MASK:
                kept = existing.options.headers.get(name) if existing else None
                if kept is None:
                    del headers[name]
                    report.not_mapped.append(
                        f"target {target.get('id')}: header {name} had no value"
                    )
                else:
                    headers[name] = kept
        options["headers"] = headers
        return options

    # -- the old router's documents -------------------------------------------

    def import_legacy(
        self, doc: dict[str, Any], actor: str, dry_run: bool = False
    ) -> dict[str, Any]:
        report = ImportReport(dry_run=dry_run)
        if "webhook_ssl_verify" in (doc.get("webhook_config") or {}):
            report.not_mapped.append("webhook_ssl_verify: TLS certificates are always verified")
        return self._run(_LegacyImport(doc, self._docs).builds(), report, actor)


def _replacing(model: BaseModel) -> Build:
    """A build that writes `model` whatever is stored."""

    def build(_stored: Any, _notes: ImportReport) -> BaseModel:
        return model

    return build


def _applied(build: Build, notes: dict[str, ImportReport], name: str) -> Callable[[Any], Any]:
    """`build` as a change function; the notes kept are those of the version stored."""

    def change(stored: Any) -> Any:
        notes[name] = ImportReport()
        built = build(stored, notes[name])
        return stored if built is None else built

    return change


class _LegacyImport:
    """The old router's documents mapped onto the stored ones, one build per document."""

    def __init__(self, doc: dict[str, Any], docs: Mapping[str, DocumentService[Any]]) -> None:
        self._doc = doc
        self._docs = docs
        self._webhook: dict[str, Any] = doc.get("webhook_config") or {}
        self._flags: dict[str, Any] = doc.get("runtime_flags") or {}
        self._rules: RuleSet | None = None

    def builds(self) -> list[tuple[str, Build]]:
        """Targets first: the rules name the targets that build creates or reuses."""
        return [
            ("webhook_targets", self._targets),
            ("routing_rules", lambda _stored, _notes: self._rules),
            ("runtime_flags", self._runtime_flags),
            ("processing_prefs", self._prefs),
            ("time_windows", self._windows),
        ]

    def _targets(self, stored: TargetList, notes: ImportReport) -> TargetList:
        targets = _TargetMapper(stored, notes)
        targets.add_default(self._webhook)
        if "routing_rules" in self._doc:
            rules, lines = import_legacy_rules(self._doc["routing_rules"] or {}, targets.id_for_url)
            notes.mapped.append(f"routing_rules: {len(rules.rules)} rules")
            notes.not_mapped += lines
            self._rules = rules
        return targets.result()

    def _runtime_flags(self, stored: BaseModel, notes: ImportReport) -> BaseModel | None:
        flags, webhook = self._flags, self._webhook
        if not flags and "webhook_sending_enabled" not in webhook:
            return None
        names = ("gmail_ingress_enabled", "disable_email_id_dedup")
        changes: dict[str, bool] = {k: bool(flags[k]) for k in names if k in flags}
        if "webhook_sending_enabled" in webhook:
            changes["webhook_sending_enabled"] = bool(webhook["webhook_sending_enabled"])
        notes.mapped += [f"runtime flag {k}" for k in changes]
        return stored.model_copy(update=changes)

    def _prefs(self, stored: ProcessingPreferences, notes: ImportReport) -> BaseModel | None:
        prefs: dict[str, Any] = self._doc.get("processing_prefs") or {}
        if not prefs and "allow_custom_webhook_without_links" not in self._flags:
            return None
        mapping = _legacy_pref_values(prefs, notes)
        if "allow_custom_webhook_without_links" in self._flags:
            mapping["require_links"] = not bool(self._flags["allow_custom_webhook_without_links"])
            notes.mapped.append("allow_custom_webhook_without_links -> require_links")
        known = {
            "exclude_keywords",
            "retry_count",
            "retry_delay_sec",
            "webhook_timeout_sec",
            "rate_limit_per_hour",
        }
        notes.not_mapped += [
            f"processing_prefs.{k} has no equivalent" for k in sorted(set(prefs) - known)
        ]
        data = {**stored.model_dump(), **mapping}
        return _validate(self._docs["processing_prefs"], "processing_prefs", data)

    def _windows(self, stored: TimeWindows, notes: ImportReport) -> BaseModel | None:
        webhook = self._webhook
        keys = (
            "webhook_time_start",
            "webhook_time_end",
            "absence_pause_enabled",
            "absence_pause_days",
        )
        if not any(k in webhook for k in keys):
            return None
        data = stored.model_dump()
        data["window"] = {
            "start": webhook.get("webhook_time_start") or None,
            "end": webhook.get("webhook_time_end") or None,
        }
        notes.mapped.append("webhook_time_start/end -> sending window")
        if webhook.get("absence_pause_enabled"):
            data["absence_days"] = [str(d).lower() for d in webhook.get("absence_pause_days") or []]
            notes.mapped.append("absence_pause_days -> absence days")
        return _validate(self._docs["time_windows"], "time_windows", data)


def _legacy_pref_values(prefs: dict[str, Any], report: ImportReport) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    if "exclude_keywords" in prefs:
        mapping["exclude_keywords"] = [str(k) for k in prefs["exclude_keywords"] or []]
    if "retry_count" in prefs:
        delay = int(prefs.get("retry_delay_sec") or 60)
        mapping["retry_schedule"] = [0] + [delay] * int(prefs["retry_count"])
        report.mapped.append("retry_count/retry_delay_sec -> retry_schedule")
    if "webhook_timeout_sec" in prefs:
        mapping["webhook_timeout_sec"] = float(prefs["webhook_timeout_sec"])
    if prefs.get("rate_limit_per_hour"):
        mapping["rate_limit"] = {"per_hour": int(prefs["rate_limit_per_hour"])}
    report.mapped += [f"processing_prefs.{k}" for k in mapping if k != "retry_schedule"]
    return mapping


def _validate(svc: DocumentService[M], name: str, data: Any) -> M:
    try:
        return svc.model.model_validate(data)
    except ValidationError as exc:
        where = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
            for err in exc.errors(include_input=False, include_url=False)
        )
        raise InvalidImport(f"{name}: {where}") from exc


class _TargetMapper:
    """Old rules and settings name webhook URLs; Relais routes to target ids."""

    def __init__(self, current: TargetList, report: ImportReport) -> None:
        self._targets = list(current.targets)
        self._report = report

    def id_for_url(self, url: str) -> str:
        full = expand_webhook_url(url)
        for target in self._targets:
            if target.url == full:
                return target.id
        existing = {t.id for t in self._targets}
        base = slug(full.split("//")[-1].split("/")[0])
        target_id, n = base, 2
        while target_id in existing:
            target_id, n = f"{base}-{n}", n + 1
        secret = new_secret()
        self._targets.append(
            WebhookTarget(
                id=target_id,
                name=f"Imported {base}",
                url=full,
                secret=secret,
                options={"default": False},
            )
        )
        self._report.generated_secrets[target_id] = secret
        self._report.mapped.append(f"webhook URL -> new target {target_id}")
        return target_id

    def add_default(self, webhook: dict[str, Any]) -> None:
        url = webhook.get("webhook_url")
        if not url:
            return
        target_id = self.id_for_url(str(url))
        self._targets = [
            t.model_copy(update={"options": t.options.model_copy(update={"default": True})})
            if t.id == target_id
            else t
            for t in self._targets
        ]
        self._report.mapped.append(f"webhook_config.webhook_url -> default target {target_id}")

    def result(self) -> TargetList:
        return TargetList(targets=self._targets)
