"""`make bench` / `python -m bench`: Relais under gunicorn against a local sink, with figures.

Measures (issue 9), all with the realistic mix of bench/mix.py (sample emails, 20 KB and
200 KB HTML bodies, 10 % duplicates that must be answered ``duplicate``):

- ingress requests/s and p50/p95/p99 latency at fixed offered rates and at saturation, with
  the answers counted (accepted / duplicate / ignored), and the same load against the stack's
  floor (Flask + pydantic + one Redis write) as a ratio;
- end-to-end latency (ingress -> signed webhook at the sink) at 200 emails/s;
- delivery throughput to a fast and to a 200 ms sink per delivery thread count;
- RSS per process at idle, peak under load and after; cold start to /ready;
- the rules evaluation cost (1,000 rules, a fifth regexes, on 50 KB bodies);
- what durability costs: saturation and end-to-end on the embedded server with
  `appendfsync always` (the default: every 200 is on disk) and with `everysec`;
- the adversarial corpus (bench/adversarial.py): the worst per-email analysis time of a
  hostile 1 MiB body, and its ratio to a normal body of the same size;
- slow clients (bench/slow_clients.py): /health and ingress latency while 200 clients send
  a request one byte a second, and when each is cut off.

Writes bench/results/<time>.json and <time>.md and prints the Markdown beside the previous
run's figures.

    python -m bench [--quick] [--duration 10] [--rates 100,500,1000] [--redis-url URL]
                    [--only durability|adversarial|slow_clients]

Redis: --redis-url, else REDIS_URL, else an embedded server in a temp DATA_DIR.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import redis

from bench import adversarial, delivery_bench, loadgen, rules_bench, slow_clients
from bench.harness import (
    BENCH_TOKEN,
    CpuMeter,
    RssSampler,
    Server,
    Sink,
    floor_server,
    relais_server,
)
from bench.mix import Mix, Repeats, answer_of, load_fixtures, share
from bench.report import summary
from bench.stats import summarize_ms
from config import embedded_redis

RESULTS = Path(__file__).resolve().parent / "results"
CONNECTIONS = 32
# Recycle keep-alive connections so gunicorn spreads them over its workers.
REQUESTS_PER_CONNECTION = 200
E2E_RATE = 200.0
DRAIN_TIMEOUT_S = 120.0
INGRESS = "/api/ingress/gmail"
APPENDFSYNC = ("always", "everysec")  # the embedded server's setting, strongest first
LIGHT_RATE = 50.0  # a rate well under saturation: latency there shows the fsync's own cost
FLOOR = "/ingest"


def spec_for(server: Server, path: str, mix: Mix | Repeats) -> loadgen.RequestSpec:
    """POST the mix with the ingress token; answers classified by answer_of."""
    headers = [("Content-Type", "application/json"), ("Authorization", f"Bearer {BENCH_TOKEN}")]
    return loadgen.RequestSpec.from_url(
        server.url(path), method="POST", headers=headers, body_factory=mix, answer_key=answer_of
    )


def load(
    server: Server,
    path: str,
    mix: Mix | Repeats,
    rate: float | None,
    duration: float,
    cpu: CpuMeter,
) -> dict:
    """One load run (fixed rate, or saturation when ``rate`` is None); the mix counted, and
    the CPU each process spent per request."""
    with RssSampler(server) as sampler, cpu:
        result = loadgen.run(
            spec_for(server, path, mix),
            rate=rate,
            duration=duration,
            connections=CONNECTIONS,
            requests_per_connection=REQUESTS_PER_CONNECTION,
        )
    doc = result.to_dict()
    doc["mix"] = {**mix_counts(doc["answers"]), "sent_by_kind": dict(mix.sent)}
    doc["rss_peak"] = sampler.report()
    doc["cpu_ms_per_request"] = cpu.per_request_ms(doc["completed"])
    return doc


def mix_counts(answers: dict[str, int]) -> dict[str, int]:
    """Answers by decision: accepted, duplicate, ignored (any reason), anything else."""
    counts = {k: share(answers, k) for k in ("accepted", "duplicate", "ignored", "stored")}
    counts["other"] = sum(answers.values()) - sum(counts.values())
    return counts


def delivery_figures(records: list[tuple[float, str, float]], expected: int) -> dict[str, Any]:
    """Delivered count, distinct webhook ids, deliveries/s and end-to-end latency."""
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


def ingress_run(ctx: dict[str, Any], name: str, rate: float | None) -> dict[str, Any]:
    """One Relais run; waits for the sink to receive every accepted email."""
    server, sink = ctx["server"], ctx["sink"]
    sink.reset()
    mix = Mix(f"{name}_{ctx['stamp']}", ctx["fixtures"])
    cpu = CpuMeter(server, ctx["server_redis"], sink)
    doc = load(server, INGRESS, mix, rate, ctx["duration"], cpu)
    accepted = doc["mix"]["accepted"]
    doc["delivery"] = delivery_figures(sink.wait_for(accepted, DRAIN_TIMEOUT_S), accepted)
    doc["rss_after"] = server.rss()
    return doc


def prime(server: Server, path: str, repeats: Repeats) -> None:
    """Send each email of the duplicates-only run once (accepted, or stored by the floor)."""
    for body in repeats.bodies:
        request = urllib.request.Request(
            server.url(path),
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {BENCH_TOKEN}"},
        )
        with urllib.request.urlopen(request, timeout=30) as resp:
            resp.read()


def duplicates_run(
    ctx: dict[str, Any], server: Server, path: str, tag: str, cpu: CpuMeter
) -> dict[str, Any]:
    """Saturation with duplicates only: the emails are sent once, then again and again."""
    repeats = Repeats(Mix(f"dups_{tag}_{ctx['stamp']}", ctx["fixtures"], duplicates=False))
    prime(server, path, repeats)
    return load(server, path, repeats, None, ctx["duration"], cpu)


def resolve_redis(arg: str | None) -> str | None:
    """--redis-url, else REDIS_URL, else None (embedded)."""
    return arg or os.environ.get("REDIS_URL") or None


def run_names(rates: list[float]) -> list[tuple[str, float | None]]:
    """The ingress runs: each fixed rate, then saturation."""
    return [(f"fixed_{int(r)}", r) for r in rates] + [("saturation", None)]


def run_relais(ctx: dict[str, Any], rates: list[float]) -> dict[str, Any]:
    """Cold start, idle RSS, the ingress runs and the 200/s end-to-end run on one Relais."""
    if ctx["redis_url"]:
        redis.Redis.from_url(ctx["redis_url"]).flushdb()
    return on_relais(ctx, ctx["redis_url"], ctx["tmp"] / "data", run_names(rates), idle=True)


def on_relais(
    ctx: dict[str, Any],
    redis_url: str | None,
    data_dir: Path,
    runs: list[tuple[str, float | None]],
    idle: bool = False,
) -> dict[str, Any]:
    """Start Relais and a sink, make these ingress runs, then the end-to-end one; stop both."""
    sink = Sink().start()
    server = relais_server(redis_url, data_dir, sink.hook_url)
    server.start("/ready")
    ctx.update(server=server, sink=sink, server_redis=redis_url)
    report: dict[str, Any] = {"cold_start_s": round(server.ready_after, 2)}
    try:
        if idle:
            time.sleep(1.0)  # let the workers finish importing before the idle reading
            report["rss_idle"] = server.rss()
        report["ingress"] = {name: ingress_run(ctx, name, r) for name, r in runs}
        if idle:
            cpu = CpuMeter(server, redis_url, sink)
            report["ingress"]["duplicates"] = duplicates_run(ctx, server, INGRESS, "relais", cpu)
        report["end_to_end"] = ingress_run(ctx, "e2e", E2E_RATE)
        report["rss_after"] = server.rss()
        report["durability"] = ready_durability(server)
    finally:
        server.stop()
        sink.stop()
    return report


def ready_durability(server: Server) -> dict[str, Any] | None:
    """The durability Relais itself reports in /ready."""
    with urllib.request.urlopen(server.url("/ready"), timeout=10) as resp:
        doc: dict[str, Any] = json.loads(resp.read())
    return doc.get("durability")


def run_durability(ctx: dict[str, Any]) -> dict[str, Any]:
    """Saturation and end-to-end against the embedded server with each appendfsync setting."""
    report: dict[str, Any] = {}
    for setting in APPENDFSYNC:
        data_dir = ctx["tmp"] / f"aof-{setting}"
        url = embedded_redis.ensure_running(data_dir)
        try:
            redis.Redis.from_url(url).config_set("appendfsync", setting)
            runs = [(f"fixed_{int(LIGHT_RATE)}", LIGHT_RATE), ("saturation", None)]
            report[setting] = on_relais(ctx, url, data_dir, runs)
        finally:
            embedded_redis.stop_owned()
    return report


def run_floor(ctx: dict[str, Any], rates: list[float]) -> dict[str, Any]:
    """The same runs against the floor app (2 processes x 8 threads, as Relais's defaults)."""
    url = ctx["redis_url"] or embedded_redis.ensure_running(ctx["tmp"] / "floor")
    server = floor_server(url, workers=2, threads=8).start(FLOOR, any_status=True)
    runs: dict[str, Any] = {}
    try:
        for name, rate in run_names(rates):
            mix = Mix(f"floor_{name}_{ctx['stamp']}", ctx["fixtures"])
            runs[name] = load(server, FLOOR, mix, rate, ctx["duration"], CpuMeter(server, url))
        runs["duplicates"] = duplicates_run(ctx, server, FLOOR, "floor", CpuMeter(server, url))
    finally:
        server.stop()
        if not ctx["redis_url"]:
            embedded_redis.stop_owned()
    return runs


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description="Relais benchmarks")
    parser.add_argument("--quick", action="store_true", help="3 s runs, smaller backlogs")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per load run")
    parser.add_argument("--rates", default="100,500,1000", help="fixed offered rates, req/s")
    parser.add_argument("--redis-url", default=None)
    parser.add_argument(
        "--only",
        choices=["durability", "adversarial", "slow_clients"],
        help="run one part (the others are skipped)",
    )
    return parser.parse_args()


def main() -> None:
    """Run everything, write the JSON and Markdown, print the Markdown."""
    args = parse_args()
    duration = 3.0 if args.quick else args.duration
    redis_url = resolve_redis(args.redis_url)
    rates = [float(r) for r in args.rates.split(",") if r]
    fixtures = load_fixtures()
    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "quick": args.quick,
        "redis": redis_url or "embedded (unix socket)",
        "cpus": os.cpu_count(),
        "duration_s": duration,
        "fixtures": len(fixtures),
    }
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="relais-bench-") as tmp_name:
        ctx: dict[str, Any] = {
            "tmp": Path(tmp_name),
            "redis_url": redis_url,
            "fixtures": fixtures,
            "duration": duration,
            "stamp": str(int(time.time())),
        }
        if args.only is None:
            report.update(run_relais(ctx, rates))
            report["floor"] = run_floor(ctx, rates)
            plan = delivery_bench.QUICK if args.quick else delivery_bench.FULL
            report["delivery"] = delivery_bench.measure(plan, redis_url, ctx["tmp"], fixtures)
        if args.only in (None, "durability"):
            report["appendfsync"] = run_durability(ctx)
    if args.only is None:
        report["rules"] = rules_bench.measure(emails=200)
    if args.only in (None, "adversarial"):
        report["adversarial"] = adversarial.measure()
    if args.only in (None, "slow_clients"):
        report["slow_clients"] = slow_clients.measure(redis_url, seconds=5 if args.quick else 20)
    report["total_s"] = round(time.monotonic() - started, 1)
    write_report(report)


def write_report(report: dict[str, Any]) -> None:
    """bench/results/<time>.json and .md; the Markdown printed, beside the previous run."""
    RESULTS.mkdir(exist_ok=True)
    previous = sorted(RESULTS.glob("*.json"))
    stem = time.strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"{stem}.json"
    path.write_text(json.dumps(report, indent=1))
    before = json.loads(previous[-1].read_text()) if previous else None
    text = summary(report, before)
    (RESULTS / f"{stem}.md").write_text(text + "\n")
    print(text)
    print(f"\nfull results: {path} (and .md)")


if __name__ == "__main__":
    main()
