"""Regenerate the workbench screenshots in docs/screenshots/ (README links them).

    .venv/bin/python scripts/screenshots.py [OUT_DIR]

Runs the demo (`remit demo`'s data) into a temporary SQLite database, serves the app on
loopback, signs a reviewer in with Debian's chromium (Playwright, headless) and photographs
the dashboard, the exceptions queue (a few items assigned, two selected) and the customer
with the most activity. tests/ui/test_screenshots_browser.py runs the same into a temporary
directory, so the script keeps working.
"""

from __future__ import annotations

import io
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
SIZE = {"width": 1360, "height": 900}
SHOTS = ("dashboard.png", "queue.png", "customer.png")


def _busiest_customer(rt) -> str:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from ledger.db import transaction
    from ledger.models import Application, Invoice

    with transaction(rt.engine) as s:
        return str(s.scalar(
            select(Invoice.customer_id)
            .join(Application, Application.invoice_id == Invoice.id)
            .group_by(Invoice.customer_id)
            .order_by(func.count().desc(), Invoice.customer_id)
            .limit(1)
        ))


def take(out: Path = OUT) -> list[Path]:
    """Take the screenshots into `out`; returns their paths."""
    import uvicorn
    from playwright.sync_api import sync_playwright
    from rich.console import Console
    from sqlalchemy import select

    from ledger.db import transaction
    from ledger.models import ReviewItem
    from ledger.repositories import api_keys
    from reconcile import manual
    from server.app import create_app
    from workflows.demo import run_demo

    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="remit-shots-"))
    rt, _ = run_demo(work / "demo.db", Console(file=io.StringIO()))
    with transaction(rt.engine) as s:
        key = api_keys.create(s, name="reviewer", scopes=["treasury:review"],
                              secret=rt.settings.secret_key)
        open_ids = s.scalars(select(ReviewItem.transaction_id)
                             .where(ReviewItem.status == "open").order_by(ReviewItem.id)).all()
        for tx, who in zip(open_ids[:4], ("dana", "dana", "sam", "api-key:reviewer"), strict=False):
            manual.assign(s, transaction_id=tx, assignee=who, actor="demo")
    customer = _busiest_customer(rt)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(create_app(rt), log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise SystemExit("uvicorn did not start")
        time.sleep(0.02)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport=SIZE)
            page.goto(base + "/")
            page.wait_for_url("**/login*")
            page.get_by_label("API key").fill(key)
            page.keyboard.press("Enter")
            page.wait_for_url(base + "/")
            page.screenshot(path=str(out / "dashboard.png"), full_page=False)
            page.goto(base + "/exceptions")
            for press in ("j", "x", "j", "j", "x"):
                page.keyboard.press(press)
            page.screenshot(path=str(out / "queue.png"), full_page=False)
            page.goto(f"{base}/customers/{customer}")
            page.screenshot(path=str(out / "customer.png"), full_page=False)
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
    return [out / name for name in SHOTS]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    for path in take(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT):
        print(path)
