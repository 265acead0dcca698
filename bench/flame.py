"""Where Relais spends its CPU under load: py-spy samples every gunicorn process (master,
workers: request threads and delivery threads) while the bench mix runs at saturation.

    python -m bench.flame [--seconds 15] [--redis-url URL] [--out bench/results/flame]

Writes `<out>.svg` (a flame graph) and `<out>.txt` (the collapsed stacks, and the share of
samples per function of this repository, the top first). Needs py-spy (requirements-dev) and
the right to trace processes (root, or ptrace allowed), as on the reference box.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench import loadgen
from bench.harness import BENCH_TOKEN, Sink, relais_server
from bench.mix import Mix, answer_of, load_fixtures

ROOT = Path(__file__).resolve().parent.parent
FRAME = re.compile(r"^(?P<func>[^ ]+) \((?P<file>[^:]+)(?::\d+)?\)$")


def _record(pid: int, seconds: float, out: Path, fmt: str) -> subprocess.Popen[bytes]:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    args = [py_spy, "record", "--pid", str(pid), "--subprocesses", "--duration", str(int(seconds))]
    # --gil: only the thread holding the GIL, i.e. Python code running, not threads waiting.
    args += ["--rate", "200", "--gil", "--format", fmt, "--output", str(out), "--nonblocking"]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _own(file: str) -> bool:
    """A file of this repository (py-spy names them relative to the working directory)."""
    return not file.startswith(("/", "<")) and (ROOT / file).is_file()


def own_functions(collapsed: str, top: int = 40) -> list[tuple[str, float]]:
    """Share of samples in which each of this repository's functions is on the stack."""
    counts: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        total += int(count)
        seen = set()
        for frame in stack.split(";"):
            found = FRAME.match(frame.strip())
            if found and _own(found["file"]):
                name = f"{found['file']}:{found['func']}"
                if name not in seen:
                    seen.add(name)
                    counts[name] += int(count)
    return [(name, n / total) for name, n in counts.most_common(top)] if total else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"))
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "flame"))
    args = parser.parse_args()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="relais-flame-") as tmp:
        sink = Sink().start()
        server = relais_server(args.redis_url, Path(tmp) / "data", sink.hook_url)
        server.start("/ready")
        assert server.proc is not None
        try:
            raw = out.with_suffix(".collapsed")
            recorders = [
                _record(server.proc.pid, args.seconds, out.with_suffix(".svg"), "flamegraph"),
                _record(server.proc.pid, args.seconds, raw, "raw"),
            ]
            headers = [
                ("Content-Type", "application/json"),
                ("Authorization", f"Bearer {BENCH_TOKEN}"),
            ]
            spec = loadgen.RequestSpec.from_url(
                server.url("/api/ingress/gmail"),
                method="POST",
                headers=headers,
                body_factory=Mix("flame", load_fixtures()),
                answer_key=answer_of,
            )
            result = loadgen.run(
                spec, duration=args.seconds, connections=32, requests_per_connection=200
            )
            print(f"achieved {result.to_dict().get('achieved_rate')} requests/s")
            for recorder in recorders:
                recorder.wait(timeout=60)
        finally:
            server.stop()
            sink.stop()
    collapsed = raw.read_text()
    lines = [f"{share:6.1%}  {name}" for name, share in own_functions(collapsed)]
    out.with_suffix(".txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
