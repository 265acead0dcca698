"""Objects older than the retention are deleted: one run at a time, from the CLI or the workers."""

from __future__ import annotations

import threading
import time

HOUR = 3600
OURS = ("dropbox/aaaa1111/bbbb2222/old.pdf", "wetransfer/cccc3333/dddd4444/file")


def put(s3, bucket, *keys):
    for key in (*OURS, "backups/keep.tar", *keys):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")


def keys_in(s3, bucket):
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_only_our_objects_older_than_the_retention_are_deleted(direct_app, s3, bucket, clock):
    r2 = direct_app(r2_retention_hours=24).extensions["relais"].offload
    put(s3, bucket)
    clock.advance(23 * HOUR)
    assert r2.cleanup() == 0
    clock.advance(2 * HOUR)
    assert r2.cleanup() == 2
    assert keys_in(s3, bucket) == ["backups/keep.tar"]


def test_a_running_cleanup_holds_the_lock(direct_app, s3, bucket, clock, redis_client):
    services = direct_app().extensions["relais"]
    put(s3, bucket)
    clock.advance(48 * HOUR)
    redis_client.set(services.keys.r2_cleanup_lock, "another-instance")
    assert services.offload.cleanup() is None
    assert len(keys_in(s3, bucket)) == 3
    redis_client.delete(services.keys.r2_cleanup_lock)
    assert services.offload.cleanup() == 2


def test_the_cli_command_cleans_up(direct_app, s3, bucket, clock):
    app = direct_app()
    put(s3, bucket)
    clock.advance(48 * HOUR)
    result = app.test_cli_runner().invoke(args=["r2-cleanup"])
    assert result.exit_code == 0, result.output
    assert "deleted 2 objects" in result.output


def test_the_cli_says_when_relais_has_no_bucket_access(worker_app):
    result = worker_app().test_cli_runner().invoke(args=["r2-cleanup"])
    assert result.exit_code != 0
    assert "R2_ENDPOINT_URL" in result.output and "lifecycle" in result.output


def test_the_periodic_cleanup_runs_once_per_interval_across_processes(
    direct_app, s3, bucket, clock
):
    first = direct_app(r2_cleanup_interval_minutes=60).extensions["relais"]
    second = direct_app(r2_cleanup_interval_minutes=60).extensions["relais"]
    put(s3, bucket)
    clock.advance(48 * HOUR)
    first.delivery.deliverer.housekeeping()
    first.delivery.deliverer.housekeeping()
    second.delivery.deliverer.housekeeping()
    assert first.offload.wait_idle(10) and second.offload.wait_idle(10)
    assert first.offload.stats()["cleanup_runs"] == 1
    assert keys_in(s3, bucket) == ["backups/keep.tar"]


def test_idle_delivery_threads_run_the_cleanup(direct_app, s3, bucket, clock):
    services = direct_app(r2_cleanup_interval_minutes=60, worker_threads=1).extensions["relais"]
    put(s3, bucket)
    clock.advance(48 * HOUR)
    services.delivery.workers.start()
    done = threading.Event()
    deadline = time.monotonic() + 10
    while not done.is_set() and time.monotonic() < deadline:
        if services.offload.stats().get("cleanup_runs"):
            done.set()
        done.wait(0.05)  # waiting on the real worker thread
    assert keys_in(s3, bucket) == ["backups/keep.tar"]
