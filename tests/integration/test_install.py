"""`pip install .` in a fresh virtualenv gives a working `relais` command (issue 19).

The repository's tracked files are copied out first (a build writes into the tree), and the
new virtualenv sees the test environment's installed dependencies through a .pth file, so
nothing is downloaded: what is checked is Relais's own packaging (modules, console script,
static files and templates) and every subcommand's help, run outside the source tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
import venv
from pathlib import Path

import pytest

from routes.relais_command import main as relais_main

ROOT = Path(__file__).resolve().parents[2]


def _tracked_copy(target: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh virtualenv with Relais installed from a copy of the tree."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the tracked files cannot be listed")
    base = tmp_path_factory.mktemp("install")
    source, env_dir = base / "src", base / "venv"
    _tracked_copy(source)
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    site = subprocess.run(
        [bin_dir / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The test environment's packages (dependencies and build backend), without a download.
    Path(site, "test-env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            bin_dir / "python",
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    return bin_dir


def _run(bin_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env.update(RELAIS_ENV="production", REDIS_URL="redis://127.0.0.1:1/0")
    return subprocess.run(
        [str(bin_dir / "relais"), *args], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_the_installed_command_answers_help_for_every_subcommand(installed, tmp_path):
    assert (installed / "relais").exists()
    for args in (["--help"], ["--version"], *[[c, "--help"] for c in sorted(relais_main.commands)]):
        done = _run(installed, *args, cwd=tmp_path)
        assert done.returncode == 0, (args, done.stderr)
        assert "Traceback" not in done.stdout + done.stderr


def test_the_installed_package_runs_from_its_own_files_with_its_assets(installed, tmp_path):
    probe = (
        "import app_render, routes; from app_render import assets_dir; "
        "d = assets_dir(); print(routes.__file__); "
        "print((d / 'static' / 'js' / 'app.js').is_file(), (d / 'templates').is_dir())"
    )
    done = subprocess.run(
        [str(installed / "python"), "-c", probe], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    where, assets = done.stdout.strip().splitlines()
    assert str(ROOT) not in where, "imported from the source tree, not the installed package"
    assert assets == "True True"


def test_a_wrong_setting_is_one_line_not_a_traceback(installed, tmp_path):
    done = _run(installed, "check-config", cwd=tmp_path)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
