"""The Markdown summary of a benchmark report, beside the previous run's figures.

Pure functions over the JSON documents `python -m bench` writes; any figure missing from
either run (an older result file, a failed part) shows as a dash.
"""

from __future__ import annotations

from typing import Any

DASH = "-"
MIX_TEXT = (
    "realistic mix: 60 % sample emails, 20 % 20 KB HTML, 10 % 200 KB HTML, "
    "10 % duplicates (re-sent identical payloads)"
)


def dig(doc: Any, *keys: str) -> Any:
    """doc[k1][k2]... or None when any level is missing."""
    for key in keys:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


def cell(value: Any) -> str:
    """One table cell: a dash for None, numbers as they are."""
    if value is None:
        return DASH
    if isinstance(value, float) and value.is_integer() and abs(value) >= 100:
        return str(int(value))
    return str(value)


def cells(*values: Any, sep: str = " / ") -> str:
    """Several figures in one cell."""
    return sep.join(cell(v) for v in values)


def row(values: list[Any]) -> str:
    """A Markdown table row."""
    return "| " + " | ".join(cell(v) for v in values) + " |"


def table(header: list[str], rows: list[str]) -> list[str]:
    """Header, separator and rows."""
    return [row(list(header)), row(["---"] * len(header)), *rows]


def ratio(part: Any, whole: Any) -> str | None:
    """part / whole as a percentage, or None without both."""
    if not part or not whole:
        return None
    return f"{part / whole:.0%}"


def errors(doc: dict[str, Any]) -> int | None:
    """Failed plus never-sent requests of one load run."""
    if not doc:
        return None
    return sum((doc.get("errors") or {}).values()) + int(doc.get("unsent") or 0)


def latency(doc: Any) -> str:
    """p50 / p95 / p99 of a latency summary."""
    return cells(dig(doc, "p50"), dig(doc, "p95"), dig(doc, "p99"))


def mix_cell(mix: dict[str, Any]) -> str:
    """accepted / duplicate answers of duplicates sent / ignored."""
    duplicates = f"{cell(mix.get('duplicate'))} of {cell(dig(mix, 'sent_by_kind', 'duplicate'))}"
    return cells(mix.get("accepted"), duplicates, mix.get("ignored"))


def ingress_rows(report: dict[str, Any], before: dict[str, Any] | None) -> list[str]:
    """One row per ingress run, with the floor's run of the same name."""
    lines = []
    for name, doc in (report.get("ingress") or {}).items():
        floor = dig(report, "floor", name) or {}
        old = dig(before, "ingress", name) or {}
        old_ratio = ratio(old.get("achieved_rate"), dig(before, "floor", name, "achieved_rate"))
        mix = doc.get("mix") or {}
        lines.append(
            row(
                [
                    name,
                    doc.get("offered_rate") or "max",
                    doc.get("achieved_rate"),
                    latency(doc.get("latency_ms")),
                    mix_cell(mix),
                    cells(mix.get("other"), errors(doc)),
                    floor.get("achieved_rate"),
                    dig(floor, "latency_ms", "p99"),
                    ratio(doc.get("achieved_rate"), floor.get("achieved_rate")),
                    doc.get("host_cpu_busy_pct"),
                    cells(old.get("achieved_rate"), dig(old, "latency_ms", "p99"), old_ratio),
                ]
            )
        )
    return lines


CPU_ROLES = ("server", "redis", "sink", "load_generator", "total")


def cpu_text(doc: dict[str, Any] | None) -> str:
    """`server 4.4, redis 0.7, ..., total 5.4` (ms of CPU per answered request)."""
    if not doc:
        return "-"
    return ", ".join(f"{role.replace('_', ' ')} {doc[role]}" for role in CPU_ROLES if role in doc)


def cpu_lines(report: dict[str, Any]) -> list[str]:
    """Where each request's CPU went at saturation, Relais beside the floor."""
    lines = []
    for run in ("saturation", "duplicates"):
        relais = dig(report, "ingress", run, "cpu_ms_per_request")
        floor = dig(report, "floor", run, "cpu_ms_per_request")
        if relais or floor:
            lines.append(f"- {run}: Relais {cpu_text(relais)}; floor {cpu_text(floor)}")
    if not lines:
        return []
    return [
        "",
        "CPU per answered request (ms), by process: the server (master and workers, delivery "
        "threads included), its Redis (embedded, or local), the sink, the load generator:",
        "",
        *lines,
    ]


def ingress_section(report: dict[str, Any], before: dict[str, Any] | None) -> list[str]:
    """Ingress throughput and latency, Relais and floor."""
    header = [
        "run",
        "offered/s",
        "achieved/s",
        "p50 / p95 / p99 ms",
        "accepted / duplicate (of dups sent) / ignored",
        "other answers / errors+unsent",
        "floor achieved/s",
        "floor p99 ms",
        "Relais / floor",
        "host CPU %",
        "previous: achieved/s / p99 ms / ratio",
    ]
    return [
        f"### Ingress ({MIX_TEXT})",
        "",
        *table(header, ingress_rows(report, before)),
        "",
        "Floor: Flask + pydantic + one Redis write, 2 processes x 8 threads, same load and mix "
        "(it stores duplicates too). Latency runs from the intended send time at fixed rates.",
        *cpu_lines(report),
    ]


def e2e_section(report: dict[str, Any], before: dict[str, Any] | None) -> list[str]:
    """End-to-end latency at 200 emails/s."""
    doc = report.get("end_to_end") or {}
    old = (before or {}).get("end_to_end") or {}
    header = [
        "offered/s",
        "ingress p50 / p95 / p99 ms",
        "end-to-end p50 / p95 / p99 ms",
        "delivered / expected",
        "distinct webhook-ids",
        "previous end-to-end p50 / p99 ms",
    ]
    e2e = dig(doc, "delivery", "end_to_end_ms")
    body = row(
        [
            doc.get("offered_rate"),
            latency(doc.get("latency_ms")),
            latency(e2e),
            cells(dig(doc, "delivery", "delivered"), dig(doc, "delivery", "expected")),
            dig(doc, "delivery", "distinct_webhook_ids"),
            cells(
                dig(old, "delivery", "end_to_end_ms", "p50"),
                dig(old, "delivery", "end_to_end_ms", "p99"),
            ),
        ]
    )
    return [
        "### End-to-end (ingress -> signed webhook at a local sink), same mix",
        "",
        *table(header, [body]),
    ]


def delivery_rows(report: dict[str, Any], before: dict[str, Any] | None) -> list[str]:
    """One row per thread count: each sink's deliveries/s and the previous run's."""
    sinks = dig(report, "delivery", "sinks") or {}
    names = list(sinks)
    threads = sorted({int(t) for runs in sinks.values() for t in runs})
    lines = []
    for t in threads:
        now = [dig(sinks, s, str(t)) or {} for s in names]
        old = [dig(before, "delivery", "sinks", s, str(t), "deliveries_per_s") for s in names]
        figures = [
            f"{cell(d.get('deliveries_per_s'))} ({cell(d.get('delivered'))}"
            f"/{cell(d.get('expected'))})"
            for d in now
        ]
        lines.append(row([t, *figures, cells(*old)]))
    return lines


def delivery_section(report: dict[str, Any], before: dict[str, Any] | None) -> list[str]:
    """Deliveries/s per thread count and sink."""
    sinks = list(dig(report, "delivery", "sinks") or {})
    header = [
        "delivery threads",
        *[f"{s} sink: deliveries/s (delivered/expected)" for s in sinks],
        f"previous: {' / '.join(sinks)}",
    ]
    return [
        "### Delivery throughput per thread count",
        "",
        *table(header, delivery_rows(report, before)),
        "",
        f"Backlog pushed with delivery off, then drained by one process; "
        f"{dig(report, 'delivery', 'note') or DASH}. Sink `0ms` answers at once.",
    ]


def durability_rows(report: dict[str, Any], before: dict[str, Any] | None) -> list[str]:
    """One row per appendfsync setting of the embedded server."""
    lines = []
    for setting, doc in (report.get("appendfsync") or {}).items():
        runs = doc.get("ingress") or {}
        light = next((v for k, v in runs.items() if k.startswith("fixed_")), {})
        sat = runs.get("saturation") or {}
        e2e = doc.get("end_to_end") or {}
        old = dig(before, "appendfsync", setting) or {}
        lines.append(
            row(
                [
                    setting,
                    dig(doc, "durability", "level"),
                    cells(light.get("offered_rate"), latency(light.get("latency_ms"))),
                    latency(dig(light, "delivery", "end_to_end_ms")),
                    cells(sat.get("achieved_rate"), dig(sat, "latency_ms", "p99")),
                    cells(e2e.get("offered_rate"), latency(dig(e2e, "delivery", "end_to_end_ms"))),
                    cells(dig(e2e, "delivery", "delivered"), dig(e2e, "delivery", "expected")),
                    cells(
                        dig(old, "ingress", "saturation", "achieved_rate"),
                        dig(old, "end_to_end", "delivery", "end_to_end_ms", "p99"),
                    ),
                ]
            )
        )
    return lines


def durability_section(report: dict[str, Any], before: dict[str, Any] | None) -> list[str]:
    """What appendfsync always costs against everysec on the embedded server."""
    header = [
        "appendfsync",
        "level in /ready",
        "light load: offered/s / ingress p50 / p95 / p99 ms",
        "light load: end-to-end p50 / p95 / p99 ms",
        "saturation: achieved/s / p99 ms",
        "end-to-end: offered/s / p50 / p95 / p99 ms",
        "delivered / expected",
        "previous: saturation/s / end-to-end p99 ms",
    ]
    return [
        "### Durability: the embedded server's appendfsync, same mix",
        "",
        *table(header, durability_rows(report, before)),
        "",
        "`always`: Redis writes and fsyncs the AOF before it answers, so a 200 survives a "
        "crash (the default). `everysec`: the last second or so may be lost.",
    ]


def rss(doc: Any) -> str:
    """master / workers MB."""
    workers = dig(doc, "workers_mb")
    return f"master {cell(dig(doc, 'master_mb'))}, workers {cell(workers)} MB"


def cold_starts(report: dict[str, Any]) -> list[float]:
    """Every start to /ready the run made: the first Relais, then the delivery runs' ones."""
    first = report.get("cold_start_s")
    starts = [first] if first is not None else []
    for runs in (dig(report, "delivery", "sinks") or {}).values():
        for doc in runs.values():
            starts += doc.get("cold_starts_s") or []
    return sorted(starts)


def cold_start_line(report: dict[str, Any], before: dict[str, Any] | None) -> str:
    """The first start, and the median and max over all of them."""
    starts = cold_starts(report)
    spread = ""
    if len(starts) > 1:
        spread = (
            f"; over {len(starts)} starts: median {starts[len(starts) // 2]} s, max {starts[-1]} s"
        )
    return (
        f"- cold start to /ready: {cell(report.get('cold_start_s'))} s{spread} "
        f"(previous first start {cell(dig(before, 'cold_start_s'))} s)"
    )


def process_section(report: dict[str, Any], before: dict[str, Any] | None) -> list[str]:
    """Cold start, RSS, rules."""
    sat_peak = dig(report, "ingress", "saturation", "rss_peak")
    rules = report.get("rules") or {}
    old_rules = dig(before, "rules", "evaluate_us") or {}
    return [
        "### Processes and rules",
        "",
        cold_start_line(report, before),
        f"- RSS idle: {rss(report.get('rss_idle'))} (previous {rss(dig(before, 'rss_idle'))})",
        f"- RSS peak under saturation: {rss(sat_peak)} "
        f"(previous {rss(dig(before, 'ingress', 'saturation', 'rss_peak'))})",
        f"- RSS after all ingress runs: {rss(report.get('rss_after'))}",
        f"- floor app RSS peak under saturation: "
        f"{rss(dig(report, 'floor', 'saturation', 'rss_peak'))}",
        f"- rules: {cell(rules.get('rules'))} rules ({cell(rules.get('regex_rules'))} regex) on "
        f"{cell(rules.get('body_chars_mean'))}-char bodies: p50 / p99 "
        f"{cells(dig(rules, 'evaluate_us', 'p50'), dig(rules, 'evaluate_us', 'p99'))} us "
        f"per email (previous {cells(old_rules.get('p50'), old_rules.get('p99'))} us), "
        f"compile {cell(rules.get('compile_ms'))} ms",
    ]


def hostile_section(report: dict[str, Any], before: dict[str, Any] | None) -> list[str]:
    """The adversarial corpus (worst per-email analysis) and the slow clients."""
    lines = ["### Hostile input and slow clients", ""]
    corpus = report.get("adversarial")
    if corpus:
        old = dig(before, "adversarial") or {}
        lines.append(
            f"- adversarial corpus, {cell(corpus.get('size_bytes'))}-byte bodies: worst "
            f"{corpus.get('worst')} {cell(corpus.get('worst_ms'))} ms per email "
            f"({cell(corpus.get('worst_ratio'))}x a normal body of the same size, "
            f"{cell(corpus.get('normal_ms'))} ms; previous worst {cell(old.get('worst_ms'))} ms)"
        )
    slow = report.get("slow_clients")
    if slow:
        closed = dig(slow, "slow_closed_after_s") or {}
        lines.append(
            f"- {cell(slow.get('clients'))} clients sending one byte a second: /health p50 / p99 "
            f"{cells(dig(slow, 'health_ms', 'p50'), dig(slow, 'health_ms', 'p99'))} ms, a new "
            f"email {cells(dig(slow, 'ingress_ms', 'p50'), dig(slow, 'ingress_ms', 'p99'))} ms; "
            f"each slow client cut off after {cells(closed.get('min'), closed.get('max'))} s"
        )
    return lines if len(lines) > 2 else []


def _share(report: dict[str, Any], run: str) -> float | None:
    """Relais's achieved rate in one ingress run as a fraction of the floor's."""
    mine = dig(report, "ingress", run, "achieved_rate")
    floor = dig(report, "floor", run, "achieved_rate")
    return mine / floor if mine and floor else None


def _ms(us: Any) -> float | None:
    return None if us is None else round(us / 1000, 2)


def goal_figures(report: dict[str, Any]) -> list[tuple[str, Any, str, bool | None]]:
    """(figure, this run's value, goal, met) for each speed goal (issue 20)."""
    share, dups = _share(report, "saturation"), _share(report, "duplicates")
    e2e = dig(report, "end_to_end", "delivery", "end_to_end_ms", "p99")
    rules = dig(report, "rules", "evaluate_us") or {}
    p50, p99 = _ms(rules.get("p50")), _ms(rules.get("p99"))
    worst = dig(report, "adversarial", "worst_ms")
    workers = dig(report, "ingress", "saturation", "rss_peak", "workers_mb") or []
    rss_max = max(workers) if workers else None
    starts = cold_starts(report)
    cold = starts[len(starts) // 2] if starts else None  # the median: one start is one sample

    def below(value: Any, limit: float) -> bool | None:
        return None if value is None else value < limit

    return [
        (
            "ingress at saturation, share of the floor",
            share,
            ">= 50 %",
            None if share is None else share >= 0.5,
        ),
        (
            "duplicate pushes at saturation, share of the floor",
            dups,
            ">= 80 %",
            None if dups is None else dups >= 0.8,
        ),
        ("end-to-end p99 at 200 emails/s (ms)", e2e, "< 100", below(e2e, 100)),
        (
            "1,000 rules (200 regex), 50 KB body: p50 / p99 per email (ms)",
            (p50, p99),
            "< 1 / < 2",
            None if p50 is None or p99 is None else p50 < 1 and p99 < 2,
        ),
        ("worst email of the adversarial corpus, 1 MiB (ms)", worst, "< 50", below(worst, 50)),
        ("RSS per worker at saturation, peak (MB)", rss_max, "< 120", below(rss_max, 120)),
        ("cold start to /ready, median of the run's starts (s)", cold, "< 1", below(cold, 1)),
    ]


def _goal_value(name: str, value: Any) -> str:
    """A share of the floor as a percentage (it may pass 100 %), anything else as it is."""
    if isinstance(value, tuple):
        return cells(*value)
    if "share of the floor" in name and isinstance(value, int | float):
        return f"{value:.0%}"
    return cell(value)


def goals_section(report: dict[str, Any]) -> list[str]:
    """The speed goals with this run's figures, the floor measured in the same run."""
    verdict = {True: "yes", False: "no", None: DASH}
    rows = [
        row([name, _goal_value(name, value), goal, verdict[met]])
        for name, value, goal, met in goal_figures(report)
    ]
    return [
        "### Goals (issue 20)",
        "",
        *table(["figure", "this run", "goal", "met"], rows),
        "",
        "Shares are Relais's achieved rate over the floor's in the same run, same load. A "
        "`--only` run or a failed part shows a dash.",
    ]


def summary(report: dict[str, Any], before: dict[str, Any] | None) -> str:
    """The whole Markdown summary."""
    mode = "quick" if report.get("quick") else "full"
    head = [
        f"## Relais benchmark, {report.get('when')} ({mode}, {cell(report.get('cpus'))} CPUs, "
        f"Redis: {report.get('redis')}, {cell(report.get('duration_s'))} s per load run, "
        f"{cell(report.get('fixtures'))} sample emails, total {cell(report.get('total_s'))} s)",
        "",
        f"Previous run: {dig(before, 'when') or 'none'}.",
        "",
    ]
    parts = [durability_section(report, before)]
    if "ingress" in report:  # not a `--only durability` run
        parts = [
            goals_section(report),
            ingress_section(report, before),
            e2e_section(report, before),
            delivery_section(report, before),
            *parts,
            process_section(report, before),
        ]
    parts.append(hostile_section(report, before))
    return "\n".join(head + [line for part in parts for line in [*part, ""]]).rstrip()
