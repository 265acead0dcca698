"""The rules dry run: what a sample email would do, and what a draft would change on recent mail."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from email_processing.detectors import DETECTOR_NAMES
from email_processing.inbound import InboundEmail
from email_processing.rules import RuleSet, compile_rules
from services.delivery.ingest import IngestContext, IngestService, analysis_doc
from services.delivery.queue import DeliveryQueue
from services.delivery.record import StoredEmail
from services.errors import NotFound

MAX_REPLAY = 1000
REPLAY_BUDGET_SECONDS = 10.0  # "what would change" stops here and says so


@dataclass(frozen=True)
class Outcome:
    """The part of a decision an operator compares: status and where it goes."""

    status: str
    reason: str | None
    targets: tuple[str, ...]
    rules: tuple[str, ...]

    @classmethod
    def of(cls, ctx: IngestContext) -> Outcome:
        return cls(
            ctx.status,
            ctx.reason,
            tuple(route.target_id for route, _ in ctx.plans),
            ctx.routing.matched_rules if ctx.routing else (),
        )

    def same_route(self, other: Outcome) -> bool:
        """Same status and targets, whichever rules matched (renamed rules route the same)."""
        return (self.status, self.reason, self.targets) == (
            other.status,
            other.reason,
            other.targets,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "targets": list(self.targets),
            "rules": list(self.rules),
        }


def stored_to_inbound(stored: StoredEmail) -> InboundEmail:
    """Rebuild the pushed email from its stored form (meta + bodies)."""
    fields = set(InboundEmail.model_fields) - {"body", "plain_body"}
    data = {name: stored.meta[name] for name in fields if name in stored.meta}
    return InboundEmail.model_validate(
        {**data, "body": stored.body, "plain_body": stored.plain_body or None}
    )


class RulesLab:
    def __init__(
        self,
        ingest: IngestService,
        queue: DeliveryQueue,
        timer: Callable[[], float] = time.monotonic,
        budget: float = REPLAY_BUDGET_SECONDS,
    ) -> None:
        self._ingest = ingest
        self._queue = queue
        self._timer = timer
        self._budget = budget

    def test(self, email: InboundEmail, draft: RuleSet | None = None) -> dict[str, Any]:
        """The decision and its trace for one email, under the current rules or a draft."""
        rules = compile_rules(draft) if draft is not None else None
        ctx = self._ingest.evaluate(email, rules=rules)
        return {
            "email_id": ctx.email_id,
            **Outcome.of(ctx).to_dict(),
            **analysis_doc(ctx),
        }

    def test_stored(self, email_id: str, draft: RuleSet | None = None) -> dict[str, Any]:
        """`test` on a stored email (NotFound when it has expired)."""
        stored = self._queue.load_email(email_id)
        if stored is None:
            raise NotFound("no stored email with this id")
        return self.test(stored_to_inbound(stored), draft)

    @staticmethod
    def detectors() -> list[str]:
        """The detectors' names, in the order they run (the dashboard lists them from here)."""
        return list(DETECTOR_NAMES)

    def replay_last(
        self,
        count: int,
        draft: RuleSet,
        *,
        include_unchanged: bool = False,
        routes_only: bool = False,
    ) -> dict[str, Any]:
        """For the last `count` stored emails: which decisions the draft would change.

        `changes` lists the changed ones (newest first), or every evaluated email when
        `include_unchanged`; each entry says whether it `changed`. Past the time budget it
        stops, and `stopped_early` says so (`evaluated` is then below `requested`).
        With `routes_only` (an import, whose rules carry other names than today's), an email
        has changed only when it would go elsewhere, not when another rule sends it there.
        """
        compiled = compile_rules(draft)
        rows = []
        changed = evaluated = 0
        emails = self._queue.recent_emails(min(count, MAX_REPLAY))
        deadline = self._timer() + self._budget
        for stored in emails:
            if self._timer() > deadline:
                break
            evaluated += 1
            email = stored_to_inbound(stored)
            when = float(stored.meta.get("ingested_at") or 0) or None
            before = Outcome.of(self._ingest.evaluate(email, now=when))
            after = Outcome.of(self._ingest.evaluate(email, rules=compiled, now=when))
            differs = not before.same_route(after) if routes_only else before != after
            changed += differs
            if differs or include_unchanged:
                rows.append(
                    {
                        "email_id": stored.meta["email_id"],
                        "subject": stored.meta.get("subject", ""),
                        "changed": differs,
                        "before": before.to_dict(),
                        "after": after.to_dict(),
                    }
                )
        return {
            "requested": len(emails),
            "evaluated": evaluated,
            "stopped_early": evaluated < len(emails),
            "changed": changed,
            "changes": rows,
        }
