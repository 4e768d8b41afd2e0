"""A live dashboard for policy advisors: ``stmarket dashboard``.

Six sliders set the yearly budget and start year of the plan's task groups. Every
change runs a Monte Carlo of a few hundred runs of those settings and of the starting
scenario on the same runs (common random numbers, the same seed each time), so the
difference between them is paired run by run, and shows the probability of each target
with its 95 % interval, the paired difference, the fan charts, and one run's network of
buyers and sellers. English and Vietnamese.

This module is the page: the tables and figures of a refresh as HTML, and the Solara
page, built on first use (``stmarket.experiments.dashboard.app.Page``), so importing this
module does not import Solara. The logic beneath it is plain Python, tested without a
browser: the sliders' settings and scenario in :mod:`~stmarket.experiments.dashboard.settings`,
the Monte Carlo in :mod:`~stmarket.experiments.dashboard.refresh`, the figures in
:mod:`~stmarket.experiments.dashboard.plots`.

>>> from stmarket.experiments.dashboard.refresh import refresh   # doctest: +SKIP
>>> from stmarket.experiments.dashboard.settings import initial_settings  # doctest: +SKIP
>>> r = refresh(initial_settings("bac_kan", "plan_2257"))        # doctest: +SKIP
>>> table_html(r, "vi")        # the target table, in Vietnamese  # doctest: +SKIP
"""

from __future__ import annotations

import html
import json
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import pandas as pd

from stmarket.experiments.dashboard import i18n as di
from stmarket.experiments.dashboard.answer import attribution_html, readings_html, target_name
from stmarket.experiments.dashboard.plots import fan_svg, network_svg
from stmarket.experiments.dashboard.refresh import PREVIEW_RUNS, Refresh, attribution, refresh
from stmarket.experiments.dashboard.settings import (
    DEFAULT_PROFILE,
    DEFAULT_RAMP,
    DEFAULT_RUNS,
    DEFAULT_SCENARIO,
    DEFAULT_SEED,
    Settings,
    bundled,
    get_profile,
    get_scenario,
    initial_settings,
    instrument_titles,
    instruments_of,
    restart,
    scenario_from_settings,
    scenario_name,
)
from stmarket.experiments.reports import i18n
from stmarket.model import kernels as K

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
#: Slider range of a task group's budget, bn VND a year (the plan assumes 0.2-0.9 each).
LEVEL_MAX = 3.0
LEVEL_STEP = 0.05
#: Quiet time after a slider move before the Monte Carlo starts (seconds): none. The
#: preview starts as soon as the value arrives; a newer value makes the work stale, and
#: stale work stops within a block of runs (docs/DASHBOARD.md, "How long an update takes").
DEBOUNCE_S = 0.0
ENV_DEFAULTS = "STMARKET_DASHBOARD"

_PLOT_LOCK = threading.Lock()      # one drawing of the network at a time


# ---- tables ----------------------------------------------------------------------------


def table_html(r: Refresh, lang: str) -> str:
    """The target table as HTML, with stable classes and ``data-`` attributes (the
    probabilities unformatted) for tests and scripts."""
    tab = r.table()
    by_id = {tg.id: tg for tg in r.result.targets.targets}
    e = html.escape
    head = [i18n.t("col.target", lang), i18n.t("col.criterion", lang),
            di.t("col.base", lang, name=scenario_name(r.base, lang)), di.t("col.custom", lang),
            di.t("col.difference", lang)]
    rows = []
    for row in tab.itertuples():
        tg = by_id.get(row.target)
        crit = i18n.target_criterion(tg, lang) if tg else i18n.t("missing", lang)
        tip = ((tg.definition_vi or tg.definition) if lang == "vi" else tg.definition) \
            if tg else ""
        clear = row.low_difference > 0 or row.high_difference < 0
        diff = i18n.signed_interval(row.difference, row.low_difference, row.high_difference,
                                    lang)
        p_base = i18n.prob_interval(row.p_base, row.low_base, row.high_base, lang)
        p_custom = i18n.prob_interval(row.p_custom, row.low_custom, row.high_custom, lang)
        rows.append(
            f'<tr data-target="{e(row.target)}" data-p-base="{row.p_base:.6f}" '
            f'data-p-custom="{row.p_custom:.6f}" data-difference="{row.difference:.6f}">'
            f'<td class="stm-target" title="{e(tip)}">{e(target_name(r, row.target, lang))}'
            f'{" †" if tg and tg.interpretation else ""}</td><td class="stm-crit">{e(crit)}</td>'
            f'<td class="stm-p-base">{e(p_base)}</td>'
            f'<td class="stm-p-custom">{e(p_custom)}</td>'
            f'<td class="stm-diff{" stm-clear" if clear else ""}">'
            f'{"<b>" if clear else ""}{e(diff)}{"</b>" if clear else ""}</td></tr>')
    ths = "".join(f"<th>{e(h)}</th>" for h in head)
    note = di.t("runs_note", lang, runs=i18n.integer(r.result.n_runs, lang),
                seed=r.settings.seed, seconds=i18n.number(r.seconds, lang, 2))
    return (f'<table class="stm-table" data-serial="{r.serial}" data-lang="{lang}" '
            f'{_shows(r)} data-seconds="{r.seconds:.4f}">'
            f"<thead><tr>{ths}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f'<p class="stm-note">{e(note)}</p>')


def trade_summary(tx: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Transactions of one run by kind of good and channel: counts, and value (bn VND)."""
    kinds = [k for k in K.KIND_NAMES]
    chans = list(K.CHANNEL_NAMES)
    counts = (tx.groupby(["kind", "channel"], observed=False).size()
              .unstack("channel").reindex(index=kinds, columns=chans, fill_value=0))
    counts.columns = [di.t(f"channel.{c}", lang) for c in chans]
    counts[di.t("col.deals", lang)] = counts.sum(axis=1)
    counts[di.t("col.value_bn", lang)] = (tx.groupby("kind", observed=False)["value"].sum()
                                          .reindex(kinds, fill_value=0.0).to_numpy())
    counts.index = [di.t(f"kind.{k}", lang) for k in kinds]
    counts.index.name = di.t("col.kind", lang)
    return counts


def trade_summary_html(tx: pd.DataFrame, lang: str) -> str:
    """:func:`trade_summary` as an HTML table in ``lang``'s number format."""
    s = trade_summary(tx, lang)
    e = html.escape
    head = "".join(f"<th>{e(str(h))}</th>" for h in [s.index.name, *s.columns])
    body = []
    for name, row in s.iterrows():
        cells = [i18n.integer(int(v), lang) for v in row.iloc[:-1]]
        cells.append(i18n.number(float(row.iloc[-1]), lang, 2))
        body.append(f"<tr><td>{e(str(name))}</td>" + "".join(f"<td>{c}</td>" for c in cells)
                    + "</tr>")
    return f'<table class="stm-trades"><thead><tr>{head}</tr></thead>' \
           f"<tbody>{''.join(body)}</tbody></table>"


# ---- figures as HTML (drawn by stmarket.experiments.dashboard.plots) ------------------------


def _shows(r: Refresh) -> str:
    """``data-`` attributes of the refresh a figure shows (its settings and runs)."""
    return (f'data-settings="{html.escape(r.settings.describe())}" '
            f'data-runs="{r.result.n_runs}"')


@dataclass(frozen=True)
class Figures:
    """What the page shows below the target table for one refresh in one language,
    rendered after the table (:func:`render_figures`): the fan charts, the readings, and
    the single run's sentence, network and trade table."""

    serial: int
    lang: str
    fan: str
    network: str
    trades: str
    readings: str = ""
    note: str = ""


def fan_html(r: Refresh, lang: str) -> str:
    """The fan charts as SVG panels (:func:`~stmarket.experiments.dashboard.plots.fan_svg`)
    in a ``div`` with the refresh it shows."""
    return (f'<div class="stm-fan-img" data-serial="{r.serial}" data-lang="{lang}" '
            f'{_shows(r)}>{fan_svg(r, lang)}</div>')


_NETWORKS: OrderedDict = OrderedDict()   # (settings, profile, lang) -> (SVG, trade table)


def _network(r: Refresh, lang: str) -> tuple[str, str]:
    """The network figure and trade table of the single run, drawn once per settings and
    language: the run does not depend on the number of Monte Carlo runs, so the full
    refresh after a preview does not redraw it."""
    p = r.profile
    key = (r.settings, p.id, str(p.path), p.EI0.shape, p.RI0.shape, lang)
    with _PLOT_LOCK:
        if key not in _NETWORKS:
            tx = r.run.transactions()
            _NETWORKS[key] = (network_svg(tx, r.profile, lang), trade_summary_html(tx, lang))
            while len(_NETWORKS) > 16:
                _NETWORKS.popitem(last=False)
        _NETWORKS.move_to_end(key)
        return _NETWORKS[key]


def render_figures(r: Refresh, lang: str) -> Figures:
    """The fan charts and the network of one run (SVG, written in milliseconds: no
    matplotlib on a slider change), the readings, and the run's sentence and trade
    table, as HTML. The dashboard draws them in a thread of their own once the target
    table is on the page, so that the table does not wait for them."""
    net, trades = _network(r, lang)
    return Figures(r.serial, lang, fan_html(r, lang),
                   f'<div class="stm-network-img" data-serial="{r.serial}" '
                   f'data-lang="{lang}" {_shows(r)}>{net}</div>', trades,
                   readings_html(r, lang),
                   f"<p>{html.escape(single_run_note(r, lang))}</p>")


_FIGURES: OrderedDict = OrderedDict()   # (serial, lang) -> Figures
_FIGURES_LOCK = threading.Lock()


def figures_of(r: Refresh, lang: str) -> Figures:
    """:func:`render_figures`, once per refresh and language: a second caller waits for the
    first's drawing and gets it. The Monte Carlo thread calls it after the preview's table,
    before the rest of the runs, so that the charts are not drawn while the cores are busy
    with those runs; the drawing thread then finds them ready."""
    key = (r.serial, lang)
    with _FIGURES_LOCK:
        if key not in _FIGURES:
            _FIGURES[key] = render_figures(r, lang)
            while len(_FIGURES) > 16:
                _FIGURES.popitem(last=False)
        return _FIGURES[key]


def single_run_note(r: Refresh, lang: str) -> str:
    """One sentence on the single run: transactions, buyers and sellers."""
    tx = r.run.transactions()
    n_sellers = tx.groupby(["seller_type", "seller"], observed=True).ngroups
    p = r.profile
    return di.t("single_note", lang, seed=r.settings.seed, n=i18n.integer(len(tx), lang),
                buyers=i18n.integer(tx["buyer"].nunique(), lang),
                all_buyers=i18n.integer(p.n_buyers, lang),
                sellers=i18n.integer(n_sellers, lang), y0=p.start_year, y1=p.end_year)


# ---- the page ----------------------------------------------------------------------------


def profile_name(profile, lang: str) -> str:
    """A province profile's name in ``lang`` (its English name if it has no Vietnamese)."""
    return (profile.name_vi if lang == "vi" and profile.name_vi else profile.name) or profile.id


def names_of(ids: list[str], kind: str, lang: str) -> list[dict]:
    """Menu items ``{"text": name, "value": id}`` of bundled ``"profiles"`` or
    ``"policies"`` (or files) in ``lang``; an item that does not load shows its id."""
    out = []
    for x in ids:
        try:
            name = (profile_name(get_profile(x), lang) if kind == "profiles"
                    else scenario_name(get_scenario(x), lang))
        except Exception:  # noqa: BLE001 - a broken file is shown by its id, not hidden
            name = x
        out.append({"text": name, "value": x})
    return out


def app_defaults() -> dict:
    """The dashboard's starting point: from ``run_cli`` (environment variable
    :data:`ENV_DEFAULTS`, JSON) or the defaults."""
    d = {"profile": DEFAULT_PROFILE, "scenario": DEFAULT_SCENARIO, "runs": DEFAULT_RUNS,
         "seed": DEFAULT_SEED, "lang": "en", "workers": None, "targets": None,
         "thresholds": []}
    d.update(json.loads(os.environ.get(ENV_DEFAULTS, "{}") or "{}"))
    return d


_CSS = """
.stm-table, .stm-trades, .stm-readings, .stm-attribution {
  border-collapse: collapse; font-size: 0.85rem; width: 100%; }
.stm-table th, .stm-table td, .stm-trades th, .stm-trades td, .stm-readings th,
.stm-readings td, .stm-attribution th, .stm-attribution td {
  border-bottom: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }
.stm-table td.stm-p-base, .stm-table td.stm-p-custom, .stm-table td.stm-diff,
.stm-table td.stm-crit,
.stm-trades td { white-space: nowrap; }
.stm-note { font-size: 0.8rem; color: #555; margin-top: 4px; }
.stm-readings td:nth-child(n+2), .stm-nowrap { white-space: nowrap; }
.stm-reading-target td { padding-top: 8px; }
.stm-preview { font-size: 0.85rem; color: #8a4b00; margin: 2px 0; }
.stm-lever { margin-bottom: 6px; }
.stm-lever-title { font-weight: 600; font-size: 0.9rem; }
.stm-panels { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr));
  gap: 6px 14px; }
.stm-panel { margin: 0; }
.stm-panel figcaption { font-size: 0.85rem; line-height: 1.25; min-height: 2.5em; }
.stm-unit { color: #555; font-weight: normal; }
.stm-panel-note { font-size: 0.75rem; color: #555; margin-top: -2px; }
.stm-legend { display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 0.85rem;
  margin: 4px 0 8px; align-items: center; }
.stm-key svg { vertical-align: middle; }
"""


def _build_page():
    """The Solara page (imports Solara). Each browser session has its own state."""
    import solara
    import solara.lab

    defaults = app_defaults()
    workers = defaults["workers"]
    lang = solara.reactive(defaults["lang"])
    settings = solara.reactive(initial_settings(
        defaults["profile"], defaults["scenario"], int(defaults["runs"]), int(defaults["seed"]),
        defaults.get("targets"), tuple(tuple(m) for m in defaults.get("thresholds") or ())))
    profiles = list(dict.fromkeys([*bundled("profiles"), defaults["profile"]]))
    policies = list(dict.fromkeys([*bundled("policies"), defaults["scenario"]]))

    # the last finished refresh, figures and attribution of this session (a task's own
    # ``latest`` is lost when a superseded call ends)
    shown = solara.reactive(None)
    figures = solara.reactive(None)
    attributed = solara.reactive(None)

    @solara.lab.task(prefer_threaded=True)
    def compute(s: Settings) -> Refresh | None:
        # no debounce: a newer slider value makes this call stale, and a stale call stops
        # before its next block of runs (refresh's ``current``)
        if DEBOUNCE_S:
            time.sleep(DEBOUNCE_S)
        current = compute.is_current
        if s.runs > PREVIEW_RUNS:  # the first runs at once, then the rest
            r = refresh(s, workers=workers, runs=PREVIEW_RUNS, current=current)
            if r is None or not current():
                return None
            shown.set(r)
            # the preview's charts on the page before the rest of the runs take the cores
            lang_ = lang.value
            f = figures_of(r, lang_)
            if not current():
                return None
            if lang.value == lang_:
                figures.set(f)
        r = refresh(s, workers=workers, current=current)
        if r is not None and current():
            shown.set(r)
        return r

    @solara.lab.task(prefer_threaded=True)
    def draw(r: Refresh, lang_: str) -> Figures:
        f = figures_of(r, lang_)
        if draw.is_current():
            figures.set(f)
        return f

    @solara.lab.task(prefer_threaded=True)
    def attribute(r: Refresh):
        figures_of(r, lang.value)  # the charts of all the runs first
        # stops within a block of runs once the sliders have moved on
        a = attribution(r, workers=workers,
                        current=lambda: attribute.is_current() and settings.value == r.settings)
        if a is not None and attribute.is_current():
            attributed.set((r.serial, a))
        return a

    memo: dict = {}

    def cached(kind: str, r: Refresh, lang_: str, make) -> str:
        # the HTML of a refresh in a language is built once (the page re-renders on every
        # change of state: progress, figures, attribution)
        key = (kind, r.serial, lang_)
        if key not in memo:
            if len(memo) > 64:
                memo.clear()
            memo[key] = make()
        return memo[key]

    def html_block(content: str, cls: str, **attrs) -> None:
        data = {f"data-{k}": str(v) for k, v in attrs.items()}
        solara.HTML("div", unsafe_innerHTML=content, classes=[cls], attributes=data)

    @solara.component
    def NamedSelect(label: str, items: list[dict], value: str, on_value, cls: str):
        # a menu of names that sets ids (solara.Select shows its values as they are)
        by_name = {i["text"]: i["value"] for i in items}
        name = next((i["text"] for i in items if i["value"] == value), value)
        solara.Select(label, values=list(by_name), value=name,
                      on_value=lambda n: on_value(by_name.get(n, n)), classes=[cls])

    @solara.component
    def Lever(g: str, s: Settings, lang_: str):
        k = instruments_of(s).index(g)
        prof = get_profile(s.profile)
        title = instrument_titles(s, lang_)[g]
        with solara.Div(classes=["stm-lever", f"stm-lever-{g}"]):
            html_block(html.escape(di.t("lever", lang_, n=k + 1, title=title)),
                       "stm-lever-title")
            with solara.Div(classes=["stm-level"]):
                solara.SliderFloat(
                    f"{di.t('level', lang_)}: {i18n.number(s.levels[k], lang_, 2)}",
                    value=s.levels[k], min=0.0,
                    max=max(LEVEL_MAX, s.levels[k]), step=LEVEL_STEP,
                    on_value=lambda v: settings.set(settings.value.with_lever(g, level=v)))
            with solara.Div(classes=["stm-start"]):
                solara.SliderInt(
                    f"{di.t('start', lang_)}: {s.starts[k]}", value=s.starts[k],
                    min=prof.start_year, max=prof.end_year,
                    on_value=lambda v: settings.set(settings.value.with_lever(g, start=v)))

    @solara.component
    def Controls(s: Settings, lang_: str):
        prof = get_profile(s.profile)
        base = get_scenario(s.base)
        with solara.Div(classes=["stm-lang"]):
            with solara.ToggleButtonsSingle(value=lang):
                solara.Button("English", value="en", classes=["stm-lang-en"])
                solara.Button("Tiếng Việt", value="vi", classes=["stm-lang-vi"])
        NamedSelect(di.t("profile", lang_), names_of(profiles, "profiles", lang_), s.profile,
                    lambda p: settings.set(restart(s, profile=p)),
                    "stm-profile")
        NamedSelect(di.t("base", lang_), names_of(policies, "policies", lang_), s.base,
                    lambda b: settings.set(restart(s, base=b)),
                    "stm-base")
        solara.Button(di.t("reset", lang_), classes=["stm-reset"], outlined=True,
                      on_click=lambda: settings.set(restart(s)))
        html_block(f"<h4>{html.escape(di.t('levers', lang_))}</h4>", "stm-levers-head")
        for g in instruments_of(s):
            Lever(g, s, lang_)
        years = prof.years
        total = scenario_from_settings(s, base).total_budget(years)
        html_block(html.escape(di.t("total", lang_, y0=prof.start_year, y1=prof.end_year,
                                    custom=i18n.number(total, lang_, 1),
                                    base=i18n.number(base.total_budget(years), lang_, 1))),
                   "stm-total")
        html_block(html.escape(di.t("levers_note", lang_, ramp=DEFAULT_RAMP)), "stm-note")

    @solara.component
    def Results(lang_: str):
        r, f = shown.value, figures.value
        busy = bool(compute.pending or draw.pending)
        solara.ProgressLinear(busy)
        status = "updating" if busy else ("waiting" if r is None else "")
        html_block(html.escape(di.t(status, lang_)) if status else "", "stm-status",
                   state="updating" if busy else "ready", serial=r.serial if r else 0)
        if compute.error:
            solara.Error(di.t("error", lang_, error=str(compute.exception)))
        if draw.error:
            solara.Error(di.t("error", lang_, error=str(draw.exception)))
        if r is None:
            return
        e = html.escape
        note = di.t("preview", lang_, runs=r.result.n_runs, all_runs=r.settings.runs)
        preview = f'<p class="stm-preview">{e(note)}</p>' if r.preview else ""
        html_block(f"<h3>{e(i18n.t('h.targets', lang_))}</h3>" + preview
                   + cached("table", r, lang_, lambda: table_html(r, lang_)), "stm-targets")
        html_block(f"<h3>{e(i18n.t('h.figures', lang_))}</h3>"
                   + (f.fan if f else ""), "stm-fan")
        html_block(f"<h3>{e(di.t('h.readings', lang_))}</h3>" + (f.readings if f else ""),
                   "stm-readings-block")
        a = attributed.value
        body = (cached("attribution", r, lang_, lambda: attribution_html(r, a[1], lang_))
                if a is not None and a[0] == r.serial
                else f'<p class="stm-status">{e(di.t("attr.computing", lang_))}</p>')
        html_block(f"<h3>{e(di.t('h.attribution', lang_))}</h3>" + body,
                   "stm-attribution-block")
        html_block(f"<h3>{e(di.t('single', lang_))}</h3>"
                   + (f.note + f.network + f.trades if f else ""), "stm-network")

    @solara.component
    def Page():
        s, lang_ = settings.value, lang.value
        prof = get_profile(s.profile)
        solara.use_effect(lambda: (compute(s), None)[1], [s])
        r = shown.value
        serial = r.serial if r is not None else 0
        solara.use_effect(lambda: (draw(r, lang_) if r is not None else None, None)[1],
                          [serial, lang_])
        # what each task group does: after the full runs (not the preview)
        solara.use_effect(lambda: (attribute(r) if r is not None and not r.preview
                                   else None, None)[1], [serial])
        solara.Title("stmarket")
        solara.Style(_CSS)
        province = profile_name(prof, lang_)
        if lang_ == "vi" and province.startswith("Tỉnh "):  # mid-sentence: "tỉnh Bắc Kạn"
            province = "t" + province[1:]
        title = di.t("title", lang_, province=province)
        intro = di.t("intro", lang_, runs=i18n.integer(s.runs, lang_))
        with solara.Column(classes=["stm-page"], style={"padding": "12px"}):
            html_block(f"<h2>{html.escape(title)}</h2><p>{html.escape(intro)}</p>",
                       "stm-header", lang=lang_)
            with solara.Columns([4, 8]):
                with solara.Column(classes=["stm-controls"]):
                    Controls(s, lang_)
                with solara.Column(classes=["stm-results"]):
                    Results(lang_)

    return Page


def __getattr__(name: str):
    # Solara looks up ``Page`` when it loads the app: build it (and import Solara) then.
    if name == "Page":
        page = globals().get("_page")
        if page is None:
            page = globals()["_page"] = _build_page()
        return page
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
