"""Reports and fan charts: both languages, self-contained HTML, numbers, atomic writes.

No Monte Carlo here: the tables are small synthetic frames built by hand.
"""

from __future__ import annotations

import base64
import os
import re
import string
from html import escape as html_escape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stmarket.experiments.assessment import likelihood as lk
from stmarket.experiments.outputs.folder import save_figure as save
from stmarket.experiments.reports import i18n
from stmarket.experiments.reports.fanchart import fan_chart, target_indicators
from stmarket.experiments.reports.i18n import LANGS, t
from stmarket.experiments.reports.report import ALL, write_report
from stmarket.model.targets import load_targets

SCENARIOS = [
    {"id": "no_programme", "name": "No programme", "name_vi": "Không thực hiện Kế hoạch"},
    {"id": "plan_2257", "name": "Plan 2257 (all six task groups)",
     "name_vi": "Kế hoạch 2257 (cả sáu nhóm nhiệm vụ)"},
]
DASH = "\u2013"
MINUS = "\u2212"


@pytest.fixture(scope="module")
def targets():
    return load_targets("targets_2257")


def _meta(**over) -> dict:
    meta = {
        "title": "Bac Kan S&T market: Monte Carlo assessment",
        "profile": "bac_kan",
        "scenarios": SCENARIOS,
        "runs": 2000,
        "seed": 7,
        "world": {"id": "priors", "name": "Full priors",
                  "name_vi": "Toàn bộ khoảng bất định của tham số"},
        "stopping": {"half_width": 0.02, "max_runs": 20000, "reached": True},
        "version": "0.1.0",
        "commit": "622c3e8",
        "started": "2026-12-01T10:00:00",
        "finished": "2026-12-01T10:05:00",
        "workers": 2,
    }
    meta.update(over)
    return meta


def _target_table(targets) -> pd.DataFrame:
    """Distinct probabilities per scenario and target (so each cell is identifiable)."""
    rows = []
    for s, sc in enumerate(("no_programme", "plan_2257")):
        for k, tg in enumerate(targets.targets):
            p = 0.11 + 0.08 * k + 0.03 * s
            rows.append((sc, tg.id, tg.year, tg.threshold, p, p - 0.017, p + 0.021, 2000))
        p_all = 0.013 if s == 0 else 0.087
        rows.append((sc, ALL, 2030, np.nan, p_all, p_all - 0.006, p_all + 0.012, 2000))
    return pd.DataFrame(rows, columns=["scenario", "target", "year", "threshold",
                                       "probability", "ci_low", "ci_high", "runs"])


def _comparisons(targets) -> pd.DataFrame:
    rows = []
    for tg in targets.targets:
        if tg.id == "ip_share_2030":       # A clearly higher
            row = (431, 17, 1e-6, 0.207, 0.183, 0.231)
        elif tg.id == "tech_share_2025":   # B clearly higher
            row = (12, 95, 2e-4, -0.0415, -0.0602, -0.0228)
        else:                               # not separated
            row = (40, 38, 0.91, 0.001, -0.019, 0.021)
        rows.append(("plan_2257", "no_programme", tg.id, *row, 2000))
    rows.append(("plan_2257", "no_programme", ALL, 9, 3, 0.146, 0.003, -0.001, 0.007, 2000))
    return pd.DataFrame(rows, columns=["a", "b", "target", "a_only", "b_only", "mcnemar_p",
                                       "difference", "ci_low", "ci_high", "runs"])


def _value_difference() -> pd.DataFrame:
    return pd.DataFrame([("plan_2257", "no_programme", 2030, 2000, 1234.5, -3.2, 0.5, 2.75,
                          5.0, 12.0, 0.81)],
                        columns=["a", "b", "year", "runs", "mean", "q05", "q25", "q50", "q75",
                                 "q95", "share_positive"])


def _fan(targets) -> pd.DataFrame:
    rows = []
    inds = [*target_indicators(targets), "count"]
    for sc, g in (("no_programme", 0.03), ("plan_2257", 0.09)):
        for ind in inds:
            for y in range(2021, 2031):
                m = 10 * (1 + g) ** (y - 2021) if ind in ("value_nominal", "count") else \
                    0.05 + g * (y - 2021) / 9
                s = 0.3 * m
                rows.append((sc, ind, y, 500, m - 1.6 * s, m - 0.7 * s, m, m + 0.7 * s,
                             m + 1.6 * s))
    return pd.DataFrame(rows, columns=["scenario", "indicator", "year", "runs", "q05", "q25",
                                       "q50", "q75", "q95"])


@pytest.fixture(scope="module")
def png(tmp_path_factory, targets) -> bytes:
    path = tmp_path_factory.mktemp("fig") / "fan_charts.png"
    save(fan_chart(_fan(targets), targets, "en"), path)
    return path.read_bytes()


def _write(out: Path, lang: str, targets, png: bytes, **over) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    fig = out / "fan_charts.png"
    fig.write_bytes(png)
    kwargs = {"lang": lang, "meta": _meta(), "targets": targets,
              "target_table": _target_table(targets), "comparisons": _comparisons(targets),
              "value_difference": _value_difference(), "figures": {"fan_charts": fig}}
    kwargs.update(over)
    return write_report(out, **kwargs)


@pytest.fixture(scope="module")
def reports(tmp_path_factory, targets, png) -> dict[str, tuple[str, str]]:
    out = {}
    for lang in LANGS:
        md, html = _write(tmp_path_factory.mktemp(lang), lang, targets, png)
        out[lang] = (md.read_text(encoding="utf-8"), html.read_text(encoding="utf-8"))
    return out


def _fmt(x: float, lang: str, decimals: int = 2) -> str:
    """Independent of stmarket.experiments.reports.i18n: the expected rendering of a number."""
    text = f"{x:,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text.replace("-", MINUS)


class _Checker(HTMLParser):
    VOID = {"meta", "img", "br", "hr", "link", "input", "source", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


# ---- i18n -------------------------------------------------------------------------------


def test_every_key_in_both_languages_with_the_same_fields():
    fields = string.Formatter()
    for key in i18n.keys():
        texts = [t(key, lang) for lang in LANGS]
        assert all(isinstance(x, str) and x.strip() for x in texts), key
        names = [{f for _, f, _, _ in fields.parse(x) if f} for x in texts]
        assert names[0] == names[1], key
    for key in [k for k in i18n.keys() if k.startswith(("h.", "col.", "read.", "cmp."))]:
        if key not in ("col.a", "col.b"):
            assert t(key, "en") != t(key, "vi"), f"{key} is not translated"


def test_names_for_every_target_and_indicator(targets):
    for tg in targets.targets:
        for lang in LANGS:  # labels and readings come from the targets file
            assert i18n.target_label(tg, lang) != tg.id, (lang, tg.id)
        assert tg.label_en and tg.label_vi and tg.definition and tg.definition_vi, tg.id
        assert i18n.has("ind." + tg.indicator), tg.indicator
    for key in ("ind.value", "ind.count", "target.all_targets", "interpretation",
                "legend.median", "legend.band50", "legend.band90", "legend.target",
                "key.scenario", "key.rule"):
        assert i18n.has(key), key


def test_missing_key_or_language_is_a_value_error():
    with pytest.raises(ValueError, match="no_such_key"):
        t("no_such_key", "en")
    with pytest.raises(ValueError, match="fr"):
        t("h.provenance", "fr")
    with pytest.raises(ValueError, match="plan"):
        t("title", "vi", wrong=1)


def test_number_formats():
    assert i18n.number(-1234.5, "en") == f"{MINUS}1,234.50"
    assert i18n.number(-1234.5, "vi") == f"{MINUS}1.234,50"
    assert i18n.number(-0.001, "en") == "0.00"
    assert i18n.prob_interval(0.91, 0.89, 0.93, "en") == f"0.91 (0.89{DASH}0.93)"
    assert i18n.prob_interval(0.91, 0.89, 0.93, "vi") == f"0,91 (0,89{DASH}0,93)"
    assert i18n.signed_interval(0.05, -0.02, 0.12, "vi") == f"+0,05 ({MINUS}0,02 đến +0,12)"
    assert (i18n.percent(0.05, "en"), i18n.percent(0.125, "vi")) == ("5 %", "12,5%")
    assert i18n.pvalue(1e-5, "en") == "< 0.001" and i18n.pvalue(0.0456, "vi") == "0,046"
    assert i18n.integer(20000, "vi") == "20.000"
    assert i18n.criterion(">=", 0.1, "value_nominal", "cagr", "en") == "\u2265 10 %/yr"
    assert i18n.criterion(">", 0.05, "ip_share", "level", "vi") == "> 5%"
    assert i18n.number(float("nan"), "en") == "—"


# ---- report -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_both_files_written_and_html_self_contained(tmp_path, targets, png, lang):
    md_path, html_path = _write(tmp_path, lang, targets, png)
    assert (md_path, html_path) == (tmp_path / "report.md", tmp_path / "report.html")
    md, page = md_path.read_text("utf-8"), html_path.read_text("utf-8")
    assert "](fan_charts.png)" in md and "data:image" not in md
    assert f'<html lang="{lang}">' in page and '<meta charset="utf-8">' in page
    for bad in ('src="http', "href=", "<link", "<script", "@import", "url("):
        assert bad not in page, bad
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert not checker.errors and not checker.stack, (checker.errors, checker.stack)
    imgs = [a["src"] for tag, a in checker.tags if tag == "img"]
    assert len(imgs) == 1 and imgs[0].startswith("data:image/png;base64,")
    assert base64.b64decode(imgs[0].split(",", 1)[1]) == png
    assert sorted(os.listdir(tmp_path)) == ["fan_charts.png", "report.html", "report.md"]


def test_every_target_table_number_in_both_outputs(reports, targets):
    table = _target_table(targets)
    for lang, (md, page) in reports.items():
        for r in table.itertuples():
            # the estimate and its interval are held together by a no-break space
            cell = (f"{_fmt(r.probability, lang)}\u00a0({_fmt(r.ci_low, lang)}{DASH}"
                    f"{_fmt(r.ci_high, lang)})").replace(" ", "\u00a0")
            assert cell in md and cell in page, (lang, r.scenario, r.target, cell)
        crit = "\u2265 5 %/yr" if lang == "en" else "\u2265 5%/năm"
        assert crit in md and "2021–2025" in md


def test_key_answer_counts(reports):
    md = reports["en"][0]
    # no_programme: p = 0.11 + 0.08 k >= 0.66 (likely) for k = 7, 8 -> 2 of 9;
    # plan_2257 (+0.03): 0.70 and 0.78 -> 2 of 9
    assert "No programme: 2 of 9 targets likely or better (probability at least 0.66)" in md
    assert f"all targets together in the same run: 0.01 (0.01{DASH}0.03)" in md
    assert "Plan 2257 (all six task groups): 2 of 9 targets likely or better" in md
    # the IPCC AR6 words on the estimate: 0.11 is unlikely, 0.43 about as likely as not
    assert "Unlikely: " in md and "About as likely as not: " in md and "Likely: " in md
    assert re.search(rf"0\.01 \(0\.01{DASH}0\.03\) \((very|exceptionally) unlikely\)", md)
    vi = reports["vi"][0]
    assert "Không thực hiện Kế hoạch: 2/9 mục tiêu có khả năng đạt trở lên (xác suất từ 0,66)" \
        in vi


def test_vietnamese_uses_the_plans_terms_and_no_english(reports):
    md, page = reports["vi"]
    low = md.lower()
    for term in ("thị trường khoa học và công nghệ", "giao dịch các công nghệ",
                 "tài sản trí tuệ", "tổ chức trung gian", "nhiệm vụ", "kết quả nghiên cứu",
                 "số hóa", "xác suất", "khoảng tin cậy", "kịch bản"):
        assert term in low, term
    assert "Giá trị giao dịch hàng hoá khoa học và công nghệ hàng năm tăng bình quân" in md
    for key in [k for k in i18n.keys() if k.startswith(("h.", "col.", "legend.", "verdict."))]:
        en = t(key, "en")
        if en != t(key, "vi"):
            word = re.compile(rf"\b{re.escape(en)}\b")
            assert not word.search(md) and not word.search(page), en
    for en in ("Probability", "Target", "Scenario", "Runs", "interval", "How to read"):
        assert not re.search(rf"\b{en}\b", md), en
    # decimal comma throughout: no probability written with a point
    assert not re.search(r"(?<![\d.])0\.\d{2}(?![\d.])", md)
    assert 'lang="vi"' in page


def test_interpretation_targets_are_marked(reports, targets):
    interp = {tg.id for tg in targets.targets if tg.interpretation}
    assert interp == {"research_origin_share_2030", "digitised_2030"}
    for lang, (md, _) in reports.items():
        assert t("interpretation", lang) in md
        for tg in targets.targets:
            row = next(line for line in md.splitlines()
                       if line.startswith(f"| {i18n.target_label(tg, lang)}"))
            assert ("\u2020" in row) == (tg.id in interp), (lang, tg.id)


def test_comparisons_and_value_difference(reports):
    md, _ = reports["en"]
    assert "| IP-asset share 2030 | 431 | 17 | +0.21 (+0.18 to +0.23) | < 0.001 |" in md
    assert f"{MINUS}0.04 ({MINUS}0.06 to {MINUS}0.02)" in md
    sentence = next(line for line in md.splitlines() if "excludes 0 for" in line)
    assert "IP-asset share 2030 (A higher)" in sentence
    assert "Technology share 2025 (B higher)" in sentence
    assert "Technology share 2030" not in sentence and "All targets" not in sentence
    assert "Plan 2257 (all six task groups) vs No programme" in md
    assert "1,234.50" in md and f"{MINUS}3.20 to 12.00" in md and "0.81" in md
    vi, _ = reports["vi"]
    assert "1.234,50" in vi and f"{MINUS}3,20 đến 12,00" in vi
    assert "Kế hoạch 2257 (cả sáu nhóm nhiệm vụ) so với Không thực hiện Kế hoạch" in vi


def test_provenance_and_stopping(reports):
    md, _ = reports["en"]
    for s in ("622c3e8", "2026-12-01T10:05:00", "0.1.0", "| Seed | 7 |",
              "| Worker threads | 2 |", "half-width of at most 0.02", "20,000 runs"):
        assert s in md, s
    assert "20.000" in reports["vi"][0]


def test_vietnamese_seed_and_threads(reports):
    vi = reports["vi"][0]
    assert "| Giá trị khởi tạo ngẫu nhiên (seed) | 7 |" in vi
    assert "| Số luồng xử lý song song | 2 |" in vi
    assert "và ở giá trị khởi tạo ngẫu nhiên (seed);" in vi
    for key in i18n.keys():  # the calque and "processes" appear nowhere
        low = t(key, "vi").lower()
        assert "hạt giống" not in low and "tiến trình" not in low, key


def test_title_built_from_the_plan_name_in_both_languages(reports, targets):
    assert targets.name_vi == ("Kế hoạch phát triển thị trường khoa học và công nghệ tỉnh "
                               "Bắc Kạn đến năm 2030 (Quyết định số 2257/QĐ-UBND)")
    titles = {"en": f"{targets.name}: probability of meeting the targets",
              "vi": f"{targets.name_vi}: xác suất đạt các mục tiêu"}
    for lang, (md, page) in reports.items():
        assert md.splitlines()[0] == f"# {titles[lang]}"  # meta["title"] is ignored
        assert f"<title>{html_escape(titles[lang])}</title>" in page
        assert f"<h1>{html_escape(titles[lang])}</h1>" in page
        assert "Monte Carlo assessment" not in md and "QĐ 2257" not in md


def test_world_is_named_as_a_parameter_setting(reports):
    en, vi = reports["en"][0], reports["vi"][0]
    assert "drawn as a Latin hypercube under the parameter setting \u201cFull priors\u201d," in en
    assert ("(Latin hypercube) theo thiết lập tham số \u201cToàn bộ khoảng bất định của tham "
            "số\u201d, và ở") in vi


def test_repeated_plan_line_is_said_outside_the_quotation(reports, targets):
    tg = next(x for x in targets.targets if x.id == "research_origin_share_2030")
    assert tg.text_vi == "tỷ trọng giao dịch tài sản trí tuệ đạt trên 5%"  # the plan's words
    for lang, (md, page) in reports.items():
        section = md.split("`research_origin_share_2030`", 1)[1].split("\n### ", 1)[0]
        quote = f"\u201c{tg.text_vi}\u201d"
        repeat = t("def.repeats", lang, target=targets.get("ip_share_2025").label(lang))
        assert quote in section and repeat in section
        assert section.index(repeat) > section.index(quote) + len(quote)
        assert md.count(repeat) == 1 and html_escape(repeat) in page  # no other target
        for quoted in re.findall("\u201c([^\u201d]*)\u201d", md):
            assert "lặp lại" not in quoted and "repeat" not in quoted, quoted
    assert "repeats word for word its earlier line for the target \u201cIP-asset share " \
        "2025\u201d" in reports["en"][0]
    assert "lặp lại nguyên văn dòng trước đó về mục tiêu \u201cTỷ trọng giao dịch tài sản " \
        "trí tuệ 2025\u201d" in reports["vi"][0]


def test_probabilities_that_round_to_0_or_1():
    for lang in LANGS:
        lt, gt = "< " + _fmt(0.01, lang), "> " + _fmt(0.99, lang)
        assert [i18n.prob(p, lang) for p in (0.0, 1e-9, 0.0049, 0.005, 0.994)] == \
            [_fmt(0, lang), lt, lt, _fmt(0.01, lang), _fmt(0.99, lang)]
        assert [i18n.prob(p, lang) for p in (0.9951, 1 - 1e-9, 1.0)] == [gt, gt, _fmt(1, lang)]
    assert i18n.prob_interval(0.003, 0.0004, 0.011, "en") == f"< 0.01 (0.00{DASH}0.01)"
    assert i18n.prob_interval(0.998, 0.989, 0.9996, "vi") == f"> 0,99 (0,99{DASH}1,00)"
    assert i18n.prob_interval(0.0, 0.0, 0.002, "vi") == f"0,00 (0,00{DASH}0,00)"


def test_extreme_probabilities_in_the_report(tmp_path, targets, png):
    table = _target_table(targets)
    nop = table["scenario"] == "no_programme"
    ids = [tg.id for tg in targets.targets]
    cases = {ids[0]: (0.003, 0.0004, 0.011), ids[1]: (0.998, 0.989, 0.9996),
             ids[2]: (0.0, 0.0, 0.002), ids[3]: (1.0, 0.998, 1.0),
             ALL: (0.002, 0.0001, 0.007)}
    for tid, (p, lo, hi) in cases.items():
        table.loc[nop & (table["target"] == tid), ["probability", "ci_low", "ci_high"]] = \
            (p, lo, hi)
    vd = _value_difference().assign(share_positive=0.9993)
    for lang in LANGS:
        md = _write(tmp_path / lang, lang, targets, png, target_table=table, comparisons=None,
                    value_difference=vd)[0].read_text("utf-8")

        def f(x: float, lang: str = lang) -> str:
            return _fmt(x, lang)

        lt, gt = "< " + f(0.01), "> " + f(0.99)
        rows = {line.split(" | ")[0][2:].rstrip(" \u2020"): line for line in md.splitlines()
                if line.startswith("| ")}
        label = {tid: i18n.target_label(targets.get(tid), lang) for tid in cases if tid != ALL}

        def w(p: float, lang: str = lang) -> str:  # the likelihood term after each cell
            return lk.describe(p, lang)

        def nb(x: str) -> str:  # the estimate and its interval do not break apart
            return x.replace(" ", "\u00a0")

        assert f"| {nb(f'{lt} ({f(0)}{DASH}{f(0.01)})')} {w(0.003)} |" in rows[label[ids[0]]]
        assert f"| {nb(f'{gt} ({f(0.99)}{DASH}{f(1)})')} {w(0.998)} |" in rows[label[ids[1]]]
        assert f"| {nb(f'{f(0)} ({f(0)}{DASH}{f(0)})')} {w(0.0)} |" in rows[label[ids[2]]]
        assert f"| {nb(f'{f(1)} ({f(1)}{DASH}{f(1)})')} {w(1.0)} |" in rows[label[ids[3]]]
        key = next(line for line in md.splitlines() if line.startswith("- ")
                   and SCENARIOS[0]["name_vi" if lang == "vi" else "name"] in line)
        assert f"{lt} ({f(0)}{DASH}{f(0.01)})" in key
        assert f"| {gt} |" in md  # share of runs with A higher, value-difference table
        assert f" {gt};" in md  # and its sentence


def test_one_value_sentence_per_pair_for_the_last_year(targets):
    from stmarket.experiments.reports.report import Heading, Paragraph, Table, build_blocks

    cols = list(_value_difference().columns)
    rows = [("plan_2257", "no_programme", 2025, 2000, 1.0, -1, 0, 0.5, 1, 2, 0.61),
            ("no_programme", "plan_2257", 2030, 2000, -9.0, -12, -5, -2.5, -1, 3, 0.12),
            ("plan_2257", "no_programme", 2030, 2000, 9.0, -3, 1, 2.5, 5, 12, 0.88),
            ("no_programme", "plan_2257", 2025, 2000, -1.0, -2, -1, -0.5, 0, 1, 0.39)]
    vd = pd.DataFrame(rows, columns=cols)
    for lang in LANGS:
        blocks = build_blocks(lang=lang, meta=_meta(), targets=targets,
                              target_table=_target_table(targets), value_difference=vd)
        start = next(i for i, b in enumerate(blocks)
                     if isinstance(b, Heading) and b.text == t("h.value_difference", lang))
        end = next(i for i, b in enumerate(blocks) if i > start and isinstance(b, Heading)
                   and b.level <= 2)
        section = blocks[start + 2:end]
        said = [b.text for b in section if isinstance(b, Paragraph)
                and b.text.startswith(t("vd.sentence", lang, year=2030, a="", share="",
                                        median="")[:6])]
        names = {s["id"]: s["name_vi" if lang == "vi" else "name"] for s in SCENARIOS}
        heads = [b.text for b in section if isinstance(b, Heading)]
        assert heads == [t("cmp.heading", lang, a=names["plan_2257"], b=names["no_programme"]),
                         t("cmp.heading", lang, a=names["no_programme"], b=names["plan_2257"])]
        tables = [b for b in section if isinstance(b, Table)]
        assert [len(tb.header) for tb in tables] == [6, 6]  # the pair is not a column
        assert [[row[0] for row in tb.rows] for tb in tables] == [["2025", "2030"]] * 2
        expected = [t("vd.sentence", lang, year=2030, a=names["plan_2257"],
                      share=_fmt(0.88, lang), median=_fmt(2.5, lang)),
                    t("vd.sentence", lang, year=2030, a=names["no_programme"],
                      share=_fmt(0.12, lang), median=f"{MINUS}{_fmt(2.5, lang)}")]
        assert said == expected, said  # one per pair, the last year only, in section order


def test_optional_sections_and_escaping(tmp_path, targets, png):
    scen = [dict(SCENARIOS[0]), {**SCENARIOS[1], "name": "Plan <b>&amp"}]
    md_path, html_path = _write(tmp_path, "en", targets, png, comparisons=None,
                                value_difference=None, figures={},
                                meta=_meta(scenarios=scen, commit=None, stopping=None))
    md, page = md_path.read_text("utf-8"), html_path.read_text("utf-8")
    assert t("h.comparisons", "en") not in md and t("h.value_difference", "en") not in md
    assert "<img" not in page and "| Commit | not recorded |" in md
    assert "Plan &lt;b&gt;&amp;amp" in page and "<b>" not in page
    assert r"Plan \<b>&amp" in md


def test_write_is_atomic(tmp_path, targets, png, monkeypatch):
    (tmp_path / "report.md").write_text("old md", encoding="utf-8")
    (tmp_path / "report.html").write_text("old html", encoding="utf-8")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        _write(tmp_path, "vi", targets, png)
    assert (tmp_path / "report.md").read_text("utf-8") == "old md"
    assert (tmp_path / "report.html").read_text("utf-8") == "old html"
    assert sorted(os.listdir(tmp_path)) == ["fan_charts.png", "report.html", "report.md"]
    monkeypatch.undo()
    _write(tmp_path, "vi", targets, png)
    assert (tmp_path / "report.md").read_text("utf-8").startswith("# Kế hoạch")


def test_missing_figure_writes_nothing(tmp_path, targets):
    with pytest.raises(FileNotFoundError):
        write_report(tmp_path, lang="en", meta=_meta(), targets=targets,
                     target_table=_target_table(targets), comparisons=None,
                     value_difference=None, figures={"fan_charts": tmp_path / "no.png"})
    assert os.listdir(tmp_path) == []


def test_bad_inputs(tmp_path, targets):
    with pytest.raises(ValueError, match="probability"):
        write_report(tmp_path, lang="en", meta=_meta(), targets=targets,
                     target_table=_target_table(targets).drop(columns="probability"),
                     comparisons=None, value_difference=None, figures={})
    with pytest.raises(ValueError, match="de"):
        write_report(tmp_path, lang="de", meta=_meta(), targets=targets,
                     target_table=_target_table(targets), comparisons=None,
                     value_difference=None, figures={})
    assert os.listdir(tmp_path) == []


# ---- fan chart --------------------------------------------------------------------------


def _probabilities(targets) -> pd.DataFrame:
    """A yearly probability of the intermediary target per scenario, rising to 2030."""
    rows = []
    for sc, top in (("no_programme", 0.04), ("plan_2257", 0.7)):
        for y in range(2021, 2031):
            p = top * (y - 2021) / 9
            rows.append((sc, "intermediary_2030", "intermediaries_connected", y, 500, p,
                         max(0.0, p - 0.04), min(1.0, p + 0.04)))
    return pd.DataFrame(rows, columns=["scenario", "target", "indicator", "year", "runs",
                                       "probability", "ci_low", "ci_high"])


def _drawn(fig):
    """Render a figure; its renderer."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


@pytest.mark.parametrize("lang", LANGS)
def test_fan_chart_panels_bands_and_targets(targets, lang):
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import to_hex

    from stmarket.experiments.reports.fanchart import PALETTE

    fignums = plt.get_fignums()
    fan = _fan(targets)
    fig = fan_chart(fan, targets, lang, probabilities=_probabilities(targets))
    assert plt.get_fignums() == fignums  # not registered with pyplot
    inds = target_indicators(targets)
    assert inds == ["value_nominal", "ip_share", "tech_share", "research_origin_share",
                    "intermediaries_connected", "digitised_share"]
    assert len(fig.axes) == len(inds)
    colours = {"no_programme": PALETTE[0], "plan_2257": PALETTE[1]}
    assert len(set(colours.values())) == 2
    for ax, ind in zip(fig.axes, inds, strict=True):
        assert ax.get_ylim()[0] == 0.0, ind  # value axes start at zero
        fills = [c for c in ax.collections if isinstance(c, PolyCollection)]
        assert len(fills) == 2  # one 50 % fill (or interval) per scenario
        assert fills[0].get_hatch() in (None, "") and fills[1].get_hatch()  # apart when
        # they overlap: the second scenario's fill is hatched
        for fill, sc in zip(fills, colours, strict=True):
            assert to_hex(fill.get_facecolor()[0][:3]) == to_hex(colours[sc]).lower()
        if ind == "intermediaries_connected":
            assert ax.get_title() == t("chart.prob_title", lang,
                                       name=t(f"ind.{ind}", lang),
                                       crit=i18n.criterion(">=", 1, ind, "level", lang))
            lines = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
            np.testing.assert_allclose(lines[1].get_ydata(),
                                       0.7 * np.arange(10) / 9)  # the probability, by year
            assert max(ax.get_yticks()) == 1.0
            continue
        assert ax.get_title() == t(f"ind.{ind}", lang)
        dashed = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
        assert len(dashed) == 2 * 2  # the 90 % band: two dashed edges per scenario
        assert max(ax.get_yticks()) <= ax.get_ylim()[1]
    # the legend draws each scenario with its own colour and fill, as the chart does
    leg = fig.legends[0]
    labels = [x.get_text() for x in leg.get_texts()]
    assert labels[:2] == [s["name"] if lang == "en" else s["name_vi"] for s in SCENARIOS] \
        or labels[:2] == ["no_programme", "plan_2257"]
    assert t("legend.target", lang) in labels and t("legend.prob", lang) in labels
    assert leg.get_title().get_text() == t("legend.key", lang)
    for handle, sc in zip(leg.legend_handles[:2], colours, strict=True):
        parts = handle if isinstance(handle, tuple) else (handle,)
        assert to_hex(parts[0].get_color()) == to_hex(colours[sc]).lower()
    # growth targets: a dotted path per scenario from the median in the base year
    ax = fig.axes[0]
    dotted = [ln for ln in ax.get_lines() if ln.get_linestyle() == ":"]
    assert len(dotted) == 2 * 2
    med = fan.set_index(["scenario", "indicator", "year"])["q50"]
    first = dotted[0]
    base = med[("no_programme", "value_nominal", 2021)]
    np.testing.assert_allclose(first.get_xdata(), np.arange(2021, 2026))
    np.testing.assert_allclose(first.get_ydata(), base * 1.05 ** np.arange(5))
    # level targets: a segment at (year, threshold)
    ip = fig.axes[1]
    segs = {(float(np.mean(ln.get_xdata())), float(ln.get_ydata()[0]))
            for ln in ip.get_lines() if len(ln.get_xdata()) == 2}
    assert {(2025.0, 0.05), (2030.0, 0.10)} <= segs


@pytest.mark.parametrize("lang", LANGS)
def test_target_labels_overlap_nothing_and_stay_inside(targets, lang):
    from stmarket.experiments.reports.fanchart import target_label_texts

    fig = fan_chart(_fan(targets), targets, lang, probabilities=_probabilities(targets))
    renderer = _drawn(fig)
    labels = target_label_texts(fig)
    assert len(labels) == len(targets.targets)
    for ax in fig.axes:
        box = ax.get_window_extent(renderer)
        own = [x.get_window_extent(renderer) for x in ax.texts
               if getattr(x, "_stmarket_target", False)]
        # the top of everything drawn in data coordinates, in pixels
        tops = [ax.transData.transform((0, y))[1] for ln in ax.get_lines()
                for y in np.asarray(ln.get_ydata(), float) if np.isfinite(y)]
        tops += [ax.transData.transform(c.get_paths()[0].vertices).max(axis=0)[1]
                 for c in ax.collections]
        for k, bb in enumerate(own):
            assert box.x0 <= bb.x0 and bb.x1 <= box.x1, (ax.get_title(), bb)  # inside
            assert box.y0 <= bb.y0 and bb.y1 <= box.y1, (ax.get_title(), bb)
            assert bb.y0 >= max(tops) - 0.5, ax.get_title()  # above every line and band
            assert not any(bb.overlaps(o) for o in own[k + 1:]), ax.get_title()
        for other in (ax.title, ax.yaxis.label):
            ob = other.get_window_extent(renderer)
            assert not any(bb.overlaps(ob) for bb in own), ax.get_title()


def test_history_before_the_start_year_is_marked(targets):
    from matplotlib.colors import to_hex
    from matplotlib.patches import Rectangle

    from stmarket.experiments.reports.fanchart import PAST_COLOR, target_label_texts

    fig = fan_chart(_fan(targets), targets, "en", history_until=2026)
    ip = fig.axes[1]
    spans = [p for p in ip.patches if isinstance(p, Rectangle)]
    assert len(spans) == 1  # the shaded years before 2026
    assert spans[0].get_x() == pytest.approx(2020.5)
    assert spans[0].get_x() + spans[0].get_width() == pytest.approx(2025.5)
    marks = {float(np.mean(ln.get_xdata())): to_hex(ln.get_color())
             for ln in ip.get_lines() if len(ln.get_xdata()) == 2}
    assert marks[2025.0] == to_hex(PAST_COLOR) and marks[2030.0] == to_hex("k")
    colours = {x.get_text(): to_hex(x.get_color()) for x in target_label_texts(fig)
               if x.axes is ip}
    assert colours["2025: > 5 %"] == to_hex(PAST_COLOR) and colours["2030: > 10 %"] == "#000000"
    labels = [x.get_text() for x in fig.legends[0].get_texts()]
    assert t("legend.history", "en", year=2026) in labels
    plain = fan_chart(_fan(targets), targets, "en")  # without a start year: no history
    assert t("legend.history", "en", year=2026) not in [
        x.get_text() for x in plain.legends[0].get_texts()]


def test_single_run_figure_colours_and_plain_names(targets, profile):
    from matplotlib.colors import to_hex

    from stmarket.experiments.assessment.single import run_scenarios
    from stmarket.experiments.reports.fanchart import PALETTE
    from stmarket.experiments.reports.plots import single_run_figure
    from stmarket.model import load_scenario

    runs = run_scenarios(profile, [load_scenario("no_programme"), load_scenario("plan_2257")],
                         targets, seed=1)
    for lang in LANGS:
        fig = single_run_figure(runs, targets, lang=lang)
        inds = target_indicators(targets)
        assert [ax.get_title() for ax in fig.axes] == [i18n.indicator_name(i, lang)
                                                        for i in inds]
        for ax in fig.axes:
            assert ax.get_ylim()[0] == 0.0
            data = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
            assert [to_hex(ln.get_color()) for ln in data] == [p.lower() for p in PALETTE[:2]]
        labels = [x.get_text() for x in fig.legends[0].get_texts()]
        names = [r.scenario.name_vi if lang == "vi" else r.scenario.name for r in runs]
        assert labels[:2] == names
        raw = {"value_nominal", "ip_share", "intermediaries_connected", "plan_2257"}
        texts = [x.get_text() for ax in fig.axes for x in ax.texts] + labels
        assert not any(r in x for x in texts for r in raw)


def test_count_indicators_have_whole_number_ticks(targets):
    from stmarket.model.indicators import INDICATORS

    for ind in ("count", "intermediaries_connected", "intermediaries_active", "count_ip"):
        assert i18n.is_count(ind), ind
    for ind in ("value_growth", "value_growth_mean", "tech_level_mean", "budget",
                "research_origin_share_domestic", "ip_share", "value_nominal"):
        assert not i18n.is_count(ind), ind
    for ind in INDICATORS:  # every indicator has a unit with a label
        assert i18n.has(f"unit.{i18n.indicator_unit(ind)}"), ind
    inds = target_indicators(targets)
    for lang in LANGS:
        fig = fan_chart(_fan(targets), targets, lang)
        ax = fig.axes[inds.index("intermediaries_connected")]
        lo, hi = ax.get_ylim()
        ticks = [v for v in ax.get_yticks() if lo <= v <= hi]
        assert len(ticks) >= 2 and all(float(v).is_integer() for v in ticks), ticks
        labels = [ax.yaxis.get_major_formatter()(v, 0) for v in ticks]
        assert labels == [i18n.integer(int(v), lang) for v in ticks]
        share = fig.axes[inds.index("ip_share")]  # shares keep their fractional ticks
        assert not all(float(v).is_integer() for v in share.get_yticks())


def test_fan_chart_rejects_missing_indicator(targets):
    fan = _fan(targets)
    with pytest.raises(ValueError, match="digitised_share"):
        fan_chart(fan[fan.indicator != "digitised_share"], targets)


# ---- in a browser: the tables fit 1280 px and an A4 page ------------------------------


def _screenshots_module():
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "docs" / "screenshots.py"
    spec = importlib.util.spec_from_file_location("stmarket_docs_screenshots", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_table_fits_a_1280_px_screen_and_an_a4_page(tmp_path, targets, png):
    """Both languages, four scenarios (the widest target table the default job can make
    with the tour's commands), in headless Chromium (skipped without it, outside CI)."""
    shots = _screenshots_module()
    missing = []
    if not Path(shots.CHROMIUM).exists():
        missing.append(f"Chromium ({shots.CHROMIUM})")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright")
    if missing:
        msg = "needs " + " and ".join(missing) + "; run .ci/browser-setup.sh"
        if os.environ.get("CI"):
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    extra = [{"id": f"plan_from_202{k}", "name": f"Plan 2257 started in 202{k} (later start)",
              "name_vi": f"Kế hoạch 2257 bắt đầu từ năm 202{k} (khởi động muộn)"}
             for k in (7, 8)]
    table = _target_table(targets)
    wide = pd.concat([table, *(table[table.scenario == "plan_2257"].assign(scenario=s["id"])
                               for s in extra)], ignore_index=True)
    vd = pd.concat([_value_difference().assign(year=y) for y in range(2021, 2031)],
                   ignore_index=True)
    pages = {}
    for lang in LANGS:
        _, page = _write(tmp_path / lang, lang, targets, png, target_table=wide,
                         value_difference=vd, meta=_meta(scenarios=[*SCENARIOS, *extra]))
        pages[lang] = page.as_uri()
    assert shots.shoot(pages, None) == []
