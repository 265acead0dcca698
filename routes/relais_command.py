"""`relais`: the operator's command (pyproject's console script).

Every Flask CLI command of routes/cli.py (`flask --app app_render <command>` stays as an
alias) plus `relais run`. A command builds the app only when it runs (`relais --help` and
every `relais <command> --help` need neither settings nor Redis), and an operator's mistake
is one line on stderr with a non-zero exit, never a traceback:

    exit 0  done
    exit 1  the command ran and something it was asked for failed or was not found
    exit 2  a usage error (click), bad settings, or Redis unreachable
"""

from __future__ import annotations

import copy
import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from config.redis_conn import REDIS_DOWN_ERRORS
from config.settings import SettingsError
from config.startup_checks import StartupError
from config.version import VERSION
from routes.cli import bp
from services.errors import ServiceError

GUNICORN_CONFIG = "python:config.gunicorn_conf"


def _fail(message: str, code: int) -> None:
    click.echo(f"relais: {message}", err=True)
    sys.exit(code)


# Commands that run until stopped log as the server does; the others answer and exit, so
# their INFO lines (secrets read, Redis durability...) would only bury the answer.
LONG_RUNNING = frozenset({"worker"})


def _app(quiet: bool = True) -> Any:
    """The app, logging warnings and errors only when `quiet` (LOG_LEVEL in the environment
    wins)."""
    from app_render import create_app

    overrides = {"log_level": "WARNING"} if quiet and "LOG_LEVEL" not in os.environ else {}
    try:
        return create_app(overrides)
    except (SettingsError, StartupError) as exc:
        _fail(str(exc), 2)
    except REDIS_DOWN_ERRORS as exc:
        _fail(f"Redis is unreachable ({type(exc).__name__}): check REDIS_URL", 2)
    return None  # pragma: no cover (_fail exits)


def in_app(command: click.Command, quiet: bool = True) -> click.Command:
    """A copy of `command` that runs inside a fresh app's context, with one-line errors (for
    a group such as `gmail`: each of its subcommands, the group itself needs no app)."""
    if isinstance(command, click.Group):
        group = copy.copy(command)
        group.commands = {name: in_app(sub, quiet) for name, sub in command.commands.items()}
        return group
    original: Callable[..., Any] | None = command.callback
    assert original is not None

    @functools.wraps(original)
    def run(*args: Any, **kwargs: Any) -> Any:
        app = _app(quiet)
        try:
            with app.app_context():
                return original(*args, **kwargs)
        except ServiceError as exc:
            _fail(exc.message, 1)
        except REDIS_DOWN_ERRORS as exc:
            _fail(f"Redis is unreachable ({type(exc).__name__}): check REDIS_URL", 2)
        finally:
            app.extensions["relais"].close(grace=0)
        return None  # pragma: no cover

    wrapped = copy.copy(command)
    wrapped.callback = run
    return wrapped


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(version=VERSION, prog_name="relais")
def main() -> None:
    """Relais: Gmail push to signed webhooks. Settings come from the environment (and
    ./.env, DATA_DIR/.env); README.md lists them."""


@main.command("run")
def run() -> None:
    """Serve Relais with gunicorn on $PORT (HOST: 127.0.0.1 in development), with the
    delivery threads; an embedded Redis under DATA_DIR when REDIS_URL is unset."""
    argv = [sys.executable, "-m", "gunicorn", "-c", GUNICORN_CONFIG]
    os.execv(sys.executable, argv)  # noqa: S606 (gunicorn replaces this process, as a CLI does)


def _register() -> None:
    for name, command in sorted(bp.cli.commands.items()):
        main.add_command(in_app(command, quiet=name not in LONG_RUNNING), name)


_register()
