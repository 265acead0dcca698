"""Operator commands: `flask --app app_render <command>`."""

from __future__ import annotations

import json
import logging
import re
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any

import click
from flask import Blueprint, Flask
from pydantic import ValidationError

from config.malloc_arenas import cap_arenas
from config.redis_conn import REDIS_DOWN_ERRORS
from config.startup_checks import StartupError, check_eviction_policy, durability_detail
from services.app import Services, get_services
from services.documents.registry import REGISTRY
from services.errors import ServiceError
from services.gmail.build import Gmail, GmailNotConfigured
from services.operator.config_io import LEGACY_NAMES
from services.operator.records import DeliveryFilter, EmailFilter

logger = logging.getLogger(__name__)

bp = Blueprint("cli", __name__, cli_group=None)


@bp.cli.command("worker")
@click.option("--threads", type=click.IntRange(1, 64), default=None, help="Delivery threads.")
def worker(threads: int | None) -> None:
    """Run delivery workers in this process until SIGTERM/SIGINT, then drain and exit 0."""
    services = get_services()
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        logger.info("shutdown: signal %s received, draining deliveries", signum)
        stop.set()

    cap_arenas()  # a threaded process, like a server's worker (config/malloc_arenas.py)
    # Before the threads start: a SIGTERM from then on drains, never kills mid-attempt.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    pool = services.delivery.start_workers(threads or max(1, services.settings.worker_threads))
    while not stop.wait(1.0):
        pass
    pool.begin_stop()
    services.delivery.stop_workers(pool=pool)
    logger.info("shutdown: worker exited cleanly")


@bp.cli.command("replay")
@click.argument("delivery_ids", nargs=-1)
@click.option(
    "--status", type=click.Choice(["dead", "delivered", "cancelled"]), help="Replay by filter."
)
@click.option("--target", help="Only deliveries to this target.")
@click.option("--since", help="Created after: ISO date/time, or a duration like 2h, 3d.")
@click.option("--dry-run", is_flag=True, help="Only count what would be replayed.")
def replay(
    delivery_ids: tuple[str, ...],
    status: str | None,
    target: str | None,
    since: str | None,
    dry_run: bool,
) -> None:
    """Re-queue finished deliveries (same webhook-id), audited: by id, or by filter."""
    services = get_services()
    if delivery_ids:
        replay_one = services.operator.records.replay
        outcomes = {i: _outcome(partial(replay_one, i, "cli")) for i in delivery_ids}
        _report_each(outcomes, "queued")
        return
    if not status:
        raise click.UsageError("give delivery ids, or --status dead|delivered")
    when = parse_since(since, services.clock()) if since else None
    flt = DeliveryFilter(status=status, target=target, since=when)
    result = services.operator.records.replay_matching(flt, "cli", dry_run)
    click.echo(json.dumps(result))


@bp.cli.command("release")
@click.argument("delivery_ids", nargs=-1)
@click.option(
    "--status",
    type=click.Choice(["held", "scheduled", "retrying"]),
    help="Release by filter: every waiting delivery in this state.",
)
@click.option("--target", help="Only deliveries to this target.")
@click.option("--since", help="Created after: ISO date/time, or a duration like 2h, 3d.")
@click.option("--dry-run", is_flag=True, help="Only count what would be released.")
def release(
    delivery_ids: tuple[str, ...],
    status: str | None,
    target: str | None,
    since: str | None,
    dry_run: bool,
) -> None:
    """Send waiting deliveries now, whatever the window or the day off (audited)."""
    services = get_services()
    if delivery_ids:
        release_one = services.operator.waiting.release_now
        outcomes = {i: _outcome(partial(release_one, i, "cli")) for i in delivery_ids}
        _report_each(outcomes, "released")
        return
    if not status:
        raise click.UsageError("give delivery ids, or --status held|scheduled|retrying")
    when = parse_since(since, services.clock()) if since else None
    flt = DeliveryFilter(status=status, target=target, since=when)
    click.echo(json.dumps(services.operator.waiting.release_matching(flt, "cli", dry_run)))


@bp.cli.command("reroute")
@click.argument("email_ids", nargs=-1)
@click.option(
    "--status",
    type=click.Choice(["parked", "ignored", "accepted"]),
    help="Re-route by filter: every stored email with this status.",
)
@click.option("--reason", help="Only emails with this reason (no_target, no_links, ...).")
@click.option("--since", help="Received after: ISO date/time, or a duration like 2h, 3d.")
@click.option("--dry-run", is_flag=True, help="Only say what the current rules would do.")
def reroute(
    email_ids: tuple[str, ...],
    status: str | None,
    reason: str | None,
    since: str | None,
    dry_run: bool,
) -> None:
    """Run the current rules again on stored emails and send what they now route (audited)."""
    services = get_services()
    if email_ids:
        rows = [_reroute_one(services, email_id, dry_run) for email_id in email_ids]
        click.echo(json.dumps({"emails": rows}, ensure_ascii=False))
        if any("error" in row for row in rows):
            sys.exit(1)
        return
    if not status and not reason:
        raise click.UsageError("give email ids, or --status and/or --reason")
    when = parse_since(since, services.clock()) if since else None
    flt = EmailFilter(status=status, reason=reason, since=when)
    result = services.operator.waiting.reroute_matching(flt, "cli", dry_run)
    click.echo(json.dumps(result, ensure_ascii=False))


def _reroute_one(services: Services, email_id: str, dry_run: bool) -> dict[str, object]:
    try:
        return services.operator.waiting.reroute(email_id, "cli", dry_run)
    except ServiceError as exc:
        return {"email_id": email_id, "error": exc.code, "message": exc.message}


def _outcome(action: Callable[[], str]) -> str:
    """An action's outcome, or the code of the error it raised."""
    try:
        return action()
    except ServiceError as exc:
        return exc.code


def _report_each(outcomes: dict[str, str], success: str) -> None:
    """One line per id; exit 1 when any of them did not succeed."""
    for item, outcome in outcomes.items():
        click.echo(f"{item}: {outcome}")
    if any(outcome != success for outcome in outcomes.values()):
        sys.exit(1)


def parse_since(value: str, now: float) -> float:
    """`2h`, `30m`, `3d` before now, or an ISO 8601 date/time (UTC when no zone)."""
    match = re.fullmatch(r"(\d+)([smhd])", value.strip())
    if match:
        unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
        return now - int(match.group(1)) * unit
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter("use 2h/30m/3d or an ISO date like 2026-11-20T08:00") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


@bp.cli.command("check-config")
def check_config() -> None:
    """Validate settings, Redis and every stored config document; exit 1 on a problem."""
    services = get_services()
    problems = config_problems(services)
    for line in problems:
        click.echo(f"PROBLEM {line}")
    if problems:
        sys.exit(1)
    reading = services.delivery.durability.current()
    click.echo(f"Redis durability: {reading.level} ({durability_detail(reading)})")
    click.echo("configuration OK")


def config_problems(services: Services) -> list[str]:
    problems: list[str] = []
    try:
        check_eviction_policy(services.redis)
        services.redis.ping()
    except StartupError as exc:
        problems.append(str(exc))
    except REDIS_DOWN_ERRORS as exc:
        return [f"Redis unreachable ({type(exc).__name__})"]
    for kind in REGISTRY:
        stored = services.documents.store.read(kind.name)
        if stored is None:
            continue
        try:
            kind.model.model_validate(stored.data)
        except ValidationError as exc:
            where = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors(include_input=False))
            problems.append(f"stored document {kind.name} is invalid at: {where}")
    problems += target_problems(services)
    return problems


def target_problems(services: Services) -> list[str]:
    problems = []
    known = set()
    for target in services.documents.targets.get().targets:
        known.add(target.id)
        try:
            services.operator.targets.normalize_url(target.url)
        except ServiceError as exc:
            problems.append(f"target {target.id}: {exc.message}")
    for rule in services.documents.rules.get().rules:
        missing = [t for t in rule.actions.targets if t not in known]
        if missing:
            problems.append(f"rule {rule.id}: unknown target(s) {', '.join(missing)}")
    return problems


@bp.cli.command("import-legacy")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Map, validate and report; write nothing.")
@click.option(
    "--recent",
    type=click.IntRange(0, 1000),
    default=50,
    show_default=True,
    help="Compare the imported rules with today's on this many recent emails.",
)
def import_legacy(source: Path, dry_run: bool, recent: int) -> None:
    """Import the old router's configuration: a folder of its documents (webhook_config.json,
    routing_rules.json, ...) or its dashboard's export file. Prints the mapping report."""
    doc = _legacy_documents(source)
    try:
        report = get_services().operator.config_io.import_legacy(
            dict(doc), "cli", dry_run=dry_run, recent=recent
        )
    except ServiceError as exc:  # bad input: its report and why, never a traceback
        if isinstance(exc.fields.get("report"), dict):
            click.echo(json.dumps(exc.fields["report"], indent=1, ensure_ascii=False))
        raise click.ClickException(exc.message) from None
    click.echo(json.dumps(report, indent=1, ensure_ascii=False))
    _say_problems(report)


def _say_problems(report: dict[str, object]) -> None:
    """What was left out, on stderr: the import went on without it (exit code 0)."""
    problems = report.get("problems")
    if isinstance(problems, list) and problems:
        click.echo(f"{len(problems)} problem(s), left out of the import:", err=True)
        for line in problems:
            click.echo(f"  - {line}", err=True)


def _legacy_documents(source: Path) -> dict[str, object]:
    if source.is_file():
        whole = _read_json(source)
        if not isinstance(whole, dict):
            raise click.UsageError(f"{source} does not hold a JSON object")
        return whole
    doc: dict[str, object] = {}
    for name in LEGACY_NAMES:
        path = source / f"{name}.json"
        if path.exists():
            doc[name] = _read_json(path)
    if not doc:
        raise click.UsageError(f"no {', '.join(n + '.json' for n in LEGACY_NAMES)} in {source}")
    return doc


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.UsageError(f"{path}: not a readable JSON file ({type(exc).__name__})") from None


@bp.cli.command("r2-cleanup")
def r2_cleanup() -> None:
    """Delete R2 copies older than R2_RETENTION_HOURS (one run at a time across instances)."""
    r2 = get_services().offload
    if r2 is None:
        raise click.ClickException("R2 offload is off (R2_FETCH_ENABLED=false)")
    if not r2.can_clean:
        raise click.ClickException(
            "no S3 credentials (R2_ENDPOINT_URL, R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY): "
            "rely on the bucket's lifecycle rule or the Worker's cron"
        )
    deleted = r2.cleanup()
    if deleted is None:
        click.echo("skipped: another clean-up is running")
    else:
        click.echo(f"deleted {deleted} objects older than the retention")


# -- Gmail push: the connected mailboxes --------------------------------------------------------


class CommandFailed(click.ClickException):
    """One line on stderr, exit 1: what was asked failed or was not found."""

    exit_code = 1


class NotConfigured(CommandFailed):
    """One line on stderr, exit 2: the settings do not allow what was asked."""

    exit_code = 2


def _gmail_failure(exc: ServiceError, address: str = "") -> CommandFailed:
    if isinstance(exc, GmailNotConfigured):
        return NotConfigured(exc.message)
    return CommandFailed(f"{address.lower()}: {exc.message}" if address else exc.message)


@bp.cli.group("gmail")
def gmail() -> None:
    """Mailboxes connected by Gmail push: list them, sync one now, renew watches, remove one.
    Mailboxes are connected from the dashboard (Mailboxes, Connect Gmail) or with
    GMAIL_ADDRESS and GMAIL_REFRESH_TOKEN."""


@gmail.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the mailboxes and the setup as JSON.")
def gmail_list(as_json: bool) -> None:
    """Connected mailboxes with their state: health, watch expiry, last history id, last
    sync, last error (times in UTC)."""
    service = get_services().gmail
    items, setup = service.mailboxes(), service.setup()
    if as_json:
        click.echo(json.dumps({"items": items, "setup": setup}, ensure_ascii=False))
        return
    if not items:
        click.echo("no mailbox connected")
    for item in items:
        click.echo(_mailbox_line(item))
    try:
        service.require_reader()
    except GmailNotConfigured as exc:
        click.echo(f"{exc.message}: mailboxes are not read", err=True)


def _mailbox_line(item: dict[str, object]) -> str:
    fields = {
        "state": item["state"],
        "health": item["health"],
        "watch_expires": _when(item.get("watch_expires_at")),
        "history_id": item.get("history_id") or "-",
        "last_sync": _when(item.get("last_sync_at")),
        "last_sync_ok": _when(item.get("last_sync_ok_at")),
        "admitted": item.get("admitted", 0),
    }
    line = f"{item['address']}  " + "  ".join(f"{k}={v}" for k, v in fields.items())
    errors = [f"{k}={item[k]!r}" for k in ("last_error", "watch_error") if item.get(k)]
    return "  ".join([line, *errors])


def _when(epoch: object) -> str:
    if not isinstance(epoch, int | float):
        return "never"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@gmail.command("sync")
@click.argument("address")
@click.option("--json", "as_json", is_flag=True, help="Print what the sync did as JSON.")
def gmail_sync(address: str, as_json: bool) -> None:
    """Sync ADDRESS now, in this process: read its history from the last history id and admit
    each new message (audited). Exit 1 when the sync stopped on an error."""
    try:
        report = get_services().gmail.sync_now(address, "cli")
    except ServiceError as exc:
        raise _gmail_failure(exc, address) from None
    if report is None:
        row: dict[str, object] = {"address": address.lower(), "outcome": "queued"}
    else:
        outcome = "error" if report.error else ("full_sync" if report.full else "synced")
        row = {"address": address.lower(), "outcome": outcome, **asdict(report)}
    if as_json:
        click.echo(json.dumps(row, ensure_ascii=False))
    elif report is None:
        click.echo(f"{row['address']}: another process is syncing it; due again right after")
    else:
        counts = f"admitted {report.admitted}, duplicates {report.duplicates}"
        click.echo(f"{row['address']}: {row['outcome']} ({counts}, skipped {report.skipped})")
    if report is not None and report.error:
        raise CommandFailed(f"the sync of {row['address']} stopped: {report.error}")


def _renew_rows(service: Gmail, addresses: list[str], every: bool) -> list[dict[str, Any]]:
    """Renew each watch; with --all a failure is a row, for one mailbox it is the error."""
    rows: list[dict[str, Any]] = []
    for one in addresses:
        try:
            view = service.renew_watch(one, "cli")
        except ServiceError as exc:
            if not every:
                raise _gmail_failure(exc, one) from None
            rows.append({"address": one, "outcome": exc.code, "message": exc.message})
            continue
        expires = view.get("watch_expires_at")
        rows.append({"address": one, "outcome": "renewed", "watch_expires_at": expires})
    return rows


def _print_renewals(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"mailboxes": rows}, ensure_ascii=False))
        return
    if not rows:
        click.echo("no connected mailbox")
    for row in rows:
        detail = row.get("message") or f"watch expires {_when(row.get('watch_expires_at'))}"
        click.echo(f"{row['address']}: {row['outcome']} ({detail})")


@gmail.command("renew-watch")
@click.argument("address", required=False)
@click.option("--all", "every", is_flag=True, help="Every connected mailbox.")
@click.option("--json", "as_json", is_flag=True, help="Print each mailbox's outcome as JSON.")
def gmail_renew_watch(address: str | None, every: bool, as_json: bool) -> None:
    """Renew the Gmail watch (users.watch on GMAIL_PUBSUB_TOPIC) of ADDRESS, or of every
    connected mailbox with --all, whatever its expiry (audited). Exit 1 when one failed."""
    if bool(address) == every:
        raise click.UsageError("give one mailbox address, or --all")
    service = get_services().gmail
    try:
        service.require_watch()
    except GmailNotConfigured as exc:
        raise _gmail_failure(exc) from None
    if every:
        addresses = [m["address"] for m in service.mailboxes() if m["state"] == "connected"]
    else:
        addresses = [str(address)]
    rows = _renew_rows(service, addresses, every)
    _print_renewals(rows, as_json)
    if any(row["outcome"] != "renewed" for row in rows):
        sys.exit(1)


@gmail.command("remove")
@click.argument("address")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def gmail_remove(address: str, as_json: bool) -> None:
    """Disconnect ADDRESS, as the dashboard's Disconnect does: stop its watch (users.stop), delete
    its stored token and state (audited). Connecting it again starts from the mailbox's
    current history."""
    services = get_services()
    try:
        services.gmail.disconnect(address, "cli")
    except ServiceError as exc:
        raise _gmail_failure(exc, address) from None
    if as_json:
        click.echo(json.dumps({"address": address.lower(), "outcome": "removed"}))
    else:
        click.echo(f"{address.lower()}: removed")
    if (services.settings.gmail_address or "").lower() == address.lower():
        click.echo(
            "GMAIL_ADDRESS names this mailbox: the next start connects it again unless "
            "GMAIL_ADDRESS and GMAIL_REFRESH_TOKEN are unset",
            err=True,
        )


def init_cli(app: Flask) -> None:
    app.register_blueprint(bp)
