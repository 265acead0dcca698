"""`make bench` / `python -m bench`: Relais under gunicorn against a local sink, with figures.

Reports ingress requests/s and p50/p99 latency at fixed offered rates and at
saturation (unique emails with a 20 KB HTML body), end-to-end latency
(ingress -> signed webhook at the sink), deliveries/s, RSS per process, the
rules evaluation cost, and the same load against the stack's floor (Flask +
pydantic + one Redis write) as a ratio. Writes bench/results/<time>.json and
prints a Markdown summary next to the previous run's figures.

Options: --quick (short runs), --rates 500,1000, --duration 10, --redis-url URL
(default: REDIS_URL, else an embedded server in a temp DATA_DIR).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import redis

from bench import loadgen
from bench.harness import BENCH_TOKEN, Server, Sink, floor_server, relais_server
from bench.stats import summarize_ms
from config import embedded_redis

RESULTS = Path(__file__).resolve().parent / "results"
HTML_20KB = "<div>" + ("<p>Bonjour, voici le lot à traiter, merci.</p>" * 460)[:20_000] + "</div>"


def email_factory(run_id: str) -> loadgen.BodyFactory:
    """Unique emails with a 20 KB body; `date` carries the send time for end-to-end latency."""
    head = json.dumps({"sender": "Planning <planning@media-solution.example>", "body": HTML_20KB})
    prefix = head[:-1].encode()

    def make(index: int) -> bytes:
        tail = (
            f', "subject": "bench {run_id} {index}", "date": "{time.time():.6f}", "snippet": ""}}'
        )
        return prefix + tail.encode()

    return make


def spec_for(server: Server, path: str, run_id: str) -> loadgen.RequestSpec:
    return loadgen.RequestSpec.from_url(
        server.url(path),
        method="POST",
        headers=[("Content-Type", "application/json"), ("Authorization", f"Bearer {BENCH_TOKEN}")],
        body_factory=email_factory(run_id),
    )


def drain(sink: Sink, expected: int, timeout: float = 120) -> list[tuple[float, str, float]]:
    """Wait until the sink has every accepted email (or the timeout); return its records."""
    deadline = time.monotonic() + timeout
    records = sink.records()
    while len(records) < expected and time.monotonic() < deadline:
        time.sleep(0.5)
        records = sink.records()
    return records


def delivery_figures(records: list[tuple[float, str, float]], expected: int) -> dict[str, Any]:
    if not records:
        return {"delivered": 0, "expected": expected}
    arrivals = sorted(r[0] for r in records)
    span = max(arrivals[-1] - arrivals[0], 1e-9)
    return {
        "delivered": len(records),
        "expected": expected,
        "distinct_webhook_ids": len({r[1] for r in records}),
        "deliveries_per_s": round(len(records) / span, 1),
        "end_to_end_ms": summarize_ms([r[0] - r[2] for r in records if r[2]]),
    }


def ingress_run(
    server: Server, sink: Sink, name: str, rate: float | None, duration: float
) -> dict[str, Any]:
    sink.reset()
    result = loadgen.run(
        spec_for(server, "/api/ingress/gmail", name), rate=rate, duration=duration, connections=64
    )
    doc = result.to_dict()
    accepted = doc.get("status_counts", {}).get("200", 0) or doc.get("status_counts", {}).get(
        200, 0
    )
    doc["delivery"] = delivery_figures(drain(sink, accepted), accepted)
    doc["rss_after"] = server.rss()
    return doc


def floor_run(redis_url: str, duration: float) -> dict[str, Any]:
    server = floor_server(redis_url, workers=2, threads=8).start("/health")
    try:
        return loadgen.run(
            spec_for(server, "/ingest", "floor"), duration=duration, connections=64
        ).to_dict()
    finally:
        server.stop()


def resolve_redis(arg: str | None, tmp: Path) -> tuple[str | None, str]:
    url = arg or os.environ.get("REDIS_URL")
    if url:
        return url, url
    return None, f"embedded ({embedded_redis.socket_path(tmp / 'data')})"


def main() -> None:
    parser = argparse.ArgumentParser(description="Relais benchmarks")
    parser.add_argument("--quick", action="store_true", help="3 s runs instead of 10 s")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--rates", default="500,1000")
    parser.add_argument("--redis-url", default=None)
    args = parser.parse_args()
    duration = 3.0 if args.quick else args.duration
    with tempfile.TemporaryDirectory(prefix="relais-bench-") as tmp_name:
        report = run_all(Path(tmp_name), args, duration)
    write_report(report)


def run_all(tmp: Path, args: argparse.Namespace, duration: float) -> dict[str, Any]:
    redis_url, redis_label = resolve_redis(args.redis_url, tmp)
    if redis_url:
        redis.Redis.from_url(redis_url).flushdb()
    sink = Sink().start()
    server = relais_server(redis_url, tmp / "data", sink.hook_url).start("/ready")
    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "redis": redis_label,
        "cpus": os.cpu_count(),
        "cold_start_s": round(server.ready_after, 2),
        "rss_idle": server.rss(),
        "ingress": {},
    }
    try:
        for rate in [float(r) for r in args.rates.split(",") if r]:
            report["ingress"][f"fixed_{int(rate)}"] = ingress_run(
                server, sink, f"r{int(rate)}", rate, duration
            )
        report["ingress"]["saturation"] = ingress_run(server, sink, "sat", None, duration)
        report["sink_rss_mb"] = embedded_rss(sink)
    finally:
        server.stop()
        sink.stop()
    floor_url = redis_url or embedded_redis.ensure_running(tmp / "floor")
    report["floor_saturation"] = floor_run(floor_url, duration)
    embedded_redis.stop_owned()
    report["rules"] = rules_figures()
    return report


def embedded_rss(sink: Sink) -> float | None:
    from bench.harness import rss_mb

    return rss_mb(sink.proc.pid) if sink.proc else None


def rules_figures() -> dict[str, Any] | None:
    try:
        from bench import rules_bench
    except ImportError:
        return None
    return rules_bench.measure()


def write_report(report: dict[str, Any]) -> None:
    RESULTS.mkdir(exist_ok=True)
    previous = sorted(RESULTS.glob("*.json"))
    path = RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=1))
    before = json.loads(previous[-1].read_text()) if previous else None
    print(summary(report, before))
    print(f"\nfull results: {path}")


def _line(name: str, doc: dict[str, Any], before: dict[str, Any] | None) -> str:
    lat = doc.get("latency_ms", {})
    dl = doc.get("delivery", {})
    e2e = dl.get("end_to_end_ms", {})
    prev = ""
    if before:
        prev = f" (before: {before.get('achieved_rate')} req/s, p99 {before.get('latency_ms', {}).get('p99')} ms)"
    return (
        f"| {name} | {doc.get('offered_rate') or 'max'} | {doc.get('achieved_rate')} | "
        f"{lat.get('p50')} / {lat.get('p99')} | {dl.get('delivered')}/{dl.get('expected')} | "
        f"{dl.get('deliveries_per_s')} | {e2e.get('p50')} / {e2e.get('p99')} |{prev}"
    )


def summary(report: dict[str, Any], before: dict[str, Any] | None) -> str:
    lines = [
        f"## Relais benchmark, {report['when']} ({report['cpus']} CPUs, Redis: {report['redis']})",
        "",
        "| run | offered req/s | achieved req/s | ingress p50 / p99 ms | delivered | deliveries/s | end-to-end p50 / p99 ms |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, doc in report["ingress"].items():
        prev = (before or {}).get("ingress", {}).get(name)
        lines.append(_line(name, doc, prev))
    floor = report["floor_saturation"]
    sat = report["ingress"].get("saturation", {})
    ratio = (sat.get("achieved_rate") or 0) / (floor.get("achieved_rate") or 1)
    lines += [
        "",
        f"- floor (Flask + pydantic + one Redis write) at saturation: {floor.get('achieved_rate')} req/s, "
        f"p99 {floor.get('latency_ms', {}).get('p99')} ms; Relais reaches {ratio:.0%} of it",
        f"- cold start to /ready: {report['cold_start_s']} s",
        f"- RSS idle: {report['rss_idle']}; after saturation: {sat.get('rss_after')}",
    ]
    if report.get("rules"):
        lines.append(f"- rules: {json.dumps(report['rules'])}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
