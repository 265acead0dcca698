"""Every function of email_processing stays at cyclomatic complexity 10 or less (STYLE §10)."""

from __future__ import annotations

from pathlib import Path

import pytest
from radon.complexity import cc_visit

PACKAGE = Path(__file__).resolve().parents[3] / "email_processing"
MAX_COMPLEXITY = 10
SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_the_package_is_found() -> None:
    assert len(SOURCES) > 10


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(PACKAGE)) for p in SOURCES])
def test_complexity(path: Path) -> None:
    blocks = cc_visit(path.read_text(encoding="utf-8"))
    too_complex = [
        f"{block.name}: {block.complexity}" for block in blocks if block.complexity > MAX_COMPLEXITY
    ]
    assert too_complex == []
