"""deployment/: the Prometheus alert rules and the Grafana dashboard parse, and use only the
metrics (and their labels) that /metrics exposes. With promtool on PATH (Debian's
`prometheus` package) the rules are also checked, and tested, by Prometheus's own parser;
REQUIRE_PROMTOOL=1 turns its absence into a failure."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.test_observability import exposed_metrics, scrape_after_traffic

ROOT = Path(__file__).resolve().parents[2]
ALERTS = ROOT / "deployment" / "prometheus" / "alerts.yml"
DASHBOARD = ROOT / "deployment" / "grafana" / "relais-dashboard.json"

FUNCTIONS = {
    "abs", "absent", "absent_over_time", "avg_over_time", "ceil", "changes", "clamp",
    "clamp_max", "clamp_min", "count_over_time", "day_of_month", "day_of_week", "delta",
    "deriv", "exp", "floor", "histogram_quantile", "hour", "idelta", "increase", "irate",
    "label_join", "label_replace", "last_over_time", "ln", "log10", "log2",
    "max_over_time", "min_over_time", "minute", "month", "predict_linear",
    "present_over_time", "quantile_over_time", "rate", "resets", "round", "scalar", "sgn",
    "sort", "sort_desc", "sqrt", "stddev_over_time", "stdvar_over_time", "sum_over_time",
    "time", "timestamp", "vector", "year",
}  # fmt: skip
AGGREGATIONS = {
    "avg", "bottomk", "count", "count_values", "group", "max", "min", "quantile", "stddev",
    "stdvar", "sum", "topk",
}  # fmt: skip
LABEL_LISTS = {"by", "without", "on", "ignoring", "group_left", "group_right"}
KEYWORDS = {"and", "or", "unless", "bool", "offset"} | LABEL_LISTS
OTHER_METRICS = {"up"}  # Prometheus's own, per scrape target
TARGET_LABELS = {"job", "instance"}  # added by the scrape
SEVERITIES = {"critical", "warning", "info"}
HISTOGRAM_SERIES = re.compile(r"_(bucket|sum|count)$")
DURATION = re.compile(r"(\d+(ms|[smhdwy]))+")

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
    | (?P<duration>(?:\d+(?:ms|[smhdwy]))+(?![a-zA-Z0-9_]))
    | (?P<number>\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![a-zA-Z_]))
    | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
    | (?P<op>=~|!~|!=|==|>=|<=|[-+*/%^<>=,(){}\[\]:])
    )""",
    re.VERBOSE,
)


def tokens(expr: str) -> Iterator[tuple[str, str]]:
    pos = 0
    expr = expr.strip()
    while pos < len(expr):
        match = _TOKEN.match(expr, pos)
        assert match and match.end() > pos, f"cannot read {expr[pos:]!r} in {expr!r}"
        kind = match.lastgroup
        assert kind is not None
        yield kind, match.group(kind)
        pos = match.end()


def read_promql(expr: str) -> tuple[dict[str, set[str]], set[str]]:
    """A superficial PromQL reader: balanced brackets, known functions, well-formed label
    matchers and ranges. Returns {metric: labels matched} and the labels of by/on lists."""
    toks = list(tokens(expr))
    stack: list[str] = []  # "(", "labels(", "{", "["
    metrics: dict[str, set[str]] = {}
    grouping: set[str] = set()
    selector: str | None = None  # the metric whose {} is open
    pairs = {")": ("(", "labels("), "}": ("{",), "]": ("[",)}
    for i, (kind, value) in enumerate(toks):
        nxt = toks[i + 1][1] if i + 1 < len(toks) else ""
        prev = toks[i - 1][1] if i else ""
        inside = stack[-1] if stack else ""
        if kind == "op" and value in ("(", "{", "["):
            stack.append("labels(" if value == "(" and prev in LABEL_LISTS else value)
            if value == "[":
                closing = next(j for j in range(i, len(toks)) if toks[j][1] == "]")
                window = "".join(t[1] for t in toks[i + 1 : closing])
                assert re.fullmatch(rf"{DURATION.pattern}(:{DURATION.pattern}?)?", window), (
                    f"bad range [{window}] in {expr!r}"
                )
        elif kind == "op" and value in pairs:
            assert stack and stack.pop() in pairs[value], f"unbalanced {value!r} in {expr!r}"
            if value == "}":
                selector = None
        elif kind == "ident" and inside == "{":
            assert nxt in ("=", "!=", "=~", "!~"), f"bad matcher {value}{nxt} in {expr!r}"
            assert toks[i + 2][0] == "string", f"matcher {value} without a string in {expr!r}"
            if selector is not None:
                metrics[selector].add(value)
        elif kind == "ident" and inside == "labels(":
            grouping.add(value)
        elif kind == "ident" and inside == "[":
            pass  # a duration's unit
        elif kind == "ident" and value in AGGREGATIONS and nxt in ("(", "by", "without"):
            pass
        elif kind == "ident" and nxt == "(":
            assert value in FUNCTIONS | LABEL_LISTS, f"unknown {value}( in {expr!r}"
        elif kind == "ident" and value not in KEYWORDS:
            metrics.setdefault(value, set())
            selector = value if nxt == "{" else None
        elif kind == "string":
            assert inside == "{" or prev in ("(", ","), f"stray string {value} in {expr!r}"
    assert not stack, f"unclosed {stack} in {expr!r}"
    return metrics, grouping


@pytest.mark.parametrize(
    "bad",
    [
        "sum(rate(relais_x_total[5m])",
        "sum(rate(relais_x_total[5m]))) > 0",
        "rates(relais_x_total[5m])",
        "relais_x_total{job=relais}",
        "rate(relais_x_total[5 minutes])",
        'relais_x_total{job=~"a"]',
    ],
)
def test_the_reader_refuses_broken_expressions(bad):
    with pytest.raises(AssertionError):
        read_promql(bad)


def test_the_reader_finds_metrics_and_labels():
    metrics, grouping = read_promql(
        'sum by (target) (increase(relais_a_total{job="relais", outcome=~"x|y"}[30m])) > 0 '
        "unless on (target) relais_b_bucket offset 5m or vector(0)"
    )
    assert metrics == {"relais_a_total": {"job", "outcome"}, "relais_b_bucket": set()}
    assert grouping == {"target"}


# -- the exposition they are checked against -------------------------------------------------


@pytest.fixture
def exposition(make_app, sink, redis_client) -> str:
    return scrape_after_traffic(make_app, sink, redis_client)


@pytest.fixture
def exposed(exposition) -> dict[str, frozenset[str]]:
    """Every relais_* family with its label names (all have samples after the traffic)."""
    families = {}
    for name, (_kind, labels) in exposed_metrics(exposition).items():
        assert labels is not None, name
        families[name] = labels
    return families


def family_of(name: str, exposed: dict[str, frozenset[str]]) -> str | None:
    if name in exposed:
        return name
    base = HISTOGRAM_SERIES.sub("", name)
    return base if base in exposed else None


def check_against_exposition(expr: str, exposed: dict[str, frozenset[str]], where: str) -> set[str]:
    """The families an expression reads; fails on a name or a label /metrics does not have."""
    metrics, grouping = read_promql(expr)
    used = set()
    known_labels = set(TARGET_LABELS)
    for name, labels in metrics.items():
        if name in OTHER_METRICS:
            continue
        assert name.startswith("relais_"), f"{where}: unexpected metric {name}"
        family = family_of(name, exposed)
        assert family, f"{where}: {name} is not exposed by /metrics"
        allowed = exposed[family] | TARGET_LABELS | ({"le"} if name.endswith("_bucket") else set())
        assert labels <= allowed, f"{where}: {name} has no label {labels - allowed}"
        known_labels |= allowed
        used.add(family)
    assert grouping <= known_labels, f"{where}: grouping by unknown {grouping - known_labels}"
    return used


# -- alert rules --------------------------------------------------------------------------


def alert_rules() -> list[dict[str, Any]]:
    doc = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    return [rule for group in doc["groups"] for rule in group["rules"]]


def test_alert_rules_are_complete_and_well_formed():
    doc = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    assert set(doc) == {"groups"}
    for group in doc["groups"]:
        assert group["name"] and group["rules"]
    rules = alert_rules()
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names))
    assert {
        "RelaisDown",
        "RelaisRedisDown",
        "RelaisDeadLettersGrowing",
        "RelaisBacklogOld",
        "RelaisTargetFailing",
        "RelaisNoIngress",
        "RelaisGmailSyncFailing",
        "RelaisGmailLagHigh",
    } <= set(names)
    for rule in rules:
        assert set(rule) == {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert re.fullmatch(DURATION, rule["for"]) or rule["for"] == "0m", rule["alert"]
        assert rule["labels"]["severity"] in SEVERITIES, rule["alert"]
        assert rule["annotations"]["summary"].strip(), rule["alert"]
        assert rule["annotations"]["description"].strip(), rule["alert"]
        read_promql(rule["expr"])


def test_alert_rules_use_only_exposed_metrics(exposed):
    used: set[str] = set()
    for rule in alert_rules():
        used |= check_against_exposition(rule["expr"], exposed, rule["alert"])
        for label in re.findall(r"\$labels\.([a-z_]+)", json.dumps(rule["annotations"])):
            assert label in TARGET_LABELS or label in re.findall(r"by \(([^)]*)\)", rule["expr"])[
                0
            ].replace(" ", "").split(","), f"{rule['alert']}: $labels.{label} is never set"
    assert {"relais_redis_up", "relais_queue_deliveries", "relais_gmail_syncs_total"} <= used


# -- the Grafana dashboard --------------------------------------------------------------------

GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}


def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def panel_queries(doc: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(panel title, expr with Grafana's variables replaced), of every panel and variable."""
    variables = {f"${v['name']}": "relais" for v in doc["templating"]["list"]}
    for panel in doc["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"]
            for name, value in {**GRAFANA_VARIABLES, **variables}.items():
                expr = expr.replace(name, value)
            assert "$" not in expr, f"{panel['title']}: unknown variable in {expr}"
            yield panel["title"], expr
    for variable in doc["templating"]["list"]:
        query = re.fullmatch(r"label_values\((\w+), (\w+)\)", variable["definition"])
        assert query, variable["definition"]
        yield f"variable {variable['name']}", query.group(1)


def test_the_dashboard_is_an_importable_grafana_dashboard():
    doc = dashboard()
    assert doc["schemaVersion"] >= 36
    assert doc["uid"] and doc["title"]
    assert [i["name"] for i in doc["__inputs"]] == ["DS_PROMETHEUS"]
    assert doc["__inputs"][0]["pluginId"] == "prometheus"
    ids = [p["id"] for p in doc["panels"]]
    assert len(ids) == len(set(ids))
    for panel in doc["panels"]:
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
        assert panel["targets"], panel["title"]
        refs = [t["refId"] for t in panel["targets"]]
        assert len(refs) == len(set(refs)), panel["title"]
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24, panel["title"]
    for variable in doc["templating"]["list"]:
        assert variable["datasource"]["uid"] == "${DS_PROMETHEUS}"
    titles = " ".join(p["title"].lower() for p in doc["panels"])
    for topic in ("ingress", "delivery attempts", "p50 / p95", "queue", "dead letters"):
        assert topic in titles, topic
    for topic in ("redis up", "gmail notifications", "gmail syncs", "gmail lag", "auth"):
        assert topic in titles, topic


def test_the_dashboard_uses_every_exposed_metric_and_nothing_else(exposed):
    used: set[str] = set()
    for title, expr in panel_queries(dashboard()):
        used |= check_against_exposition(expr, exposed, title)
    assert used == set(exposed)
    exprs = " ".join(expr for _, expr in panel_queries(dashboard()))
    for histogram in ("relais_delivery_attempt_seconds", "relais_gmail_sync_lag_seconds"):
        for q in ("0.5", "0.95"):
            assert f"histogram_quantile({q}, sum by (le) (rate({histogram}_bucket" in exprs


# -- promtool, when installed ------------------------------------------------------------------


@pytest.fixture
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        if os.environ.get("REQUIRE_PROMTOOL") == "1":
            pytest.fail("REQUIRE_PROMTOOL=1 but promtool is not on PATH (apt install prometheus)")
        pytest.skip("promtool not installed (Debian: apt install prometheus); YAML checks ran")
    return path


def run(*args: str, stdin: str | None = None) -> None:
    result = subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_checks_the_rules_and_the_dashboard_queries(promtool, tmp_path):
    run(promtool, "check", "rules", str(ALERTS))
    recording = [
        {"record": f"relais:dashboard_query:{n}", "expr": expr}
        for n, (_, expr) in enumerate(panel_queries(dashboard()))
    ]
    queries = tmp_path / "dashboard-queries.yml"
    queries.write_text(yaml.safe_dump({"groups": [{"name": "q", "rules": recording}]}))
    run(promtool, "check", "rules", str(queries))


def test_promtool_finds_no_naming_problem_in_the_exposition(promtool, exposition):
    run(promtool, "check", "metrics", stdin=exposition)


def series(name: str, values: str, **labels: str) -> dict[str, str]:
    matchers = ",".join(f'{k}="{v}"' for k, v in {"job": "relais", **labels}.items())
    return {"series": f"{name}{{{matchers}}}", "values": values}


def test_promtool_fires_the_alerts_when_it_should(promtool, tmp_path):
    """A few of the rules, evaluated by Prometheus on made-up series."""
    base = [
        series("relais_build_info", "1x500", instance="a", version="0.1.0", python="3.11"),
        series("up", "1x500", instance="a"),
    ]
    cases = [
        {
            "interval": "1m",
            "input_series": [*base, series("relais_redis_up", "1 1 0x20", instance="a")],
            "alert_rule_test": [
                {"eval_time": "3m", "alertname": "RelaisRedisDown", "exp_alerts": []},
                {"eval_time": "5m", "alertname": "RelaisRedisDown", "exp_alerts": [{}]},
                {"eval_time": "5m", "alertname": "RelaisDown", "exp_alerts": []},
            ],
        },
        {
            "interval": "1m",
            "input_series": [
                series("relais_build_info", "1x5 stale", instance="a", version="0", python="3"),
            ],
            "alert_rule_test": [
                {
                    "eval_time": "20m",
                    "alertname": "RelaisDown",
                    "exp_alerts": [{"exp_labels": {"job": "relais"}}],  # absent()'s labels
                },
            ],
        },
        {
            "interval": "1m",
            "input_series": [
                *base,
                series(
                    "relais_delivery_attempts_total", "0+1x60", outcome="retrying", target="crm"
                ),
                series("relais_delivery_attempts_total", "0+1x60", outcome="retrying", target="ok"),
                series(
                    "relais_delivery_attempts_total", "0+1x60", outcome="delivered", target="ok"
                ),
            ],
            "alert_rule_test": [
                {"eval_time": "10m", "alertname": "RelaisTargetFailing", "exp_alerts": []},
                {
                    "eval_time": "30m",
                    "alertname": "RelaisTargetFailing",
                    "exp_alerts": [{"exp_labels": {"target": "crm"}}],
                },
            ],
        },
        {
            "interval": "10m",
            "input_series": [
                *base,
                series(
                    "relais_ingress_requests_total", "0+1x12 12x60", outcome="accepted", code="200"
                ),
            ],
            "alert_rule_test": [
                {"eval_time": "3h", "alertname": "RelaisNoIngress", "exp_alerts": []},
                {"eval_time": "9h", "alertname": "RelaisNoIngress", "exp_alerts": [{}]},
            ],
        },
    ]
    for case in cases:  # expected: the rule's labels and annotations, rendered
        for test in case["alert_rule_test"]:
            for alert in test["exp_alerts"]:
                rule = next(r for r in alert_rules() if r["alert"] == test["alertname"])
                labels = {**rule["labels"], **alert.get("exp_labels", {})}
                annotations = {}
                for key, text in rule["annotations"].items():
                    for label, value in labels.items():
                        text = text.replace(f"{{{{ $labels.{label} }}}}", value)
                    assert "{{" not in text, f"{rule['alert']}: {text}"
                    annotations[key] = text
                alert.update(exp_labels=labels, exp_annotations=annotations)
    unit = tmp_path / "alerts-test.yml"
    unit.write_text(
        yaml.safe_dump({"rule_files": [str(ALERTS)], "evaluation_interval": "1m", "tests": cases})
    )
    run(promtool, "test", "rules", str(unit))
