"""A local webhook receiver for trying Relais: verifies each signature and prints the email.

    python scripts/demo_sink.py [--port 8001] [--secret whsec_...]

Without --secret it reads WEBHOOK_SECRET from the environment or DATA_DIR/secrets.env; when
neither has it yet (the sink started before `make run` wrote the file), it waits for the
file for up to --wait seconds (120 by default), saying so once.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

POLL_SECONDS = 0.25


def _from_file(path: Path) -> str | None:
    for line in path.read_text().splitlines() if path.exists() else []:
        if line.startswith("WEBHOOK_SECRET="):
            return line.partition("=")[2].strip() or None
    return None


def find_secret(explicit: str | None, wait: float) -> str:
    """--secret, else WEBHOOK_SECRET, else the one `make run` writes (waited for)."""
    if explicit:
        return explicit
    if os.environ.get("WEBHOOK_SECRET"):
        return os.environ["WEBHOOK_SECRET"]
    path = Path(os.environ.get("DATA_DIR", "data")) / "secrets.env"
    deadline = time.monotonic() + wait
    secret = _from_file(path)
    if secret is None and wait > 0:
        print(f"waiting for `make run` to write WEBHOOK_SECRET into {path} ...", flush=True)
    while secret is None and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        secret = _from_file(path)
    if secret is None:
        raise SystemExit("no signing secret: pass --secret or run `make run` once first")
    return secret


def handler_for(verifier: Webhook) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                doc = verifier.verify(body, dict(self.headers))
                status, verdict = 200, "signature OK"
            except WebhookVerificationError as exc:
                doc, status, verdict = json.loads(body or b"{}"), 401, f"BAD SIGNATURE ({exc})"
            print(
                f"{self.headers.get('webhook-id')} {verdict}: {doc.get('subject')!r} "
                f"from {doc.get('sender_email')} -> target {doc.get('target')}",
                flush=True,
            )
            reply = json.dumps({"success": status == 200}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--secret")
    parser.add_argument("--wait", type=float, default=120.0, help="seconds to wait for a secret")
    args = parser.parse_args()
    server = ThreadingHTTPServer(
        ("127.0.0.1", args.port), handler_for(Webhook(find_secret(args.secret, args.wait)))
    )
    print(f"demo sink listening on http://127.0.0.1:{args.port}/hook", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
