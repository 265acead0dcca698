"""The Cloudflare Worker's own tests (`node --test`), run from pytest so CI runs them too."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def test_the_worker_passes_its_node_tests():
    node = shutil.which("node")
    if node is None:
        if os.environ.get("REQUIRE_NODE") == "1":
            pytest.fail("REQUIRE_NODE=1 but node is not installed")
        pytest.skip("node is not installed")
    result = subprocess.run(
        [node, "--test", str(HERE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
