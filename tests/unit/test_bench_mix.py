"""The benchmark's ingress mix and its Markdown report: pure helpers, no timing."""

from __future__ import annotations

import itertools
import json
from collections import Counter

import pytest

from bench import delivery_bench
from bench.mix import ROUND, Mix, Repeats, answer_of, load_fixtures, share
from bench.report import goal_figures, summary
from email_processing.inbound import InboundEmail


def clock() -> float:
    return 1_700_000_000.0


@pytest.fixture
def mix() -> Mix:
    return Mix("t_1", load_fixtures(), clock=itertools.count(1_700_000_000).__next__)


def test_exactly_one_request_in_ten_is_a_duplicate(mix: Mix) -> None:
    kinds = Counter(mix.kind(i) for i in range(1000))
    assert kinds == {"fixture": 600, "html_20kb": 200, "html_200kb": 100, "duplicate": 100}


def test_a_duplicate_repeats_the_exact_bytes_of_an_earlier_request(mix: Mix) -> None:
    bodies = [mix(i) for i in range(200)]
    for i, body in enumerate(bodies):
        if mix.kind(i) == "duplicate":
            original = mix.original_of(i)
            assert original < i
            assert body == bodies[original]


def test_every_other_request_is_a_new_email(mix: Mix) -> None:
    bodies = [mix(i) for i in range(200)]
    ids = [json.loads(b)["gmail_message_id"] for i, b in enumerate(bodies) if i % ROUND != 9]
    assert len(ids) == len(set(ids)) == 180


def test_duplicates_cover_every_kind_of_email(mix: Mix) -> None:
    kinds = {mix.kind(mix.original_of(i)) for i in range(9, 9 * ROUND, ROUND)}
    assert kinds == {"fixture", "html_20kb", "html_200kb"}


def test_bodies_are_valid_ingress_payloads_of_the_announced_sizes(mix: Mix) -> None:
    sizes = {}
    for i in range(ROUND):
        email = InboundEmail.model_validate_json(mix(i))
        sizes[mix.kind(i)] = len(email.body)
        assert email.gmail_message_id == f"bencht_1x{i}" or mix.kind(i) == "duplicate"
    assert 20_000 <= sizes["html_20kb"] < 22_000
    assert 200_000 <= sizes["html_200kb"] < 202_000


def test_the_mix_counts_what_it_built(mix: Mix) -> None:
    for i in range(30):
        mix(i)
    assert mix.sent == {"fixture": 18, "html_20kb": 6, "html_200kb": 3, "duplicate": 3}


def test_without_duplicates_every_request_is_new() -> None:
    mix = Mix("t2", load_fixtures(), clock=clock, duplicates=False)
    ids = {json.loads(mix(i))["gmail_message_id"] for i in range(50)}
    assert len(ids) == 50


def test_run_ids_must_fit_in_a_gmail_id() -> None:
    with pytest.raises(ValueError):
        Mix("no spaces", load_fixtures())


@pytest.mark.parametrize(
    ("status", "body", "answer"),
    [
        (200, b'{"status": "accepted", "success": true}', "accepted"),
        (200, b'{"status": "duplicate", "success": true}', "duplicate"),
        (200, b'{"reason": "no_links", "status": "ignored"}', "ignored:no_links"),
        (200, b'{"success": true, "key": "k"}', "stored"),
        (503, b"{}", "http_503"),
        (200, b"not json", "unreadable"),
    ],
)
def test_answers_are_named_by_decision(status: int, body: bytes, answer: str) -> None:
    assert answer_of(status, body) == answer


def test_shares_add_up_every_ignored_reason() -> None:
    answers = {"accepted": 7, "duplicate": 1, "ignored:no_links": 1, "ignored:too_large": 1}
    assert share(answers, "ignored") == 2


def test_slow_sink_backlogs_grow_with_threads() -> None:
    plan = delivery_bench.QUICK
    assert plan.backlog(200.0, 16) > plan.backlog(200.0, 1) >= 20
    assert plan.backlog(0.0, 1) == plan.backlog(0.0, 16) == plan.fast_backlog


def report_doc(achieved: float) -> dict:
    run = {
        "offered_rate": 100.0,
        "achieved_rate": achieved,
        "latency_ms": {"p50": 1.0, "p95": 2.0, "p99": 3.0},
        "mix": {
            "accepted": 60,
            "duplicate": 10,
            "ignored": 30,
            "other": 0,
            "sent_by_kind": {"duplicate": 10},
        },
        "errors": {},
        "unsent": 0,
    }
    return {
        "when": "then",
        "ingress": {"fixed_100": run},
        "floor": {"fixed_100": {**run, "achieved_rate": 2 * achieved}},
        "delivery": {"sinks": {"0ms": {"4": {"deliveries_per_s": 50.0}}}},
    }


def test_report_shows_the_ratio_and_the_previous_run() -> None:
    text = summary(report_doc(100.0), report_doc(80.0))
    line = next(x for x in text.splitlines() if x.startswith("| fixed_100"))
    assert "60 / 10 of 10 / 30" in line
    assert "| 50% |" in line
    assert "80.0 / 3.0 / 50%" in line


def test_report_renders_without_a_previous_run_or_with_an_older_format() -> None:
    assert "Previous run: none" in summary(report_doc(1.0), None)
    assert "Previous run: old" in summary(report_doc(1.0), {"when": "old", "ingress": []})


def test_repeats_resend_the_same_emails_in_turn(mix: Mix) -> None:
    repeats = Repeats(mix, count=5)
    bodies = [repeats(n) for n in range(12)]
    assert bodies[:5] == bodies[5:10] == repeats.bodies
    assert len({json.loads(b)["gmail_message_id"] for b in bodies}) == 5
    assert repeats.sent == Counter({"duplicate": 12})


def goals_doc() -> dict:
    saturation = {"achieved_rate": 300.0, "rss_peak": {"workers_mb": [95.0, 101.5]}}
    return {
        "ingress": {"saturation": saturation, "duplicates": {"achieved_rate": 900.0}},
        "floor": {"saturation": {"achieved_rate": 1000.0}, "duplicates": {"achieved_rate": 1000.0}},
        "end_to_end": {"delivery": {"end_to_end_ms": {"p99": 120.0}}},
        "rules": {"evaluate_us": {"p50": 800.0, "p99": 1500.0}},
        "adversarial": {"worst_ms": 42.0},
        "cold_start_s": 1.7,  # the first start (the embedded Redis starting too)
        "delivery": {"sinks": {"0ms": {"1": {"cold_starts_s": [0.9, 1.0]}}}},
    }


def test_goals_compare_each_figure_with_its_goal() -> None:
    figures = {name: (value, met) for name, value, _, met in goal_figures(goals_doc())}
    assert figures["ingress at saturation, share of the floor"] == (0.3, False)
    assert figures["duplicate pushes at saturation, share of the floor"] == (0.9, True)
    assert figures["end-to-end p99 at 200 emails/s (ms)"] == (120.0, False)
    rules = "1,000 rules (200 regex), 50 KB body: p50 / p99 per email (ms)"
    assert figures[rules] == ((0.8, 1.5), True)
    assert figures["RSS per worker at saturation, peak (MB)"] == (101.5, True)
    # The median of every start the run made, not the first one alone.
    assert figures["cold start to /ready, median of the run's starts (s)"] == (1.0, False)
    text = summary({**goals_doc(), "when": "now"}, None)
    assert "| ingress at saturation, share of the floor | 30% | >= 50 % | no |" in text


def test_goals_show_a_dash_for_a_missing_figure() -> None:
    figures = goal_figures({"ingress": {}})
    assert all(met is None for _, _, _, met in figures)


def test_the_cpu_per_request_is_shown_beside_the_floors() -> None:
    doc = goals_doc()
    doc["ingress"]["saturation"]["cpu_ms_per_request"] = {
        "server": 4.38,
        "redis": 0.69,
        "sink": 0.08,
        "load_generator": 0.27,
        "total": 5.42,
    }
    doc["floor"]["saturation"]["cpu_ms_per_request"] = {"server": 1.02, "total": 1.29}
    text = summary({**doc, "when": "now"}, None)
    assert (
        "- saturation: Relais server 4.38, redis 0.69, sink 0.08, load generator 0.27, "
        "total 5.42; floor server 1.02, total 1.29"
    ) in text
    assert "- duplicates:" not in text  # no figures, no line


def test_goal_values_read_as_what_they_are() -> None:
    doc = goals_doc()
    doc["ingress"]["duplicates"]["achieved_rate"] = 1011.1  # the floor's 1,000: above it
    doc["delivery"]["sinks"]["0ms"]["1"]["cold_starts_s"] = [0.97, 0.97]
    text = summary({**doc, "when": "now"}, None)
    assert "| duplicate pushes at saturation, share of the floor | 101% | >= 80 % | yes |" in text
    assert "| cold start to /ready, median of the run's starts (s) | 0.97 | < 1 | yes |" in text
