"""The dashboard in a real browser: Debian's Chromium, headless, driven by Playwright.

The test starts ``stmarket dashboard`` on a free local port, opens it, moves a slider and
waits for the probabilities and the figures to change, first from the preview runs and then
from all of them (printing how long each takes; no timed assertion), checks the readings
and the task-group attribution, switches to Vietnamese and checks that no English word is
left, and saves screenshots of both languages at 1280 px (into ``docs/`` when
``STMARKET_DOCS_SHOTS`` is set, else pytest's temporary folder). It needs
``/usr/bin/chromium`` (Debian's ``chromium``; ``.ci/browser-setup.sh`` installs it) and the
``playwright`` package; it
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


RUNS = 300
PREVIEW = 50  # stmarket.experiments.dashboard.refresh.PREVIEW_RUNS


def _command(port: int) -> list[str]:
    """``python -m stmarket dashboard ...`` on a free local port."""
    opts = ["--host", "127.0.0.1", "--port", str(port), "--runs", str(RUNS), "--seed", "1"]
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


_FIGURES_SHOW = (
    "([s, runs]) => ['.stm-fan-img', '.stm-network-img'].every(c => {"
    " const i = document.querySelector(c);"
    " return i !== null && i.dataset.settings === s && (runs === 0 || i.dataset.runs == runs);"
    " })")


def _change(page, selector: str, key: str, expect: str, runs: int) -> dict[str, float]:
    """Press ``key`` on a slider; seconds until the table shows settings containing
    ``expect`` (the preview of the first runs), until both figures show them, and until
    the table and the figures show all ``runs``; and the server's compute time."""
    thumb = page.locator(selector)
    thumb.focus()
    t0 = time.perf_counter()
    thumb.press(key)
    page.wait_for_function(
        "s => { const t = document.querySelector('.stm-table');"
        " return t !== null && t.dataset.settings.includes(s); }",
        arg=expect, timeout=UPDATE_TIMEOUT_MS)
    out = {"table": time.perf_counter() - t0}
    settings = page.locator(".stm-table").get_attribute("data-settings")
    out["server_first"] = float(page.locator(".stm-table").get_attribute("data-seconds"))
    page.wait_for_function(_FIGURES_SHOW, arg=[settings, 0], timeout=UPDATE_TIMEOUT_MS)
    out["figures"] = time.perf_counter() - t0
    page.wait_for_function(
        "([s, n]) => { const t = document.querySelector('.stm-table');"
        " return t !== null && t.dataset.settings === s && t.dataset.runs == n; }",
        arg=[settings, runs], timeout=UPDATE_TIMEOUT_MS)
    out["table_full"] = time.perf_counter() - t0
    page.wait_for_function(_FIGURES_SHOW, arg=[settings, runs], timeout=UPDATE_TIMEOUT_MS)
    out["figures_full"] = time.perf_counter() - t0
    out["server"] = float(page.locator(".stm-table").get_attribute("data-seconds"))
    return out


def _screenshot(page, path: Path) -> None:
    """The whole page at 1280 px (the page scrolls inside the app: grow the window)."""
    page.set_viewport_size({"width": 1280, "height": 1000})
    height = page.evaluate("() => document.querySelector('.stm-page').scrollHeight")
    page.set_viewport_size({"width": 1280, "height": int(height) + 40})
    page.screenshot(path=str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 20_000


#: English words that must not appear on the Vietnamese page (Solara's banner included).
ENGLISH = ("Probability", "Starting scenario", "Your settings", "Reading", "Task group",
           "none clearly", "Transactions", "median", "Solara", "Preview", "runs on",
           "bac_kan", "plan_2257", "Computing", "seed")


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
            timings = [_change(page, tg4, "Home", "tg4_intermediary=0@2022", RUNS)]
            after = _rows(page)
            p_base, p_custom = after["intermediary_2030"]
            assert p_base == before["intermediary_2030"][0]
            assert p_custom < p_base - 0.3
            assert page.locator('tr[data-target="intermediary_2030"] td.stm-clear').count() == 1
            assert page.locator(tg4).get_attribute("aria-valuenow") == "0"

            # two more changes: tg4 back up one step, task group 2 starting in 2023
            timings.append(_change(page, tg4, "ArrowRight", "tg4_intermediary=0.05@2022",
                                   RUNS))
            tg2_start = ".stm-lever-tg2_demand .stm-start [role=slider]"
            timings.append(_change(page, tg2_start, "ArrowRight", "tg2_demand=0.9@2023", RUNS))
            load = os.getloadavg()[0]
            with capsys.disabled():
                for t in timings:
                    print(f"\ndashboard update: slider -> table {t['table']:.2f} s, -> figures "
                          f"{t['figures']:.2f} s (first {PREVIEW} runs); all {RUNS} runs: "
                          f"table {t['table_full']:.2f} s, figures {t['figures_full']:.2f} s "
                          f"(Monte Carlo on the server {t['server_first']:.2f} s and "
                          f"{t['server']:.2f} s)", end="")
                med = {k: statistics.median(t[k] for t in timings) for k in timings[0]}
                print(f"\ndashboard update, median of {len(timings)} (load {load:.1f}): "
                      f"table {med['table']:.2f} s, figures {med['figures']:.2f} s; all runs: "
                      f"table {med['table_full']:.2f} s, figures {med['figures_full']:.2f} s")

            # the readings and what each task group does, in your settings
            page.wait_for_selector(".stm-attribution tr[data-task-group]",
                                   timeout=UPDATE_TIMEOUT_MS)
            assert page.locator(".stm-attribution tr[data-task-group]").count() == 6
            assert page.locator(".stm-readings tr[data-reading]").count() >= 8
            text_en = page.inner_text(".stm-page")
            assert "What each task group does" in text_en and "Readings of the targets" in text_en
            assert "Plan 2257 (all six task groups)" in text_en and "plan_2257" not in text_en

            # English -> Vietnamese, in the plan's terms, every word
            assert "Probability of meeting each target" in page.inner_text(".stm-targets")
            page.click(".stm-lang-vi")
            page.wait_for_selector(".stm-table[data-lang='vi']", timeout=UPDATE_TIMEOUT_MS)
            page.wait_for_selector(".stm-fan-img[data-lang='vi']", timeout=UPDATE_TIMEOUT_MS)
            page.wait_for_selector(".stm-network-img[data-lang='vi']", timeout=UPDATE_TIMEOUT_MS)
            page.wait_for_selector(".stm-readings[data-lang='vi']", timeout=UPDATE_TIMEOUT_MS)
            page.wait_for_selector(".stm-attribution[data-lang='vi']", timeout=UPDATE_TIMEOUT_MS)
            text = page.inner_text("body")
            for words in ("Xác suất đạt từng mục tiêu", "Kịch bản xuất phát",
                          "Nhóm nhiệm vụ 4: Phát triển tổ chức trung gian",
                          "kinh phí (tỷ đồng/năm)", "Thiết lập của bạn",
                          "Hình thành tổ chức trung gian", "Tỉnh Bắc Kạn",
                          "Kế hoạch 2257 (cả sáu nhóm nhiệm vụ)",
                          "Tác dụng của từng nhóm nhiệm vụ", "Cách hiểu"):
                assert words in text, words
            left = [w for w in ENGLISH if w.lower() in text.lower()]
            assert not left, f"English on the Vietnamese page: {left}"

            # screenshots at 1280 px, Vietnamese and English (docs/ with STMARKET_DOCS_SHOTS)
            folder = ROOT / "docs" if os.environ.get("STMARKET_DOCS_SHOTS") else tmp_path
            _screenshot(page, folder / "dashboard_vi.png")
            page.click(".stm-lang-en")
            page.wait_for_selector(".stm-fan-img[data-lang='en']", timeout=UPDATE_TIMEOUT_MS)
            page.wait_for_selector(".stm-network-img[data-lang='en']", timeout=UPDATE_TIMEOUT_MS)
            page.wait_for_selector(".stm-readings[data-lang='en']", timeout=UPDATE_TIMEOUT_MS)
            page.wait_for_selector(".stm-attribution[data-lang='en']", timeout=UPDATE_TIMEOUT_MS)
            _screenshot(page, folder / "dashboard_en.png")
            with capsys.disabled():
                print(f"dashboard screenshots: {folder}/dashboard_{{en,vi}}.png")
            # every asset came from this machine (solara-assets), none from a CDN
            assert not [b for b in bad if "/_solara/" in b], bad
        finally:
            browser.close()
