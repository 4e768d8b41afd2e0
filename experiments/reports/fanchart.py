"""Fan charts of the target indicators over Monte Carlo runs. Plotting only.

Read at a glance (issue 13): one colour per scenario from the Okabe-Ito palette (safe for
colour-blind readers); each scenario's middle 50 % of runs is a light fill, hatched for every
scenario after the first so that overlapping bands stay apart, and its 90 % of runs is a
dashed outline, not a fill, so that no band hides another; the legend draws each scenario's
line, fill and outline as they are drawn. Value axes start at zero. The target labels sit
in a strip kept free above the data, so they overlap no line, no axis and no other label.
A level target on a count (one intermediary connected) is drawn as the probability of
meeting it in each year, a line with its 95 % interval, when that table is given.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

from stmarket.experiments.reports import i18n
from stmarket.experiments.reports.i18n import t
from stmarket.model.targets import TargetSet

FAN_COLUMNS = ("scenario", "indicator", "year", "runs", "q05", "q25", "q50", "q75", "q95")
PROBABILITY_COLUMNS = ("scenario", "target", "year", "probability", "ci_low", "ci_high")
#: Okabe & Ito (2008) colours, distinct for the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
           "#F0E442")
#: Hatching of the 50 % band of the first, second, ... scenario.
HATCHES = ("", "////", "\\\\\\\\", "xxx", "...", "---", "|||", "+++")
BAND50_ALPHA = 0.22
BAND90_ALPHA = 0.0  # the 90 % band is an outline only
#: Share of each panel's height kept free of data at the top for the target labels.
HEADROOM = 0.22
HISTORY_COLOR = "0.92"
PAST_COLOR = "0.42"


def target_indicators(targets: TargetSet) -> list[str]:
    """The indicators the targets name, in target order, each once."""
    return list(dict.fromkeys(tg.indicator for tg in targets.targets))


def scenario_colors(scenarios: list[str]) -> dict[str, str]:
    """The colour of each scenario, in order (the palette repeats after eight)."""
    return {sc: PALETTE[k % len(PALETTE)] for k, sc in enumerate(scenarios)}


def _formatter(indicator: str, lang: str):
    """The y tick formatter of an indicator's panel, in ``lang``'s number format."""
    from matplotlib.ticker import FuncFormatter

    unit = i18n.indicator_unit(indicator)
    if unit in ("share", "rate"):
        return FuncFormatter(lambda v, _pos: i18n.percent(v, lang))
    if unit == "bn_vnd":
        return FuncFormatter(lambda v, _pos: i18n.plain(round(v, 6), lang)
                             if abs(v) < 1000 else i18n.integer(round(v), lang))
    if unit == "count":
        return FuncFormatter(lambda v, _pos: i18n.integer(round(v), lang))
    return FuncFormatter(lambda v, _pos: i18n.plain(round(v, 6), lang))


def _probability_panel(tgs, probabilities) -> object | None:
    """The level target on a count drawn as a yearly probability, if the table has it."""
    if probabilities is None:
        return None
    for tg in tgs:
        if (tg.kind == "level" and i18n.is_count(tg.indicator)
                and tg.id in set(probabilities["target"])):
            return tg
    return None


def panel_grid(n: int, width: float, extra: float):
    """A figure of ``n`` panels, two a row (one if ``n`` is 1), each ``width`` inches wide
    and 3.3 high, with ``extra`` inches for the title and legend; unused cells removed.
    Returns the figure and its axes (the first ``n`` are the panels)."""
    from matplotlib.figure import Figure

    ncols = 2 if n > 1 else 1
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(width * ncols, 3.3 * nrows + extra), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[n:]:
        fig.delaxes(ax)
    return fig, axes


def fan_chart(fan: pd.DataFrame, targets: TargetSet, lang: str = "en", *,
              scenario_names: dict[str, str] | None = None,
              probabilities: pd.DataFrame | None = None,
              history_until: int | None = None):
    """One panel per target indicator: each scenario's median with its 50 % and 90 % bands,
    and the targets.

    A ``level`` target is a short black segment at (year, threshold); a ``cagr`` target is,
    for each scenario, the dotted path its median must follow from the base year,
    ``median[base_year] * (1 + threshold) ** (y - base_year)``. Each target's label
    (``2030: ≥ 10 %``) is written in a strip above the data. Panels of count indicators
    have whole-number y ticks; every value axis starts at zero.

    Parameters
    ----------
    fan : DataFrame
        Tidy quantiles over runs: ``scenario, indicator, year, runs, q05, q25, q50, q75,
        q95``. Scenarios are drawn in their order of first appearance.
    targets : TargetSet
    lang : {"en", "vi"}
        Language of titles, axis labels and legend.
    scenario_names : dict of str to str, optional
        Display name of each scenario id (the id when absent).
    probabilities : DataFrame, optional
        ``scenario, target, year, probability, ci_low, ci_high`` (see
        :func:`stmarket.experiments.assessment.yearly.yearly_probability`): a level target
        on a count indicator is then drawn as the probability of meeting it in each year,
        a line with its 95 % interval, instead of a fan of the count.
    history_until : int, optional
        The first year the assessment simulates from today (``--from-year``): the years
        before it are shaded as history, and targets due before it are drawn grey.

    Returns
    -------
    matplotlib.figure.Figure
        Not attached to pyplot; save it with
        :func:`stmarket.experiments.outputs.folder.save_figure`.

    Raises
    ------
    ValueError
        For missing columns, a target indicator absent from ``fan``, or an unknown
        language.
    """
    import matplotlib.style
    from matplotlib.ticker import MaxNLocator

    t("fan.title", lang)  # rejects an unknown language
    missing = [c for c in FAN_COLUMNS if c not in fan.columns]
    if missing:
        raise ValueError(f"fan lacks the columns {', '.join(missing)}")
    if probabilities is not None:
        lack = [c for c in PROBABILITY_COLUMNS if c not in probabilities.columns]
        if lack:
            raise ValueError(f"probabilities lacks the columns {', '.join(lack)}")
    inds = target_indicators(targets)
    by_ind: dict[str, list] = {}
    for tg in targets.targets:
        by_ind.setdefault(tg.indicator, []).append(tg)
    prob_of = {ind: _probability_panel(by_ind[ind], probabilities) for ind in inds}
    absent = [i for i in inds if prob_of[i] is None and i not in set(fan["indicator"])]
    if absent:
        raise ValueError(f"fan has no rows for the target indicators {', '.join(absent)}")
    names = scenario_names or {}
    scenarios = list(dict.fromkeys(fan["scenario"]))
    colors = scenario_colors(scenarios)

    with matplotlib.style.context("default"):
        fig, axes = panel_grid(len(inds), 5.6, 1.4)
        x0, x1 = float(fan["year"].min()), float(fan["year"].max())

        for ax, ind in zip(axes, inds, strict=False):
            ptg = prob_of[ind]
            if ptg is not None:
                top = _draw_probability(ax, probabilities, ptg, scenarios, colors)
                title = t("chart.prob_title", lang, name=i18n.indicator_name(ind, lang),
                          crit=_crit(ptg, lang))
                ylabel = t("chart.probability", lang)
            else:
                top = _draw_fan(ax, fan, ind, by_ind.get(ind, []), scenarios, colors,
                                history_until)
                title = i18n.indicator_name(ind, lang)
                ylabel = i18n.axis_label(ind, lang)
            if history_until is not None and history_until > x0:
                ax.axvspan(x0 - 0.5, history_until - 0.5, color=HISTORY_COLOR, lw=0, zorder=0)
            ax.set_title(title, fontsize=10)
            ax.set_xlabel(t("axis.year", lang))
            ax.set_ylabel(ylabel)
            ax.set_xlim(x0 - 0.5, x1 + 0.5)
            ax.set_ylim(0.0, (top if top > 0 else 1.0) / (1.0 - HEADROOM))
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            if ptg is not None:
                ax.set_yticks([0.0, 0.25, 0.5, 0.75, 1.0])
                ax.yaxis.set_major_formatter(_formatter("probability_share", lang))
            else:  # ticks up to the data's top only: the strip above holds the labels
                value_ticks(ax, ind, top, lang)
            ax.grid(alpha=0.3)
            target_labels(ax, by_ind.get(ind, []), ptg, lang, history_until)

        _legend(fig, scenarios, names, colors, lang, prob_of, history_until)
        fig.suptitle(t("fan.title", lang))
    return fig


def value_ticks(ax, indicator: str, top: float, lang: str) -> None:
    """Y ticks from zero up to the data's top only (the strip above it holds the target
    labels), whole numbers for counts, in ``lang``'s number format."""
    from matplotlib.ticker import MaxNLocator

    loc = MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10], integer=i18n.is_count(indicator))
    ticks = [v for v in loc.tick_values(0.0, top if top > 0 else 1.0)
             if 0.0 <= v <= max(top, 1e-12) * 1.0001]
    ax.set_yticks(ticks if len(ticks) >= 2 else loc.tick_values(0.0, 1.0))
    ax.yaxis.set_major_formatter(_formatter(indicator, lang))


def _crit(tg, lang: str) -> str:
    return i18n.target_criterion(tg, lang)


def target_marks(tg) -> list[float]:
    """The pass marks a level or by-year target draws on its year: its threshold, and the
    upper end of a range."""
    return [float(tg.threshold)] + ([] if tg.high is None else [float(tg.high)])


def _draw_fan(ax, fan: pd.DataFrame, ind: str, tgs, scenarios, colors,
              history_until: int | None) -> float:
    """Bands, medians and the targets' marks of one indicator; the top of what is drawn."""
    top = 0.0
    medians: dict[str, pd.Series] = {}
    for k, sc in enumerate(scenarios):
        d = fan[(fan["scenario"] == sc) & (fan["indicator"] == ind)].sort_values("year")
        if d.empty:
            continue
        x = d["year"].to_numpy(dtype=float)
        c = colors[sc]
        q = {n: d[n].to_numpy(float) for n in ("q05", "q25", "q50", "q75", "q95")}
        for edge in ("q05", "q95"):
            ax.plot(x, q[edge], color=c, lw=1.0, ls=(0, (4, 3)), zorder=2)
        ax.fill_between(x, q["q25"], q["q75"], facecolor=(*_rgb(c), BAND50_ALPHA),
                        edgecolor=(*_rgb(c), 0.75), hatch=HATCHES[k % len(HATCHES)], lw=0.0,
                        zorder=3)
        ax.plot(x, q["q50"], color=c, lw=2.0, zorder=5)
        medians[sc] = pd.Series(q["q50"], index=d["year"].astype(int))
        top = max(top, float(np.nanmax(q["q95"])), float(np.nanmax(q["q50"])))
    for tg in tgs:
        if tg.kind in ("level", "by_year"):
            past = history_until is not None and tg.year < history_until
            for mark in target_marks(tg):
                ax.plot([tg.year - 0.35, tg.year + 0.35], [mark] * 2,
                        color=PAST_COLOR if past else "k", lw=2.8, solid_capstyle="butt",
                        zorder=6)
                top = max(top, mark)
            continue
        if tg.kind != "cagr":  # sums, means, counts of years: labelled, not drawn
            continue
        for sc, med in medians.items():
            base = med.get(tg.base_year, np.nan)
            if not np.isfinite(base) or base <= 0:
                continue
            yrs = np.arange(tg.base_year, tg.year + 1)
            path = base * (1.0 + tg.threshold) ** (yrs - tg.base_year)
            ax.plot(yrs, path, ":", color=colors[sc], lw=1.8, zorder=4)
            top = max(top, float(path[-1]))
    return top


def _draw_probability(ax, probabilities: pd.DataFrame, tg, scenarios, colors) -> float:
    """Each scenario's yearly probability of meeting ``tg``, with its interval."""
    d0 = probabilities[probabilities["target"] == tg.id]
    for k, sc in enumerate(scenarios):
        d = d0[d0["scenario"] == sc].sort_values("year")
        if d.empty:
            continue
        x = d["year"].to_numpy(float)
        c = colors[sc]
        ax.fill_between(x, d["ci_low"].to_numpy(float), d["ci_high"].to_numpy(float),
                        facecolor=(*_rgb(c), BAND50_ALPHA), edgecolor=(*_rgb(c), 0.75),
                        hatch=HATCHES[k % len(HATCHES)], lw=0.0, zorder=3)
        ax.plot(x, d["probability"].to_numpy(float), color=c, lw=2.0, marker="o", ms=3.5,
                zorder=5)
    return 1.0


def _rgb(color: str) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    return to_rgb(color)


@functools.cache
def _target_label_class():
    """A Text that, when drawn (the panels' places are final by then, so no extra layout
    pass is needed), pulls itself back inside its panel and moves a row down if it would
    overlap a label of the same panel drawn before it."""
    from matplotlib.text import Text

    class TargetLabel(Text):
        pad = 3.0

        def draw(self, renderer) -> None:
            if not self.get_visible():
                return
            ax = self.axes
            box = ax.get_window_extent(renderer)
            self.set_horizontalalignment("center")
            self.set_x(self._stmarket_x)
            self.set_y(self._stmarket_y)
            bb = self.get_window_extent(renderer)
            if bb.x1 > box.x1 - self.pad:
                self.set_horizontalalignment("right")
                self.set_x(ax.transData.inverted().transform((box.x1 - self.pad, 0))[0])
            elif bb.x0 < box.x0 + self.pad:
                self.set_horizontalalignment("left")
                self.set_x(ax.transData.inverted().transform((box.x0 + self.pad, 0))[0])
            earlier = [x.get_window_extent(renderer) for x in target_label_texts_of(ax)
                       if x is not self and x._stmarket_order < self._stmarket_order]
            if any(self.get_window_extent(renderer).overlaps(o) for o in earlier):
                self.set_y(self._stmarket_y - 0.5 * HEADROOM)
            super().draw(renderer)

    return TargetLabel


def target_labels(ax, tgs, ptg, lang: str, history_until: int | None) -> None:
    """Each target's label in the strip above the data, centred over its year (growth
    targets over their period), kept inside the panel (see :func:`_target_label_class`)."""
    from matplotlib.transforms import blended_transform_factory

    cls = _target_label_class()
    trans = blended_transform_factory(ax.transData, ax.transAxes)
    for k, tg in enumerate(tgs):
        if tg.kind == "cagr" and tg.base_year is not None:
            text = t("chart.growth", lang, base=tg.base_year, year=tg.year, crit=_crit(tg, lang))
            x = (tg.base_year + tg.year) / 2
        else:
            text = t("chart.target", lang, year=tg.year, crit=_crit(tg, lang))
            x = tg.year
        past = history_until is not None and tg.year < history_until
        label = cls(x, 0.965, text, transform=trans, ha="center", va="top", fontsize=8.5,
                    color=PAST_COLOR if past else "k", zorder=7, clip_on=False)
        label.set_in_layout(False)
        label._stmarket_target = True  # found again by target_label_texts and the tests
        label._stmarket_x, label._stmarket_y, label._stmarket_order = x, 0.965, k
        ax.add_artist(label)


def target_label_texts_of(ax) -> list:
    """The target labels of one panel."""
    return [x for x in ax.texts if getattr(x, "_stmarket_target", False)]


def target_label_texts(fig) -> list:
    """The target labels of a fan chart (matplotlib Text objects), panel by panel."""
    return [x for ax in fig.axes for x in target_label_texts_of(ax)]


def _legend(fig, scenarios, names, colors, lang: str, prob_of: dict, history_until) -> None:
    """The legend, drawn as the chart draws: each scenario's median, its plain or hatched
    50 % fill and its dashed 90 % outline side by side (the title says which is which);
    then the target marks, the probability lines and the history."""
    from matplotlib.legend_handler import HandlerTuple
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles, labels = [], []
    for k, sc in enumerate(scenarios):
        c = colors[sc]
        handles.append((Line2D([], [], color=c, lw=2.0),
                        Patch(facecolor=(*_rgb(c), BAND50_ALPHA), edgecolor=(*_rgb(c), 0.75),
                              hatch=HATCHES[k % len(HATCHES)], lw=0.0),
                        Line2D([], [], color=c, lw=1.0, ls=(0, (4, 3)))))
        labels.append(names.get(sc, sc))
    handles.append(Line2D([], [], color="k", lw=2.8))
    labels.append(t("legend.target", lang))
    handles.append(Line2D([], [], color="0.3", ls=":", lw=1.8))
    labels.append(t("legend.path", lang))
    if any(v is not None for v in prob_of.values()):
        handles.append(tuple(Line2D([], [], color=colors[sc], lw=2.0, marker="o", ms=3.5)
                             for sc in scenarios))
        labels.append(t("legend.prob", lang))
    if history_until is not None:
        handles += [Patch(facecolor=HISTORY_COLOR),
                    Line2D([], [], color=PAST_COLOR, lw=2.8)]
        labels += [t("legend.history", lang, year=history_until),
                   t("legend.target_past", lang)]
    fig.legend(handles, labels, loc="outside lower center", ncols=min(2, len(handles)),
               fontsize=9, title=t("legend.key", lang), title_fontsize=9, frameon=False,
               handlelength=7.0, handler_map={tuple: HandlerTuple(ndivide=None, pad=0.4)})
