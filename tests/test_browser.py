"""The dashboard in a real browser: Debian's Chromium, headless, driven by Playwright.

The test starts ``stmarket dashboard`` on a free local port, opens it, moves a slider and
waits for the probabilities and the figures to change (printing how long that takes),
switches to Vietnamese, and saves a screenshot. It needs ``/usr/bin/chromium`` (Debian's
``chromium``; ``.ci/browser-setup.sh`` installs it) and the ``playwright`` package; it
never downloads a browser of its own. Without them it is skipped, except in CI
(``CI`` set), where it fails.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("STMARKET_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
START_TIMEOUT_S = 300  # the first start on a fresh machine compiles the numba kernels
UPDATE_TIMEOUT_MS = 120_000


def _require_browser() -> None:
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"Chromium ({CHROMIUM}; Debian package chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the Python package playwright")
    if not missing:
        return
    msg = "browser test needs " + " and ".join(missing) + "; run .ci/browser-setup.sh"
    if os.environ.get("CI"):
        pytest.fail(msg + " (CI is set: this test must run)", pytrace=False)
    pytest.skip(msg)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _command(port: int) -> list[str]:
    """``python -m stmarket dashboard ...`` on a free local port."""
    opts = ["--host", "127.0.0.1", "--port", str(port), "--runs", "300", "--seed", "1"]
    return [sys.executable, "-m", "stmarket", "dashboard", *opts]


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory):
    _require_browser()
    port = _free_port()
    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    url = f"http://127.0.0.1:{port}/"
    with open(log, "w") as out:
        proc = subprocess.Popen(_command(port), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the dashboard exited with {proc.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the dashboard did not answer within {START_TIMEOUT_S} s:\n"
                            f"{log.read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)


def _rows(page) -> dict[str, tuple[float, float]]:
    """Target -> (probability in the starting scenario, in your settings), from the table."""
    rows = page.locator(".stm-table tbody tr")
    out = {}
    for i in range(rows.count()):
        r = rows.nth(i)
        out[r.get_attribute("data-target")] = (float(r.get_attribute("data-p-base")),
                                               float(r.get_attribute("data-p-custom")))
    return out


def _change(page, selector: str, key: str, expect: str) -> tuple[float, float, float]:
    """Press ``key`` on a slider; seconds until the table shows settings containing
    ``expect``, until both figures show that update, and the server's compute time."""
    thumb = page.locator(selector)
    thumb.focus()
    t0 = time.perf_counter()
    thumb.press(key)
    page.wait_for_function(
        "s => { const t = document.querySelector('.stm-table');"
        " return t !== null && t.dataset.settings.includes(s); }",
        arg=expect, timeout=UPDATE_TIMEOUT_MS)
    t_table = time.perf_counter() - t0
    serial = page.locator(".stm-table").get_attribute("data-serial")
    page.wait_for_function(
        "n => ['.stm-fan-img', '.stm-network-img'].every(c => {"
        " const i = document.querySelector(c); return i !== null && i.dataset.serial === n; })",
        arg=serial, timeout=UPDATE_TIMEOUT_MS)
    t_figures = time.perf_counter() - t0
    return t_table, t_figures, float(page.locator(".stm-table").get_attribute("data-seconds"))


def test_dashboard_in_chromium(dashboard_url, tmp_path, capsys):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            bad = []
            page.on("requestfailed", lambda r: bad.append(f"failed {r.url}"))
            page.on("response", lambda r: bad.append(f"{r.status} {r.url}")
                    if r.status >= 400 else None)
            page.goto(dashboard_url)
            page.wait_for_selector(".stm-table", timeout=UPDATE_TIMEOUT_MS)
            page.wait_for_selector(".stm-fan-img", timeout=UPDATE_TIMEOUT_MS)

            # the sliders start at the starting scenario: both columns agree
            before = _rows(page)
            assert len(before) == 10 and "intermediary_2030" in before
            assert all(b == c for b, c in before.values())
            tg4 = ".stm-lever-tg4_intermediary .stm-level [role=slider]"
            assert page.locator(tg4).get_attribute("aria-valuenow") == "0.5"

            # no budget for intermediaries: the intermediary target drops, paired
            timings = [_change(page, tg4, "Home", "tg4_intermediary=0@2022")]
            after = _rows(page)
            p_base, p_custom = after["intermediary_2030"]
            assert p_base == before["intermediary_2030"][0]
            assert p_custom < p_base - 0.3
            assert page.locator('tr[data-target="intermediary_2030"] td.stm-clear').count() == 1
            assert page.locator(tg4).get_attribute("aria-valuenow") == "0"

            # two more changes: tg4 back up one step, task group 2 starting in 2023
            timings.append(_change(page, tg4, "ArrowRight", "tg4_intermediary=0.05@2022"))
            tg2_start = ".stm-lever-tg2_demand .stm-start [role=slider]"
            timings.append(_change(page, tg2_start, "ArrowRight", "tg2_demand=0.9@2023"))
            with capsys.disabled():
                for t_table, t_fig, server in timings:
                    print(f"\ndashboard update: slider -> table {t_table:.2f} s, -> figures "
                          f"{t_fig:.2f} s (Monte Carlo on the server {server:.2f} s)", end="")
                print(f"\ndashboard update, median of {len(timings)}: table "
                      f"{statistics.median(t[0] for t in timings):.2f} s, figures "
                      f"{statistics.median(t[1] for t in timings):.2f} s")

            # English -> Vietnamese, in the plan's terms
            assert "Probability of meeting each target" in page.inner_text(".stm-targets")
            page.click(".stm-lang-vi")
            page.wait_for_selector(".stm-table[data-lang='vi']", timeout=UPDATE_TIMEOUT_MS)
            text = page.inner_text(".stm-page")
            for words in ("Xác suất đạt từng mục tiêu", "Kịch bản xuất phát",
                          "Nhóm nhiệm vụ 4: Phát triển tổ chức trung gian",
                          "kinh phí (tỷ đồng/năm)", "Thiết lập của bạn",
                          "Hình thành tổ chức trung gian"):
                assert words in text
            assert "Probability of meeting each target" not in text
            page.wait_for_selector(".stm-fan-img[data-lang='vi']", timeout=UPDATE_TIMEOUT_MS)

            # the page scrolls inside the app: grow the window to the whole page
            height = page.evaluate("() => document.querySelector('.stm-page').scrollHeight")
            page.set_viewport_size({"width": 1400, "height": int(height) + 40})
            shot = tmp_path / "dashboard.png"
            page.screenshot(path=str(shot))
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert shot.stat().st_size > 20_000
            with capsys.disabled():
                print(f"dashboard screenshot: {shot}")
            # every asset came from this machine (solara-assets), none from a CDN
            assert not [b for b in bad if "/_solara/" in b], bad
        finally:
            browser.close()
