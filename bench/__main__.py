"""`make bench` / `python -m bench`: Relais under gunicorn against a local sink, with figures.

Reports ingress requests/s and p50/p99 latency at fixed offered rates and at
saturation (unique emails with a 20 KB HTML body), end-to-end latency
(ingress -> signed webhook at the sink), deliveries/s, RSS per process, cold
start, the rules evaluation cost (1,000 rules on 50 KB bodies), and the same
saturation load against the stack's floor (Flask + pydantic + one Redis
write) as a ratio. Writes bench/results/<time>.json and prints a Markdown
summary beside the previous run's figures.

    python -m bench [--quick] [--duration 10] [--rates 500,1000] [--redis-url URL]

Redis: --redis-url, else REDIS_URL, else an embedded server in a temp DATA_DIR.
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

from bench import loadgen, rules_bench
from bench.harness import BENCH_TOKEN, Server, Sink, floor_server, relais_server, rss_mb
from bench.stats import summarize_ms
from config import embedded_redis

RESULTS = Path(__file__).resolve().parent / "results"
HTML_20KB = "<div>" + ("<p>Bonjour, voici le lot à traiter, merci.</p>" * 460)[:20_000] + "</div>"
LINK = '<a href="https://we.tl/t-bench">fichiers</a>'
CONNECTIONS = 32
# Recycle keep-alive connections so gunicorn spreads them over its workers.
REQUESTS_PER_CONNECTION = 200


def email_factory(run_id: str) -> loadgen.BodyFactory:
    """Unique emails with a 20 KB body; `date` carries the send time for end-to-end latency."""
    head = json.dumps(
        {"sender": "Planning <planning@media-solution.example>", "body": HTML_20KB + LINK}
    )
    prefix = head[:-1].encode()

    def make(index: int) -> bytes:
        sent = f"{time.time():.6f}"
        tail = f', "subject": "bench {run_id} {index}", "date": "{sent}", "snippet": ""}}'
        return prefix + tail.encode()

    return make


def spec_for(server: Server, path: str, run_id: str) -> loadgen.RequestSpec:
    headers = [("Content-Type", "application/json"), ("Authorization", f"Bearer {BENCH_TOKEN}")]
    return loadgen.RequestSpec.from_url(
        server.url(path), method="POST", headers=headers, body_factory=email_factory(run_id)
    )


def load(
    server: Server, path: str, run_id: str, rate: float | None, duration: float
) -> dict[str, Any]:
    result = loadgen.run(
        spec_for(server, path, run_id),
        rate=rate,
        duration=duration,
        connections=CONNECTIONS,
        requests_per_connection=REQUESTS_PER_CONNECTION,
    )
    doc = result.to_dict()
    doc.pop("latencies_s", None)
    return doc


def drain(sink: Sink, expected: int, timeout: float = 180) -> list[tuple[float, str, float]]:
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
    doc = load(server, "/api/ingress/gmail", name, rate, duration)
    counts = {str(code): n for code, n in doc.get("status_counts", {}).items()}
    accepted = int(counts.get("200", 0))
    doc["delivery"] = delivery_figures(drain(sink, accepted), accepted)
    doc["rss_after"] = server.rss()
    return doc


def resolve_redis(arg: str | None) -> str | None:
    return arg or os.environ.get("REDIS_URL") or None


def run_relais(
    tmp: Path, redis_url: str | None, rates: list[float], duration: float
) -> dict[str, Any]:
    if redis_url:
        redis.Redis.from_url(redis_url).flushdb()
    sink = Sink().start()
    server = relais_server(redis_url, tmp / "data", sink.hook_url).start("/ready")
    report: dict[str, Any] = {
        "cold_start_s": round(server.ready_after, 2),
        "rss_idle": server.rss(),
    }
    try:
        runs = {
            f"fixed_{int(r)}": ingress_run(server, sink, f"r{int(r)}", r, duration) for r in rates
        }
        runs["saturation"] = ingress_run(server, sink, "sat", None, duration)
        report["ingress"] = runs
        report["sink_rss_mb"] = rss_mb(sink.proc.pid) if sink.proc else None
    finally:
        server.stop()
        sink.stop()
    return report


def run_floor(tmp: Path, redis_url: str | None, duration: float) -> dict[str, Any]:
    url = redis_url or embedded_redis.ensure_running(tmp / "floor")
    server = floor_server(url, workers=2, threads=8).start("/ingest", any_status=True)
    try:
        return load(server, "/ingest", "floor", None, duration)
    finally:
        server.stop()
        embedded_redis.stop_owned()


def main() -> None:
    parser = argparse.ArgumentParser(description="Relais benchmarks")
    parser.add_argument("--quick", action="store_true", help="3 s runs instead of 10 s")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--rates", default="500,1000")
    parser.add_argument("--redis-url", default=None)
    args = parser.parse_args()
    duration = 3.0 if args.quick else args.duration
    redis_url = resolve_redis(args.redis_url)
    rates = [float(r) for r in args.rates.split(",") if r]
    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "redis": redis_url or "embedded (unix socket)",
        "cpus": os.cpu_count(),
        "duration_s": duration,
    }
    with tempfile.TemporaryDirectory(prefix="relais-bench-") as tmp_name:
        tmp = Path(tmp_name)
        report.update(run_relais(tmp, redis_url, rates, duration))
        report["floor_saturation"] = run_floor(tmp, redis_url, duration)
    report["rules"] = rules_bench.measure(emails=200)
    write_report(report)


def write_report(report: dict[str, Any]) -> None:
    RESULTS.mkdir(exist_ok=True)
    previous = sorted(RESULTS.glob("*.json"))
    path = RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=1))
    before = json.loads(previous[-1].read_text()) if previous else None
    print(summary(report, before))
    print(f"\nfull results: {path}")


def _row(name: str, doc: dict[str, Any], before: dict[str, Any] | None) -> str:
    lat = doc.get("latency_ms", {})
    dl = doc.get("delivery", {})
    e2e = dl.get("end_to_end_ms", {})
    prev = ""
    if before:
        prev_lat = before.get("latency_ms", {})
        prev = f"{before.get('achieved_rate')} req/s, p99 {prev_lat.get('p99')} ms"
    cells = [
        name,
        doc.get("offered_rate") or "max",
        doc.get("achieved_rate"),
        f"{lat.get('p50')} / {lat.get('p99')}",
        f"{dl.get('delivered')}/{dl.get('expected')}",
        dl.get("deliveries_per_s"),
        f"{e2e.get('p50')} / {e2e.get('p99')}",
        doc.get("host_cpu_busy_pct"),
        prev,
    ]
    return "| " + " | ".join(str(c) for c in cells) + " |"


def summary(report: dict[str, Any], before: dict[str, Any] | None) -> str:
    lines = [
        f"## Relais benchmark, {report['when']} ({report['cpus']} CPUs, Redis: {report['redis']})",
        "",
        "| run | offered/s | achieved/s | ingress p50 / p99 ms | delivered | deliveries/s "
        "| end-to-end p50 / p99 ms | host CPU % | previous run |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, doc in report["ingress"].items():
        lines.append(_row(name, doc, (before or {}).get("ingress", {}).get(name)))
    floor = report["floor_saturation"]
    sat = report["ingress"].get("saturation", {})
    ratio = (sat.get("achieved_rate") or 0) / (floor.get("achieved_rate") or 1)
    rules = report["rules"]
    lines += [
        "",
        f"- floor (Flask + pydantic + one Redis write) at saturation: "
        f"{floor.get('achieved_rate')} req/s, p99 {floor.get('latency_ms', {}).get('p99')} ms; "
        f"Relais reaches {ratio:.0%} of it",
        f"- cold start to /ready: {report['cold_start_s']} s",
        f"- RSS MB idle: {report['rss_idle']}; after saturation: {sat.get('rss_after')}; "
        f"sink: {report.get('sink_rss_mb')}",
        f"- rules: {rules['rules']} rules ({rules['regex_rules']} regex) on "
        f"{rules['body_chars_mean']}-char bodies: p50 {rules['evaluate_us']['p50']} us, "
        f"p99 {rules['evaluate_us']['p99']} us per email (compile {rules['compile_ms']} ms)",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
