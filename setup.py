"""The dashboard's files (static/, templates/) installed beside the code by `pip install .`:
under <prefix>/share/relais/, where app_render.py looks when they are not next to it.
Everything else is declared in pyproject.toml."""

from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).resolve().parent


def _data_files() -> list[tuple[str, list[str]]]:
    found = []
    for top in ("static", "templates"):
        for folder in [ROOT / top, *sorted(p for p in (ROOT / top).rglob("*") if p.is_dir())]:
            files = sorted(str(f.relative_to(ROOT)) for f in folder.iterdir() if f.is_file())
            if files:
                found.append((f"share/relais/{folder.relative_to(ROOT)}", files))
    return found


setup(data_files=_data_files())
