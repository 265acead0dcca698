"""Config export and import: Relais's own documents, and the old router's
(docs/old-router.md, stored documents).

Export gives one JSON document; secrets (target secrets, static header values)
are left out unless asked. Import validates everything first, then writes each
document as a new version, and reports what was mapped and what was not.

Each imported document is built from the stored one (secrets kept, targets reused
by URL, fields the import does not set left as they are) inside that document's
compare-and-set, so a change another admin saved meanwhile is built upon, not lost.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from services.access.audit import MASK, AuditLog
from services.documents.base import DocumentService
from services.documents.build import Documents
from services.documents.targets import TargetList, WebhookTarget
from services.errors import InvalidInput
from services.operator.legacy_import import LEGACY_NAMES, LegacyImport
from services.operator.legacy_report import Notes
from services.operator.rules_lab import RulesLab
from services.operator.targets import new_secret, slug

M = TypeVar("M", bound=BaseModel)
Build = Callable[[Any, Notes], BaseModel | None]
"""One document's import: from the stored document to the one to write (None: nothing to
write), with notes for the report. Called again, on the newer version, after a conflict."""
FORMAT = "relais-config"
__all__ = ["LEGACY_NAMES", "ConfigIO", "ImportReport"]


@dataclass
class ImportReport(Notes):
    """The whole import's report: every document's notes, and what was (or would be) written."""

    written: list[str] = field(default_factory=list)
    dry_run: bool = False
    rules_effect: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """A dry run says `would_write`, never `written`: nothing was. Its secrets are not the
        ones an import makes. `problems` repeats the items the operator must act on."""
        secrets = self.generated_secrets
        doc = {
            "dry_run": self.dry_run,
            ("would_write" if self.dry_run else "written"): self.written,
            "problems": self.problems(),
            "mapped": [item.to_dict() for item in self.mapped],
            "not_mapped": [item.to_dict() for item in self.not_mapped],
            "generated_secrets": dict.fromkeys(secrets, MASK) if self.dry_run else secrets,
        }
        if self.rules_effect is not None:
            doc["rules_effect"] = self.rules_effect
        return doc


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
        documents: Documents,
        clock: Callable[[], float] = time.time,
        lab: RulesLab | None = None,
        check_url: Callable[[str], str] = lambda url: url,
        audit: AuditLog | None = None,
        env_target: str | None = None,
    ) -> None:
        """`check_url` gives the URL a target is saved with, or raises (the same check as
        saving a target: an import never stores a URL the API would refuse). `env_target`:
        the target WEBHOOK_URL defines, when set (the old router's URL never doubles it)."""
        self._env_target = env_target
        self._targets = documents.targets
        self._clock = clock
        self._lab = lab
        self._check_url = check_url
        self._audit = audit
        self._docs: dict[str, DocumentService[Any]] = documents.by_name()

    # -- export -------------------------------------------------------------

    def export(self, include_secrets: bool, actor: str) -> dict[str, Any]:
        """Every document as one JSON document; an export with the secrets is audited."""
        if include_secrets and self._audit is not None:
            self._audit.record(actor, "export", "config", detail="with secrets")
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

    def import_any(
        self, doc: dict[str, Any], actor: str, dry_run: bool = False, recent: int = 0
    ) -> dict[str, Any]:
        """A Relais export, or the old router's documents (detected by their names).

        With `dry_run`, everything is mapped and validated and the report says what
        would be written, but nothing is saved.
        """
        if doc.get("format") == FORMAT:
            return self.import_relais(doc.get("documents") or {}, actor, dry_run)
        if any(name in doc for name in (*LEGACY_NAMES, "time_window")):
            return self.import_legacy(doc, actor, dry_run, recent)
        raise InvalidInput("not a Relais export nor the old router's documents")

    def import_relais(
        self, documents: dict[str, Any], actor: str, dry_run: bool = False
    ) -> dict[str, Any]:
        report = ImportReport(dry_run=dry_run)
        unknown = sorted(set(documents) - set(self._docs))
        for name in unknown:
            report.skip(name, "unknown_field", detail="not a Relais document; ignored")
        builds: list[tuple[str, Build]] = []
        for name, svc in self._docs.items():
            if name == "webhook_targets" and name in documents:
                builds.append((name, self._targets_build(documents[name])))
            elif name in documents:
                model = _validate(svc, name, documents[name])
                builds.append((name, _replacing(model)))
        return self._run(builds, report, actor)

    def _targets_build(self, data: dict[str, Any]) -> Build:
        def build(stored: TargetList, notes: Notes) -> BaseModel:
            restored = self._restore_secrets(data, stored, notes)
            for target in restored["targets"]:
                target["url"] = self._check_url(str(target.get("url", "")))
            return _validate(self._targets, "webhook_targets", restored)

        return build

    def _run(
        self,
        builds: list[tuple[str, Build]],
        report: ImportReport,
        actor: str,
        effect: Callable[[], dict[str, Any] | None] | None = None,
    ) -> dict[str, Any]:
        """Build every document from the stored ones (validating all), say what the rules
        would change (`effect`), then write each one, built again from the version its
        compare-and-set stores upon."""
        notes = {name: Notes() for name, _ in builds}
        written = [
            name
            for name, build in builds
            if build(self._docs[name].load().value, notes[name]) is not None
        ]
        if effect is not None:
            report.rules_effect = effect()
        for name, build in builds:
            if name in written and not report.dry_run:
                self._docs[name].update(_applied(build, notes, name), actor)
        for name, _ in builds:
            report.add(notes[name])
        report.written += written
        return report.to_dict()

    @staticmethod
    def _restore_secrets(data: dict[str, Any], stored: TargetList, report: Notes) -> dict[str, Any]:
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
        target: dict[str, Any], existing: WebhookTarget | None, report: Notes
    ) -> dict[str, Any]:
        options = dict(target.get("options") or {})
        headers = dict(options.get("headers") or {})
        for name, value in list(headers.items()):
            if value == MASK:
                kept = existing.options.headers.get(name) if existing else None
                if kept is None:
                    del headers[name]
                    report.skip(
                        f"webhook_targets.{target.get('id')}.headers.{name}",
                        "not_applicable",
                        detail="exported without its value, and no stored value to keep",
                    )
                else:
                    headers[name] = kept
        options["headers"] = headers
        return options

    # -- the old router's documents -------------------------------------------

    def import_legacy(
        self, doc: dict[str, Any], actor: str, dry_run: bool = False, recent: int = 0
    ) -> dict[str, Any]:
        """The old router's documents, or its dashboard's export file. With `recent`, the
        report also says what the imported rules would route differently on the last
        `recent` stored emails (before anything is written).

        What cannot be imported is in the report and the rest imports; when nothing at all
        can be, InvalidInput carries the report (the operator must see why)."""
        legacy = LegacyImport(doc, slug, self._check_url, self._env_target)
        if not legacy.docs:
            raise InvalidInput("none of the old router's documents in the file")
        report = ImportReport(dry_run=dry_run)
        report.add(legacy.notes)

        def effect() -> dict[str, Any] | None:
            draft = legacy.rules_draft
            if draft is None or recent <= 0 or self._lab is None:
                return None
            return self._lab.replay_last(recent, draft, routes_only=True)

        result = self._run(legacy.builds(), report, actor, effect)
        if not report.written:
            raise InvalidInput(
                "nothing could be imported from the old router's documents: see the report",
                report=result,
            )
        return result


def _replacing(model: BaseModel) -> Build:
    """A build that writes `model` whatever is stored."""

    def build(_stored: Any, _notes: Notes) -> BaseModel:
        return model

    return build


def _applied(build: Build, notes: dict[str, Notes], name: str) -> Callable[[Any], Any]:
    """`build` as a change function; the notes kept are those of the version stored."""

    def change(stored: Any) -> Any:
        notes[name] = Notes()
        built = build(stored, notes[name])
        return stored if built is None else built

    return change


def _validate(svc: DocumentService[M], name: str, data: Any) -> M:
    try:
        return svc.model.model_validate(data)
    except ValidationError as exc:
        where = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
            for err in exc.errors(include_input=False, include_url=False)
        )
        raise InvalidInput(f"{name}: {where}") from exc
