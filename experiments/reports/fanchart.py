"""Fan charts of the target indicators over Monte Carlo runs. Plotting only."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from stmarket.experiments.reports import i18n
from stmarket.experiments.reports.i18n import t
from stmarket.model.targets import TargetSet

FAN_COLUMNS = ("scenario", "indicator", "year", "runs", "q05", "q25", "q50", "q75", "q95")
BAND90_ALPHA = 0.15
BAND50_ALPHA = 0.35


def target_indicators(targets: TargetSet) -> list[str]:
    """The indicators the targets name, in target order, each once."""
    return list(dict.fromkeys(tg.indicator for tg in targets.targets))


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


def fan_chart(fan: pd.DataFrame, targets: TargetSet, lang: str = "en", *,
              scenario_names: dict[str, str] | None = None):
    """One panel per target indicator: each scenario's median with its 50 % and 90 % bands,
    and the targets.

    A ``level`` target is a short black segment at (year, threshold), labelled; a ``cagr``
    target is, for each scenario, the dotted path its median must follow from the base
    year, ``median[base_year] * (1 + threshold) ** (y - base_year)``. Panels of count
    indicators (:func:`stmarket.experiments.reports.i18n.is_count`) have whole-number y ticks.

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

    Returns
    -------
    matplotlib.figure.Figure
        Not attached to pyplot; save it with :func:`stmarket.experiments.reports.plots.save`.

    Raises
    ------
    ValueError
        For missing columns, a target indicator absent from ``fan``, or an unknown
        language.
    """
    import matplotlib.style
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    t("fan.title", lang)  # rejects an unknown language
    missing = [c for c in FAN_COLUMNS if c not in fan.columns]
    if missing:
        raise ValueError(f"fan lacks the columns {', '.join(missing)}")
    inds = target_indicators(targets)
    absent = [i for i in inds if i not in set(fan["indicator"])]
    if absent:
        raise ValueError(f"fan has no rows for the target indicators {', '.join(absent)}")
    names = scenario_names or {}
    scenarios = list(dict.fromkeys(fan["scenario"]))
    by_ind: dict[str, list] = {}
    for tg in targets.targets:
        by_ind.setdefault(tg.indicator, []).append(tg)

    with matplotlib.style.context("default"):
        ncols = 2 if len(inds) > 1 else 1
        nrows = math.ceil(len(inds) / ncols)
        fig = Figure(figsize=(6.2 * ncols, 3.4 * nrows + 1.0), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax in axes[len(inds):]:
            fig.delaxes(ax)
        cmap = matplotlib.colormaps["tab10"]
        colors = {sc: cmap(k % 10) for k, sc in enumerate(scenarios)}
        x0, x1 = float(fan["year"].min()), float(fan["year"].max())

        for ax, ind in zip(axes, inds, strict=False):
            medians: dict[str, pd.Series] = {}
            for sc in scenarios:
                d = fan[(fan["scenario"] == sc) & (fan["indicator"] == ind)].sort_values("year")
                if d.empty:
                    continue
                x = d["year"].to_numpy(dtype=float)
                c = colors[sc]
                ax.fill_between(x, d["q05"].to_numpy(float), d["q95"].to_numpy(float),
                                color=c, alpha=BAND90_ALPHA, lw=0)
                ax.fill_between(x, d["q25"].to_numpy(float), d["q75"].to_numpy(float),
                                color=c, alpha=BAND50_ALPHA, lw=0)
                ax.plot(x, d["q50"].to_numpy(float), color=c, lw=1.8)
                medians[sc] = pd.Series(d["q50"].to_numpy(float), index=d["year"].astype(int))
            for tg in by_ind.get(ind, []):
                label = i18n.target_label(tg, lang)
                crit = i18n.target_criterion(tg, lang)
                if tg.kind in ("level", "by_year"):
                    marks = [tg.threshold] + ([] if tg.high is None else [tg.high])
                    for mark in marks:
                        ax.plot([tg.year - 0.35, tg.year + 0.35], [mark] * 2, color="k",
                                lw=2.5, solid_capstyle="butt")
                    ax.annotate(f"{label} {crit}", (tg.year, marks[-1]),
                                textcoords="offset points", xytext=(-6, 5), ha="right",
                                fontsize=7)
                    continue
                if tg.kind != "cagr":  # sums, means, counts of years: not a point or a path
                    continue
                ends = []
                for sc, med in medians.items():
                    base = med.get(tg.base_year, np.nan)
                    if not np.isfinite(base) or base <= 0:
                        continue
                    yrs = np.arange(tg.base_year, tg.year + 1)
                    path = base * (1.0 + tg.threshold) ** (yrs - tg.base_year)
                    ax.plot(yrs, path, ":", color=colors[sc], lw=1.5)
                    ends.append(path[-1])
                if ends:
                    ax.annotate(f"{label} {crit}", (tg.year, max(ends)),
                                textcoords="offset points", xytext=(-6, 5), ha="right",
                                fontsize=7)
            ax.set_title(i18n.indicator_name(ind, lang), fontsize=10)
            ax.set_xlabel(t("axis.year", lang))
            ax.set_ylabel(i18n.axis_label(ind, lang))
            ax.set_xlim(x0 - 0.5, x1 + 0.5)
            ax.margins(y=0.12)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            if i18n.is_count(ind):
                ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.yaxis.set_major_formatter(_formatter(ind, lang))
            ax.grid(alpha=0.3)

        handles = [Line2D([], [], color=colors[sc], lw=2, label=names.get(sc, sc))
                   for sc in scenarios]
        handles += [
            Line2D([], [], color="0.25", lw=1.8, label=t("legend.median", lang)),
            Patch(facecolor="0.25", alpha=BAND50_ALPHA, label=t("legend.band50", lang)),
            Patch(facecolor="0.25", alpha=BAND90_ALPHA, label=t("legend.band90", lang)),
            Line2D([], [], color="k", lw=2.5, label=t("legend.target", lang)),
            Line2D([], [], color="0.25", ls=":", lw=1.5, label=t("legend.path", lang)),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncols=min(4, len(handles)),
                   fontsize=8, frameon=False)
        fig.suptitle(t("fan.title", lang))
    return fig
