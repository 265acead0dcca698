"""Gates on the code itself: complexity (radon), version consistency, docs of settings."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from radon.complexity import cc_visit

from config.settings import Settings
from config.version import VERSION

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app_render.py", "config", "services", "routes", "email_processing", "preferences")
MAX_COMPLEXITY = 10


def python_files():
    for name in PACKAGES:
        path = ROOT / name
        yield from ([path] if path.is_file() else sorted(path.rglob("*.py")))


def test_no_function_is_above_complexity_10():
    offenders = []
    for path in python_files():
        for block in cc_visit(path.read_text(encoding="utf-8")):
            if block.complexity > MAX_COMPLEXITY:
                offenders.append(
                    f"{path.relative_to(ROOT)}:{block.lineno} {block.name} ({block.complexity})"
                )
    assert offenders == []


def test_version_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["version"] == VERSION


def test_every_setting_is_documented_in_readme_and_env_example():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    names = [name.upper() for name in Settings.model_fields]
    assert [n for n in names if not re.search(rf"`{n}`", readme)] == []
    assert [n for n in names if not re.search(rf"^#? ?{n}=", example, re.M)] == []
