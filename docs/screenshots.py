"""Screenshots of the reports in headless Chromium, and a check that their tables fit.

Runs the default Monte Carlo (``stmarket run``'s scenarios, ``--runs`` runs, seed 1) once,
writes its report in English and in Vietnamese into a temporary folder, opens each
``report.html`` in Debian's Chromium (headless, driven by Playwright; never a downloaded
browser) at 1280 px and saves a full-page screenshot into ``docs/``:
``docs/report_en.png`` and ``docs/report_vi.png``. It then checks every table at 1280 px
on screen and in the print style sheet on an A4 page (186 mm of text width): a table or
an image wider than the page is named and the script exits with code 1.

    .venv/bin/python docs/screenshots.py             # 400 runs, about a minute
    .venv/bin/python docs/screenshots.py --check     # the fit check only, no PNG written

More pages: :data:`SOURCES` maps a name to a function that returns ``{png name: URL}``
(the dashboard's screenshot is added there, beside the reports').
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

DOCS = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("STMARKET_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SCREEN_WIDTH = 1280
#: A4 (210 mm) less the print style sheet's 12 mm margins each side, at 96 px per inch.
A4_TEXT_WIDTH = round((210 - 2 * 12) / 25.4 * 96)

#: What each table and image may not exceed: its right edge within the page's width.
_OVERFLOW_JS = """
(width) => {
  const bad = [];
  for (const el of document.querySelectorAll('table, img, figure, pre')) {
    const r = el.getBoundingClientRect();
    if (r.right > width + 1) {
      const head = el.querySelector('th');
      bad.push(`${el.tagName.toLowerCase()} ${head ? '"' + head.textContent + '"' : ''} ` +
               `ends at ${Math.round(r.right)} px`);
    }
  }
  if (document.documentElement.scrollWidth > width + 1)
    bad.push(`page scrolls sideways to ${document.documentElement.scrollWidth} px`);
  return bad;
}
"""


def report_pages(work: Path, runs: int) -> dict[str, str]:
    """Run the default assessment once and write its report in both languages."""
    import matplotlib

    matplotlib.use("Agg")
    from stmarket.experiments.assessment.assess import assess
    from stmarket.experiments.reports.write import write_assessment

    a = assess(runs=runs, seed=1)
    pages = {}
    for lang in ("en", "vi"):
        out = work / f"report_{lang}"
        write_assessment(a, out, lang=lang, parquet=False, force=True)
        pages[f"report_{lang}.png"] = (out / "report.html").as_uri()
    return pages


#: Name -> function(work folder, runs) returning {png file name: URL}.
SOURCES: dict[str, Callable[[Path, int], dict[str, str]]] = {"reports": report_pages}


def fit_problems(page, url: str) -> list[str]:
    """The tables and images of ``url`` that do not fit 1280 px on screen or A4 in print."""
    problems = []
    page.set_viewport_size({"width": SCREEN_WIDTH, "height": 900})
    page.emulate_media(media="screen")
    page.goto(url)
    problems += [f"screen {SCREEN_WIDTH} px: {x}" for x in
                 page.evaluate(_OVERFLOW_JS, SCREEN_WIDTH)]
    page.set_viewport_size({"width": A4_TEXT_WIDTH, "height": 1100})
    page.emulate_media(media="print")
    page.goto(url)
    problems += [f"print A4 ({A4_TEXT_WIDTH} px): {x}" for x in
                 page.evaluate(_OVERFLOW_JS, A4_TEXT_WIDTH)]
    return problems


def shoot(pages: dict[str, str], out_dir: Path | None) -> list[str]:
    """Check every page's fit and, with ``out_dir``, save its full-page screenshot."""
    from playwright.sync_api import sync_playwright

    problems = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_page(viewport={"width": SCREEN_WIDTH, "height": 900})
            for name, url in pages.items():
                problems += [f"{name}: {x}" for x in fit_problems(page, url)]
                if out_dir is not None:
                    page.set_viewport_size({"width": SCREEN_WIDTH, "height": 900})
                    page.emulate_media(media="screen")
                    page.goto(url)
                    page.screenshot(path=str(out_dir / name), full_page=True)
                    print(f"screenshot: {out_dir / name}")
        finally:
            browser.close()
    return problems


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=400, help="runs per scenario (default: 400)")
    p.add_argument("--out", type=Path, default=DOCS, help="folder of the PNGs (default: docs)")
    p.add_argument("--check", action="store_true", help="check the fit only, write no PNG")
    p.add_argument("--only", choices=sorted(SOURCES), action="append", default=None,
                   help="only these sources (repeatable; default: all)")
    args = p.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"needs Chromium at {CHROMIUM} (Debian package chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="stmarket-shots-") as tmp:
        pages: dict[str, str] = {}
        for name in args.only or sorted(SOURCES):
            pages.update(SOURCES[name](Path(tmp), args.runs))
        problems = shoot(pages, None if args.check else args.out)
    for x in problems:
        print(f"does not fit: {x}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
