"""Figures of the dashboard (plotting only): the fan charts of a
:class:`~stmarket.experiments.dashboard.refresh.Refresh` as SVG, one run's network of
buyers and sellers, and a figure as PNG bytes. matplotlib is imported when the network is
drawn.

The fan charts are written as SVG directly (:func:`fan_svg`), not with matplotlib: a
slider change redraws them, and matplotlib's layout and text took about 0.7 s of CPU for
the six panels, the SVG takes a few milliseconds and the browser draws it. They follow
the report's chart (:mod:`stmarket.experiments.reports.fanchart`): one colour per scenario
(Okabe-Ito), each scenario's middle 50 % of runs a light fill (hatched for your
settings, so that overlapping bands stay apart) and its 90 % an outline, value axes from
zero, the target labels in a strip above the data, and a target on a count (one
intermediary connected) drawn as the probability of meeting it in each year.

The page (:mod:`stmarket.experiments.dashboard.app`) imports this module; this module
never imports the page.
"""

from __future__ import annotations

import html
import io
import math

import numpy as np
import pandas as pd

from stmarket.experiments.dashboard import i18n as di
from stmarket.experiments.dashboard.refresh import Refresh
from stmarket.experiments.dashboard.settings import CUSTOM_ID, scenario_name
from stmarket.experiments.reports import i18n
from stmarket.model import kernels as K
from stmarket.model.profile import Profile

#: Colour of each kind of good in the network figure.
KIND_COLORS = {"technology": "#1f77b4", "ip": "#d62728", "research_result": "#2ca02c",
               "service": "#ff7f0e"}


#: Okabe & Ito (2008) colours of the starting scenario and of your settings.
SCENARIO_COLORS = ("#0072B2", "#D55E00")
BAND50_OPACITY = 0.22
#: Share of each panel's height kept free of data at the top for the target labels.
HEADROOM = 0.24
_W, _H = 380, 215                        # a panel's viewBox
_L, _R, _T, _B = 50, 12, 8, 24           # its margins


def fan_figure(r: Refresh, lang: str):
    """Fan charts of both scenarios against the targets with matplotlib
    (:func:`stmarket.experiments.reports.fanchart.fan_chart`): the report's figure, for
    saving; the page shows :func:`fan_svg`."""
    from stmarket.experiments.reports.fanchart import fan_chart, target_indicators

    fan = r.result.fan(tuple(target_indicators(r.result.targets)))
    names = {r.base.id: scenario_name(r.base, lang), CUSTOM_ID: di.t("custom", lang)}
    return fan_chart(fan, r.result.targets, lang=lang, scenario_names=names)


def _tick_text(v: float, indicator: str, lang: str) -> str:
    unit = i18n.indicator_unit(indicator)
    if unit in ("share", "rate"):
        return i18n.percent(v, lang)
    if unit == "count" or abs(v) >= 1000:
        return i18n.integer(round(v), lang)
    return i18n.plain(round(v, 6), lang)


def value_ticks(top: float, integer: bool) -> np.ndarray:
    """Three to six round ticks from zero up to ``top`` (whole numbers if ``integer``)."""
    top = top if top > 0 and math.isfinite(top) else 1.0
    mag = 10.0 ** math.floor(math.log10(top / 4.0))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10, 20) if top / (m * mag) <= 5)
    if integer:
        step = max(1.0, float(round(step)))
    return np.arange(0.0, top * (1 + 1e-9) + step * 1e-9, step)


def _path(x: np.ndarray, y: np.ndarray) -> str:
    """An SVG path through the finite points, broken where a value is missing."""
    out, pen = [], "M"
    for a, b in zip(x, y, strict=True):
        if math.isfinite(a) and math.isfinite(b):
            out.append(f"{pen}{a:.1f},{b:.1f}")
            pen = "L"
        else:
            pen = "M"
    return "".join(out)


def _band(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> str:
    ok = np.isfinite(lo) & np.isfinite(hi)
    if ok.sum() < 2:
        return ""
    xs, l_, h_ = x[ok], lo[ok], hi[ok]
    pts = [f"{a:.1f},{b:.1f}" for a, b in zip(xs, h_, strict=True)]
    pts += [f"{a:.1f},{b:.1f}" for a, b in zip(xs[::-1], l_[::-1], strict=True)]
    return "M" + "L".join(pts) + "Z"


def _probability_target(tgs) -> object | None:
    """The level target on a count drawn as a yearly probability (one intermediary)."""
    return next((tg for tg in tgs if tg.kind == "level" and i18n.is_count(tg.indicator)),
                None)


def _series(r: Refresh, fan: pd.DataFrame, ind: str, ptg) -> list[dict]:
    """Per scenario: colour and the quantiles (or, for a probability panel, the yearly
    probability of meeting ``ptg`` with its Wilson interval as q25-q75)."""
    from stmarket.experiments.assessment.stats import wilson

    out = []
    for k, sc in enumerate((r.base.id, CUSTOM_ID)):
        c = SCENARIO_COLORS[k % len(SCENARIO_COLORS)]
        if ptg is not None:
            x = r.result.indicators(sc)[ind]
            met = x > ptg.threshold if ptg.op == ">" else x >= ptg.threshold
            p, lo, hi = (np.asarray(v, float) for v in wilson(met.sum(axis=0), met.shape[0]))
            out.append({"k": k, "color": c, "year": r.profile.years.astype(float),
                        "q50": met.mean(axis=0), "q25": lo, "q75": hi})
            continue
        d = fan[(fan["scenario"] == sc) & (fan["indicator"] == ind)].sort_values("year")
        out.append({"k": k, "color": c, "year": d["year"].to_numpy(float),
                    **{q: d[q].to_numpy(float) for q in ("q05", "q25", "q50", "q75", "q95")}})
    return out


def _panel(r: Refresh, fan: pd.DataFrame, ind: str, tgs: list, lang: str, pid: str) -> str:
    """One indicator's panel: a caption and an SVG."""
    e = html.escape
    ptg = _probability_target(tgs)
    series = _series(r, fan, ind, ptg)
    y0, y1 = float(r.profile.start_year), float(r.profile.end_year)
    top = 1.0 if ptg is not None else 0.0
    marks = []                                   # (x, y) of target marks, for the top
    paths = []                                   # (colour, xs, ys) of growth paths
    if ptg is None:
        for srs in series:
            for q in ("q95", "q50"):
                v = srs[q][np.isfinite(srs[q])]
                top = max(top, float(v.max()) if v.size else 0.0)
        for tg in tgs:
            if tg.kind == "level":
                top = max(top, float(tg.threshold))
                continue
            for srs in series:
                med = dict(zip(srs["year"].astype(int), srs["q50"], strict=True))
                base = med.get(tg.base_year, math.nan)
                if math.isfinite(base) and base > 0:
                    yrs = np.arange(tg.base_year, tg.year + 1, dtype=float)
                    path = base * (1.0 + tg.threshold) ** (yrs - tg.base_year)
                    paths.append((srs["color"], yrs, path))
                    top = max(top, float(path[-1]))
    ticks = (np.array([0.0, 0.25, 0.5, 0.75, 1.0]) if ptg is not None
             else value_ticks(top, i18n.is_count(ind)))
    top = max(top, float(ticks[-1]))
    ymax = top / (1.0 - HEADROOM)

    def px(x):
        return _L + (np.asarray(x, float) - (y0 - 0.5)) / (y1 - y0 + 1.0) * (_W - _L - _R)

    def py(v):
        return _T + (1.0 - np.asarray(v, float) / ymax) * (_H - _T - _B)

    g = [f'<rect x="{_L}" y="{_T}" width="{_W - _L - _R}" height="{_H - _T - _B}" '
         'fill="white" stroke="#bbb" stroke-width="0.8"/>']
    for v in ticks:
        yv = float(py(v))
        label = (i18n.number(v, lang, 2) if ptg is not None else _tick_text(v, ind, lang))
        g.append(f'<line x1="{_L}" x2="{_W - _R}" y1="{yv:.1f}" y2="{yv:.1f}" '
                 'stroke="#e4e4e4" stroke-width="0.8"/>'
                 f'<text x="{_L - 4}" y="{yv + 3.5:.1f}" text-anchor="end" '
                 f'font-size="10" fill="#333">{e(label)}</text>')
    for yr in range(int(y0), int(y1) + 1):
        xv = float(px(yr))
        g.append(f'<line x1="{xv:.1f}" x2="{xv:.1f}" y1="{_H - _B}" y2="{_H - _B + 3}" '
                 'stroke="#888"/>')
        if (int(y1) - yr) % 2 == 0:
            g.append(f'<text x="{xv:.1f}" y="{_H - _B + 14}" text-anchor="middle" '
                     f'font-size="10" fill="#333">{yr}</text>')
    defs = []
    for srs in series:
        c, x = srs["color"], px(srs["year"])
        fill = f'fill="{c}" fill-opacity="{BAND50_OPACITY}"'
        band = _band(x, py(srs["q25"]), py(srs["q75"]))
        if srs["k"] > 0:                        # hatched: overlapping bands stay apart
            hid = f"{pid}-h{srs['k']}"
            defs.append(f'<pattern id="{hid}" width="5" height="5" '
                        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
                        f'<rect width="5" height="5" fill="{c}" fill-opacity="0.12"/>'
                        f'<line x1="0" y1="0" x2="0" y2="5" stroke="{c}" '
                        'stroke-width="1.6" stroke-opacity="0.65"/></pattern>')
            fill = f'fill="url(#{hid})"'
        if band:
            g.append(f'<path d="{band}" {fill} stroke="none"/>')
        for q in ("q05", "q95"):
            if q in srs:
                g.append(f'<path d="{_path(x, py(srs[q]))}" fill="none" stroke="{c}" '
                         'stroke-width="1" stroke-dasharray="4 3"/>')
    for c, yrs, path in paths:
        g.append(f'<path d="{_path(px(yrs), py(path))}" fill="none" stroke="{c}" '
                 'stroke-width="1.8" stroke-dasharray="1.5 3" stroke-linecap="round"/>')
    for srs in series:
        g.append(f'<path d="{_path(px(srs["year"]), py(srs["q50"]))}" fill="none" '
                 f'stroke="{srs["color"]}" stroke-width="2.2"/>')
    labels = []
    for tg in tgs:
        crit = i18n.criterion(tg.op, tg.threshold, tg.indicator, tg.kind, lang)
        if tg.kind == "level" and ptg is None:
            xa, xb, yv = float(px(tg.year - 0.35)), float(px(tg.year + 0.35)), float(
                py(tg.threshold))
            g.append(f'<line x1="{xa:.1f}" x2="{xb:.1f}" y1="{yv:.1f}" y2="{yv:.1f}" '
                     'stroke="black" stroke-width="3"/>')
            marks.append((float(px(tg.year)), yv))
        elif tg is ptg:
            xv = float(px(tg.year))
            g.append(f'<line x1="{xv:.1f}" x2="{xv:.1f}" y1="{float(py(1.0)):.1f}" '
                     f'y2="{_H - _B}" stroke="black" stroke-width="1" '
                     'stroke-dasharray="3 3"/>')
        years = (f"{tg.base_year}{i18n.DASH}{tg.year}" if tg.kind == "cagr"
                 else str(tg.year))
        labels.append((float(px(tg.year)), f"{years}: {crit}"))
    for k, (xv, text) in enumerate(sorted(labels)):
        row = k % 2 if len(labels) > 1 else 0
        width = 6.0 * len(text)
        xl = min(max(xv, _L + width / 2 + 2), _W - _R - width / 2 - 2)
        g.append(f'<text x="{xl:.1f}" y="{_T + 13 + 13 * row}" text-anchor="middle" '
                 f'font-size="10.5" font-weight="600">{e(text)}</text>')
    note = ""
    if ptg is not None:
        title = di.t("prob.title", lang, name=i18n.indicator_name(ind, lang),
                     crit=i18n.criterion(ptg.op, ptg.threshold, ind, ptg.kind, lang))
        unit = ""
        note = f'<div class="stm-panel-note">{e(di.t("prob.unit", lang))}</div>'
    else:
        title, unit = i18n.indicator_name(ind, lang), i18n.axis_label(ind, lang)
        if unit.lower() in title.lower():
            unit = ""
    svg = (f'<svg viewBox="0 0 {_W} {_H}" width="100%" role="img" '
           f'aria-label="{e(title)}" xmlns="http://www.w3.org/2000/svg">'
           f'<defs>{"".join(defs)}</defs>{"".join(g)}</svg>')
    return (f'<figure class="stm-panel" data-indicator="{e(ind)}">'
            f"<figcaption><b>{e(title)}</b>"
            + (f' <span class="stm-unit">({e(unit)})</span>' if unit else "")
            + f"</figcaption>{svg}{note}</figure>")


def _swatch(color: str, k: int) -> str:
    fill = (f'fill="{color}" fill-opacity="{BAND50_OPACITY}"' if k == 0 else
            f'fill="url(#stm-lh{k})"')
    pat = ("" if k == 0 else
           f'<defs><pattern id="stm-lh{k}" width="5" height="5" patternUnits="userSpaceOnUse"'
           f' patternTransform="rotate(45)"><rect width="5" height="5" fill="{color}" '
           f'fill-opacity="0.12"/><line x1="0" y1="0" x2="0" y2="5" stroke="{color}" '
           'stroke-width="1.6" stroke-opacity="0.65"/></pattern></defs>')
    return (f'<svg width="34" height="14" viewBox="0 0 34 14">{pat}'
            f'<rect x="1" y="1" width="32" height="12" {fill} stroke="{color}" '
            'stroke-width="1" stroke-dasharray="4 3"/>'
            f'<line x1="1" x2="33" y1="7" y2="7" stroke="{color}" stroke-width="2.2"/></svg>')


def fan_svg(r: Refresh, lang: str) -> str:
    """The fan charts of both scenarios against the targets, as HTML with one SVG panel
    per target indicator and a legend that draws each scenario as its panels do."""
    from stmarket.experiments.reports.fanchart import target_indicators

    e = html.escape
    inds = target_indicators(r.result.targets)
    by_ind: dict[str, list] = {}
    for tg in r.result.targets.targets:
        by_ind.setdefault(tg.indicator, []).append(tg)
    fan = r.result.fan(tuple(inds))
    names = (scenario_name(r.base, lang), di.t("custom", lang))
    legend = [f'<span class="stm-key">{_swatch(SCENARIO_COLORS[k], k)} {e(n)}</span>'
              for k, n in enumerate(names)]
    legend.append(f'<span class="stm-key">{e(di.t("fan.key", lang))}</span>')
    panels = [_panel(r, fan, ind, by_ind[ind], lang, f"stm-p{r.serial}-{j}")
              for j, ind in enumerate(inds)]
    return (f'<div class="stm-legend">{"".join(legend)}</div>'
            f'<div class="stm-panels">{"".join(panels)}</div>')


def _seller_groups(profile: Profile, lang: str) -> list[tuple[str, str, np.ndarray]]:
    """(seller type, label, indices) of each group of sellers, by kind and location."""
    out = []
    scopes = [x.scope for x in profile.locations]

    def label(kind: str, loc: int) -> str:
        # by scope; the location's own name when several locations share the scope
        x = profile.locations[loc]
        text = di.t(f"seller.{kind}.{x.scope}", lang)
        if scopes.count(x.scope) > 1:
            text += f" ({x.label_vi if lang == 'vi' else x.label})"
        return text

    loc_r = profile.RI0[:, K.RS_LOC]
    for loc in range(len(profile.locations)):
        idx = np.flatnonzero(loc_r == loc)
        if idx.size:
            out.append(("research_organisation", label("research", loc), idx))
    vend = np.arange(profile.n_buyers, profile.EI0.shape[0])
    loc_v = profile.EI0[vend, K.S_LOC]
    for loc in range(len(profile.locations)):
        idx = vend[loc_v == loc]
        if idx.size:
            out.append(("enterprise", label("vendor", loc), idx))
    return out


def _stack(groups: list[np.ndarray], gap: float = 0.08) -> list[np.ndarray]:
    """Vertical positions in [0, 1] of groups of nodes, top to bottom, with gaps."""
    n = sum(len(g) for g in groups)
    step = (1.0 - gap * (len(groups) - 1)) / max(n - len(groups), 1)
    ys, y = [], 1.0
    for g in groups:
        ys.append(y - step * np.arange(len(g)))
        y -= step * max(len(g) - 1, 0) + gap
    return ys


def network_figure(tx: pd.DataFrame, profile: Profile, lang: str):
    """Who trades with whom in one run, with matplotlib (for saving; the page shows
    :func:`network_svg`): buyers (left, by sector) and sellers (right, by kind and
    location), a line per transaction coloured by the kind of good, and each node sized by
    its number of transactions (grey: none)."""
    import textwrap

    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    nb = profile.n_buyers
    sector = profile.EI0[:nb, K.S_SECTOR]
    b_groups = [(s.label_vi if lang == "vi" else s.label, np.flatnonzero(sector == k))
                for k, s in enumerate(profile.sectors) if (sector == k).any()]
    s_groups = _seller_groups(profile, lang)
    y_b = np.zeros(nb)
    for (_, idx), ys in zip(b_groups, _stack([g for _, g in b_groups]), strict=True):
        y_b[idx] = ys
    y_s: dict[tuple[str, int], float] = {}
    for (kind, _, idx), ys in zip(s_groups, _stack([g for *_, g in s_groups]), strict=True):
        y_s.update({(kind, int(i)): float(y) for i, y in zip(idx, ys, strict=True)})

    fig = Figure(figsize=(10, 6.2))  # fixed margins: constrained layout costs a second
    ax = fig.add_axes((0.01, 0.07, 0.98, 0.87))
    sy = np.array([y_s.get((str(k), int(s)), np.nan) for k, s in
                   zip(tx["seller_type"], tx["seller"], strict=True)])
    by = y_b[tx["buyer"].to_numpy(dtype=int)] if len(tx) else np.zeros(0)
    handles = []
    for kind in ("service", "research_result", "technology", "ip"):  # rarest on top
        m = (tx["kind"] == kind).to_numpy() & np.isfinite(sy)
        segs = np.stack([np.column_stack([np.zeros(m.sum()), by[m]]),
                         np.column_stack([np.ones(m.sum()), sy[m]])], axis=1)
        ax.add_collection(LineCollection(segs, colors=KIND_COLORS[kind],
                                         linewidths=0.6 if kind == "service" else 0.9,
                                         alpha=0.3 if kind == "service" else 0.6))
        label = f"{di.t(f'kind.{kind}', lang)} ({i18n.integer(m.sum(), lang)})"
        handles.append(Line2D([], [], color=KIND_COLORS[kind], lw=2, label=label))
    deals_b = np.bincount(tx["buyer"].to_numpy(dtype=int), minlength=nb)
    ax.scatter(np.zeros(nb), y_b, s=1 + 6 * np.sqrt(deals_b),
               c=np.where(deals_b > 0, "0.15", "0.75"), linewidths=0, zorder=3)
    per_seller = tx.groupby(["seller_type", "seller"], observed=True).size()
    keys = list(y_s)
    n_s = np.array([per_seller.get(k, 0) for k in keys])
    ax.scatter(np.ones(len(keys)), [y_s[k] for k in keys], s=6 + 12 * np.sqrt(n_s),
               c=np.where(n_s > 0, "0.15", "0.75"), linewidths=0, zorder=3)
    for x, sign, groups in ((0.0, -1, [(lab, y_b[idx]) for lab, idx in b_groups]),
                            (1.0, 1, [(lab, np.array([y_s[(k, int(i))] for i in idx]))
                                      for k, lab, idx in s_groups])):
        for label, ys in groups:
            xb = x + sign * 0.03
            ax.plot([xb, xb], [ys.min(), ys.max()], color="0.5", lw=1)
            ax.text(x + sign * 0.05, float(ys.mean()), "\n".join(textwrap.wrap(label, 28)),
                    ha="right" if sign < 0 else "left", va="center", fontsize=8)
    ax.text(0, 1.05, di.t("net.buyers", lang), ha="center", fontsize=9, weight="bold")
    ax.text(1, 1.05, di.t("net.sellers", lang), ha="center", fontsize=9, weight="bold")
    ax.set_xlim(-0.55, 1.6)
    ax.set_ylim(-0.03, 1.1)
    ax.set_axis_off()
    ax.legend(handles=handles[::-1], loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=4,
              fontsize=8, frameon=False)
    ax.set_title(di.t("net.title", lang, y0=profile.start_year, y1=profile.end_year))
    return fig


def png(fig, dpi: int = 80) -> bytes:
    """A figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()



def _layout(tx: pd.DataFrame, profile: Profile, lang: str):
    """Positions of the network's nodes: buyers (x = 0) by sector and sellers (x = 1) by
    kind and location, each group stacked top to bottom in [0, 1]."""
    nb = profile.n_buyers
    sector = profile.EI0[:nb, K.S_SECTOR]
    b_groups = [(s.label_vi if lang == "vi" else s.label, np.flatnonzero(sector == k))
                for k, s in enumerate(profile.sectors) if (sector == k).any()]
    s_groups = _seller_groups(profile, lang)
    y_b = np.zeros(nb)
    for (_, idx), ys in zip(b_groups, _stack([g for _, g in b_groups]), strict=True):
        y_b[idx] = ys
    y_s: dict[tuple[str, int], float] = {}
    for (kind, _, idx), ys in zip(s_groups, _stack([g for *_, g in s_groups]), strict=True):
        y_s.update({(kind, int(i)): float(y) for i, y in zip(idx, ys, strict=True)})
    return b_groups, s_groups, y_b, y_s


def network_svg(tx: pd.DataFrame, profile: Profile, lang: str) -> str:
    """:func:`network_figure` as SVG (the page's figure: a few milliseconds to write, where
    matplotlib took about 0.2 s of CPU): buyers left by sector, sellers right by kind and
    location, a line per transaction coloured by the kind of good, nodes sized by their
    number of transactions (grey: none)."""
    import textwrap

    e = html.escape
    W, H = 1000, 640

    def X(x):
        return 10.0 + (np.asarray(x, float) + 0.55) / 2.15 * (W - 20)

    def Y(y):
        return 62.0 + (1.1 - np.asarray(y, float)) / 1.13 * (H - 62 - 58)

    nb = profile.n_buyers
    b_groups, s_groups, y_b, y_s = _layout(tx, profile, lang)
    sy = np.array([y_s.get((str(k), int(s)), np.nan) for k, s in
                   zip(tx["seller_type"], tx["seller"], strict=True)])
    by = y_b[tx["buyer"].to_numpy(dtype=int)] if len(tx) else np.zeros(0)
    title = e(di.t("net.title", lang, y0=profile.start_year, y1=profile.end_year))
    out = [f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="17">{title}</text>']
    x0, x1 = float(X(0.0)), float(X(1.0))
    legend = []
    for kind in ("service", "research_result", "technology", "ip"):  # rarest on top
        m = (tx["kind"] == kind).to_numpy() & np.isfinite(sy)
        d = "".join(f"M{x0:.0f},{a:.1f}L{x1:.0f},{b:.1f}"
                    for a, b in zip(Y(by[m]), Y(sy[m]), strict=True))
        wide, alpha = (0.9, 0.3) if kind == "service" else (1.3, 0.6)
        if d:
            out.append(f'<path d="{d}" stroke="{KIND_COLORS[kind]}" stroke-width="{wide}" '
                       f'stroke-opacity="{alpha}" fill="none"/>')
        legend.append((KIND_COLORS[kind],
                       f"{di.t(f'kind.{kind}', lang)} ({i18n.integer(int(m.sum()), lang)})"))
    deals_b = np.bincount(tx["buyer"].to_numpy(dtype=int), minlength=nb)
    per_seller = tx.groupby(["seller_type", "seller"], observed=True).size()
    keys = list(y_s)
    n_s = np.array([per_seller.get(k, 0) for k in keys])
    for xs, ys, n, base, gain in ((np.zeros(nb), y_b, deals_b, 1.0, 6.0),
                                  (np.ones(len(keys)), np.array([y_s[k] for k in keys]), n_s,
                                   6.0, 12.0)):
        r = 0.62 * np.sqrt(base + gain * np.sqrt(n))       # marker area in pt^2, as drawn
        for grey, fill in ((True, "#bfbfbf"), (False, "#262626")):
            sel = (n == 0) if grey else (n > 0)
            out.append(f'<g fill="{fill}">' + "".join(
                f'<circle cx="{a:.1f}" cy="{b:.1f}" r="{c:.2f}"/>'
                for a, b, c in zip(X(xs[sel]), Y(ys[sel]), r[sel], strict=True)) + "</g>")
    for x, sign, groups in ((0.0, -1, [(lab, y_b[idx]) for lab, idx in b_groups]),
                            (1.0, 1, [(lab, np.array([y_s[(k, int(i))] for i in idx]))
                                      for k, lab, idx in s_groups])):
        for label, ys in groups:
            xb = float(X(x + sign * 0.03))
            out.append(f'<line x1="{xb:.1f}" x2="{xb:.1f}" y1="{float(Y(ys.max())):.1f}" '
                       f'y2="{float(Y(ys.min())):.1f}" stroke="#808080"/>')
            lines = textwrap.wrap(label, 28)
            yc = float(Y(ys.mean())) - 6.5 * (len(lines) - 1) + 4
            spans = "".join(f'<tspan x="{float(X(x + sign * 0.05)):.1f}" '
                            f'y="{yc + 13 * j:.1f}">{e(t)}</tspan>'
                            for j, t in enumerate(lines))
            out.append(f'<text font-size="12" text-anchor="{"end" if sign < 0 else "start"}">'
                       f"{spans}</text>")
    for x, key in ((0.0, "net.buyers"), (1.0, "net.sellers")):
        out.append(f'<text x="{float(X(x)):.1f}" y="{float(Y(1.05)):.1f}" '
                   f'text-anchor="middle" font-size="13" font-weight="bold">'
                   f"{e(di.t(key, lang))}</text>")
    step = W / (len(legend) + 1)
    for j, (c, label) in enumerate(legend[::-1]):
        xl = step * (j + 1) - 90
        out.append(f'<line x1="{xl:.0f}" x2="{xl + 22:.0f}" y1="{H - 22}" y2="{H - 22}" '
                   f'stroke="{c}" stroke-width="3"/><text x="{xl + 28:.0f}" y="{H - 18}" '
                   f'font-size="12">{e(label)}</text>')
    return (f'<svg viewBox="0 0 {W} {H}" width="100%" role="img" aria-label="{title}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(out)}</svg>')
