"""The `relais` command (pyproject's console script): help without settings or Redis, exit
codes that mean something, one-line errors instead of tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from routes.relais_command import main
from tests.conftest import TEST_TOKEN

COMMANDS = sorted(main.commands)


def test_every_operator_task_is_a_subcommand():
    expected = {"run", "worker", "replay", "release", "reroute", "check-config", "import-legacy"}
    assert expected <= set(COMMANDS)


@pytest.mark.parametrize("args", [["--help"], ["--version"], *[[c, "--help"] for c in COMMANDS]])
def test_help_needs_neither_settings_nor_redis(args, monkeypatch):
    monkeypatch.setenv("RELAIS_ENV", "production")  # no secrets: building the app would fail
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


@pytest.fixture
def env(monkeypatch, redis_url, tmp_path):
    monkeypatch.setenv("RELAIS_ENV", "development")
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("PROCESS_API_TOKEN", TEST_TOKEN)


def test_an_unknown_delivery_is_exit_1(env):
    result = CliRunner().invoke(main, ["replay", "dlv_nope"])
    assert result.exit_code == 1
    assert "dlv_nope: not_found" in result.output


def test_redis_unreachable_is_one_line_and_exit_2(env, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("REDIS_CONNECT_TIMEOUT", "0.2")
    result = CliRunner().invoke(main, ["replay", "dlv_nope"])
    assert result.exit_code == 2
    assert "relais: Redis is unreachable" in result.output
    assert "Traceback" not in result.output


def test_bad_settings_are_one_line_and_exit_2(monkeypatch, tmp_path):
    monkeypatch.setenv("RELAIS_ENV", "production")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["check-config"])
    assert result.exit_code == 2
    assert result.output.startswith("relais: missing secrets in production")


def run_relais(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    command = Path(sys.executable).with_name("relais")
    return subprocess.run(
        [str(command), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_command_prints_its_answer_not_the_servers_info_lines(env):
    result = run_relais("replay", "dlv_nope")
    assert (result.returncode, result.stdout.strip()) == (1, "dlv_nope: not_found")
    assert '"level": "INFO"' not in result.stderr, result.stderr
    chatty = run_relais("replay", "dlv_nope", LOG_LEVEL="INFO")
    assert '"level": "INFO"' in chatty.stderr  # the environment's LOG_LEVEL wins
