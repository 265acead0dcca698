"""Operator commands: `flask --app app_render <command>`."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click
from flask import Blueprint, Flask

from services import get_services
from services.container import worker_config
from services.delivery_worker import WorkerPool

logger = logging.getLogger(__name__)

bp = Blueprint("cli", __name__, cli_group=None)


@bp.cli.command("worker")
@click.option("--threads", type=click.IntRange(1, 64), default=None, help="Delivery threads.")
def worker(threads: int | None) -> None:
    """Run delivery workers in this process until SIGTERM/SIGINT, then drain and exit 0."""
    services = get_services()
    config = worker_config(services.settings, threads or max(1, services.settings.worker_threads))
    pool = WorkerPool(
        services.queue,
        services.deliverer,
        services.preferences,
        services.targets,
        config,
        services.clock,
    )
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        logger.info("shutdown: signal %s received, draining deliveries", signum)
        pool.begin_stop()
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    pool.start()
    while not stop.wait(1.0):
        pass
    pool.stop()
    logger.info("shutdown: worker exited cleanly")


@bp.cli.command("replay")
@click.argument("delivery_ids", nargs=-1, required=True)
def replay(delivery_ids: tuple[str, ...]) -> None:
    """Re-queue dead or delivered deliveries (same webhook-id)."""
    queue = get_services().queue
    for delivery_id in delivery_ids:
        click.echo(f"{delivery_id}: {queue.replay(delivery_id)}")


@bp.cli.command("r2-cleanup")
def r2_cleanup() -> None:
    """Delete R2 copies older than R2_RETENTION_HOURS (one run at a time across instances)."""
    r2 = get_services().r2
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


def init_cli(app: Flask) -> None:
    app.register_blueprint(bp)
