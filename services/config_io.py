"""Config export and import: Relais's own documents, and the old router's (REFERENCE §8).

Export gives one JSON document; secrets (target secrets, static header values)
are left out unless asked. Import validates everything first, then writes each
document as a new version, and reports what was mapped and what was not.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from email_processing.rules import expand_webhook_url, import_legacy_rules
from preferences import ProcessingPreferences
from services.audit import MASK
from services.documents import DocumentService
from services.errors import ServiceError
from services.preferences import PreferencesService
from services.routing_rules import RoutingRulesService
from services.runtime_flags import RuntimeFlags, RuntimeFlagsService
from services.targets_admin import new_secret, slug
from services.time_windows import TimeWindows, TimeWindowsService
from services.webhook_targets import TargetList, WebhookTarget, WebhookTargetsService

M = TypeVar("M", bound=BaseModel)
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
        self._flags = flags
        self._targets = targets
        self._rules = rules
        self._windows = windows
        self._prefs = preferences
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
        parsed: dict[str, BaseModel] = {}
        for name, svc in self._docs.items():
            if name not in documents:
                continue
            data = documents[name]
            if name == "webhook_targets":
                data = self._restore_secrets(data, report)
            parsed[name] = _validate(svc, name, data)
        for name, model in parsed.items():
            if not dry_run:
                self._docs[name].save(model, actor=actor)
            report.written.append(name)
        return report.to_dict()

    def _restore_secrets(self, data: dict[str, Any], report: ImportReport) -> dict[str, Any]:
        """Targets exported without secrets keep the current ones, or get new ones."""
        current = {t.id: t for t in self._targets.get().targets}
        targets = []
        for raw in data.get("targets", []):
            target = dict(raw)
            existing = current.get(str(target.get("id")))
            if not target.get("secret"):
                target["secret"] = existing.secret if existing else new_secret()
                if not existing:
                    report.generated_secrets[str(target.get("id"))] = target["secret"]
            target["options"] = self._restore_headers(target, existing, report)
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
        for name, model in self._legacy_models(doc, report):
            if model is None:
                continue
            if not dry_run:
                self._docs[name].save(model, actor=actor)
            report.written.append(name)
        return report.to_dict()

    def _legacy_models(
        self, doc: dict[str, Any], report: ImportReport
    ) -> list[tuple[str, BaseModel | None]]:
        """Every document mapped and validated before anything is written."""
        webhook = doc.get("webhook_config") or {}
        flags = doc.get("runtime_flags") or {}
        targets = _TargetMapper(self._targets.get(), report)
        targets.add_default(webhook)
        rules = None
        if "routing_rules" in doc:
            rules, notes = import_legacy_rules(doc["routing_rules"] or {}, targets.id_for_url)
            report.mapped.append(f"routing_rules: {len(rules.rules)} rules")
            report.not_mapped += notes
        if "webhook_ssl_verify" in webhook:
            report.not_mapped.append("webhook_ssl_verify: TLS certificates are always verified")
        return [
            ("webhook_targets", targets.result()),
            ("routing_rules", rules),
            ("runtime_flags", self._legacy_flags(flags, webhook, report)),
            (
                "processing_prefs",
                self._legacy_prefs(doc.get("processing_prefs") or {}, flags, report),
            ),
            ("time_windows", self._legacy_windows(webhook, report)),
        ]

    def _legacy_flags(
        self, flags: dict[str, Any], webhook: dict[str, Any], report: ImportReport
    ) -> RuntimeFlags | None:
        if not flags and "webhook_sending_enabled" not in webhook:
            return None
        names = ("gmail_ingress_enabled", "disable_email_id_dedup")
        changes: dict[str, bool] = {k: bool(flags[k]) for k in names if k in flags}
        if "webhook_sending_enabled" in webhook:
            changes["webhook_sending_enabled"] = bool(webhook["webhook_sending_enabled"])
        report.mapped += [f"runtime flag {k}" for k in changes]
        return self._flags.get().model_copy(update=changes)

    def _legacy_prefs(
        self, prefs: dict[str, Any], flags: dict[str, Any], report: ImportReport
    ) -> ProcessingPreferences | None:
        if not prefs and "allow_custom_webhook_without_links" not in flags:
            return None
        data = self._prefs.get().model_dump()
        mapping = _legacy_pref_values(prefs, report)
        if "allow_custom_webhook_without_links" in flags:
            mapping["require_links"] = not bool(flags["allow_custom_webhook_without_links"])
            report.mapped.append("allow_custom_webhook_without_links -> require_links")
        known = {
            "exclude_keywords",
            "retry_count",
            "retry_delay_sec",
            "webhook_timeout_sec",
            "rate_limit_per_hour",
        }
        report.not_mapped += [
            f"processing_prefs.{k} has no equivalent" for k in sorted(set(prefs) - known)
        ]
        return _validate(self._prefs, "processing_prefs", {**data, **mapping})

    def _legacy_windows(self, webhook: dict[str, Any], report: ImportReport) -> TimeWindows | None:
        keys = (
            "webhook_time_start",
            "webhook_time_end",
            "absence_pause_enabled",
            "absence_pause_days",
        )
        if not any(k in webhook for k in keys):
            return None
        data = self._windows.get().model_dump()
        data["window"] = {
            "start": webhook.get("webhook_time_start") or None,
            "end": webhook.get("webhook_time_end") or None,
        }
        report.mapped.append("webhook_time_start/end -> sending window")
        if webhook.get("absence_pause_enabled"):
            data["absence_days"] = [str(d).lower() for d in webhook.get("absence_pause_days") or []]
            report.mapped.append("absence_pause_days -> absence days")
        return _validate(self._windows, "time_windows", data)


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
