"""Sending benchmark: `newsletter send` to 10,000 subscribers against a plain smtplib loop, same run, same server.

    python benchmarks/send.py                                  # 10,000 subscribers
    python benchmarks/send.py --subscribers 100000 --json benchmarks/results/send.json

The SMTP server is aiosmtpd in its own process, accepting and discarding every message. The floor
is a plain smtplib loop sending one pre-built message (the issue's built .eml) over one
connection to every address. `newsletter send` runs as a whole process (start-up included) and
does everything it does for real: a personalised message per subscriber (signed unsubscribe link
in both parts and the headers), two journal records per message, several connections.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import smtplib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ISSUE = REPO / "issues" / "2024" / "2024-03-W2.yaml"


def sink() -> None:
    """Serve SMTP on an ephemeral port of 127.0.0.1, discarding every message; print the port."""
    from aiosmtpd.smtp import SMTP

    class Discard:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(lambda: SMTP(Discard(), loop=loop), "127.0.0.1", 0))
    print(server.sockets[0].getsockname()[1], flush=True)
    loop.run_forever()


def project(root: Path, port: int, connections: int) -> str:
    """A project with one large published issue, built, and the id of that issue."""
    (root / "issues" / "2024").mkdir(parents=True)
    text = ISSUE.read_text(encoding="utf-8")
    text = re.sub(r"^(date: .*)$", r"\1\npublished: 2024-03-15T09:00:00+09:00", text, count=1, flags=re.M)
    (root / "issues" / "2024" / ISSUE.name).write_text(text, encoding="utf-8")
    config = (REPO / "newsletter.toml").read_text(encoding="utf-8")
    config += f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nconnections = {connections}\n'
    (root / "newsletter.toml").write_text(config, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "newsletter", "-C", str(root), "build"], check=True, capture_output=True)
    return ISSUE.stem


def addresses(count: int) -> list[str]:
    return [f"reader{n:06}@example.org" for n in range(count)]


def floor(port: int, message: bytes, to: list[str]) -> float:
    """Seconds for a plain smtplib loop: one connection, one pre-built message, every address."""
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for address in to:
            smtp.sendmail("editor@example.org", [address], message)
    return time.perf_counter() - start


def send(root: Path) -> tuple[float, float, str]:
    """Seconds and peak memory (MB) of `newsletter send` as a whole process, and its report."""
    env = {**os.environ, "NEWSLETTER_SECRET": "benchmark"}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "newsletter", "-C", str(root), "send"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    report = proc.stdout.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"newsletter send failed: {report}")
    return seconds, usage.ru_maxrss / 1024, report.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()
    server = subprocess.Popen([sys.executable, __file__, "--sink"], stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline())
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            issue = project(root, port, args.connections)
            to = addresses(args.subscribers)
            from newsletter.deliver.store import Store

            with Store(root / ".newsletter-private" / "subscribers.sqlite3") as store:
                store.add((a, "active") for a in to)
            message = (root / "dist" / "email" / f"{issue}.eml").read_bytes()
            floor_s = floor(port, message, to)
            send_s, peak_mb, report = send(root)
    finally:
        server.kill()
        server.wait()
    n = args.subscribers
    figures = {
        "subscribers": n, "message_bytes": len(message), "connections": args.connections,
        "floor_seconds": round(floor_s, 2), "floor_per_second": round(n / floor_s),
        "send_seconds": round(send_s, 2), "send_per_second": round(n / send_s),
        "ratio_to_floor": round(floor_s / send_s, 2), "send_peak_mb": round(peak_mb), "report": report,
    }
    print(f"{n:,} subscribers, a {len(message) / 1024:.0f} KB message")
    print(f"floor (smtplib, one connection, one pre-built message): {floor_s:.2f} s, {n / floor_s:,.0f} messages/s")
    print(f"newsletter send ({args.connections} connections, personalised, journalled): {send_s:.2f} s, "
          f"{n / send_s:,.0f} messages/s = {floor_s / send_s:.2f}x the floor's rate; peak memory {peak_mb:.0f} MB")
    print(report)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    if sys.argv[1:] == ["--sink"]:
        sink()
    else:
        main()
