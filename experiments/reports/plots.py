"""Charts. Plotting only: every number comes from experiments or model modules."""

from __future__ import annotations

import numpy as np

from stmarket.experiments.reports import fanchart, i18n
from stmarket.experiments.reports.i18n import t
from stmarket.model.targets import TargetSet


def single_run_figure(runs, targets: TargetSet, title: str = "", lang: str = "en", *,
                      scenario_names: dict[str, str] | None = None):
    """One panel per target indicator for one seeded run of several scenarios.

    Each scenario has its own colour (the fan charts' palette) and its name in the legend;
    panels are titled with the indicators' plain names in ``lang``. A level target is a
    black segment at (year, threshold), a growth target the dotted path each scenario's
    value must follow from the base year; the targets' labels sit in a strip above the
    data. Value axes start at zero.

    Parameters
    ----------
    runs : list of stmarket.experiments.assessment.single.ScenarioRun
    targets : TargetSet
    title : str
        The figure's title (the plan's name by default).
    lang : {"en", "vi"}
    scenario_names : dict of str to str, optional
        Display name of each scenario id (the scenario's own name in ``lang`` by default).

    Returns
    -------
    matplotlib.figure.Figure
        Not attached to pyplot.
    """
    import matplotlib.style
    from matplotlib.lines import Line2D

    t("fan.title", lang)  # rejects an unknown language
    names = dict(scenario_names or {})
    for run in runs:
        sc = run.scenario
        names.setdefault(sc.id, (sc.name_vi if lang == "vi" and sc.name_vi else sc.name)
                         or sc.id)
    colors = fanchart.scenario_colors([run.scenario.id for run in runs])
    inds = fanchart.target_indicators(targets)
    by_ind: dict[str, list] = {}
    for tg in targets.targets:
        by_ind.setdefault(tg.indicator, []).append(tg)

    with matplotlib.style.context("default"):
        fig, axes = fanchart.panel_grid(len(inds), 6.4, 1.0)
        for ax, ind in zip(axes, inds, strict=False):
            top = 0.0
            for run in runs:
                df = run.indicators
                y = df[ind].to_numpy(dtype=float)
                ax.plot(df.index, y, color=colors[run.scenario.id], lw=2.0, marker="o",
                        ms=3.5, zorder=4)
                if np.isfinite(y).any():
                    top = max(top, float(np.nanmax(y)))
            for tg in by_ind.get(ind, []):
                if tg.kind in ("level", "by_year"):
                    for mark in fanchart.target_marks(tg):
                        ax.plot([tg.year - 0.35, tg.year + 0.35], [mark] * 2, color="k",
                                lw=2.8, solid_capstyle="butt", zorder=6)
                        top = max(top, mark)
                    continue
                if tg.kind != "cagr":  # sums, means, counts of years: labelled only
                    continue
                for run in runs:
                    base = float(run.indicators.loc[tg.base_year, ind])
                    if not np.isfinite(base) or base <= 0:
                        continue
                    yrs = np.arange(tg.base_year, tg.year + 1)
                    path = base * (1 + tg.threshold) ** (yrs - tg.base_year)
                    ax.plot(yrs, path, ":", color=colors[run.scenario.id], lw=1.8, zorder=3)
                    top = max(top, float(path[-1]))
            x = runs[0].indicators.index if runs else [0, 1]
            ax.set_xlim(float(min(x)) - 0.5, float(max(x)) + 0.5)
            ax.set_xticks([int(v) for v in x])
            ax.set_ylim(0.0, (top if top > 0 else 1.0) / (1.0 - fanchart.HEADROOM))
            fanchart.value_ticks(ax, ind, top, lang)
            ax.set_title(i18n.indicator_name(ind, lang), fontsize=10)
            ax.set_xlabel(t("axis.year", lang))
            ax.set_ylabel(i18n.axis_label(ind, lang))
            ax.grid(alpha=0.3)
            fanchart.target_labels(ax, by_ind.get(ind, []), None, lang, None)
        handles = [Line2D([], [], color=colors[run.scenario.id], lw=2.0, marker="o", ms=3.5,
                          label=names[run.scenario.id]) for run in runs]
        handles += [Line2D([], [], color="k", lw=2.8, label=t("legend.target", lang)),
                    Line2D([], [], color="0.3", ls=":", lw=1.8,
                           label=t("legend.path_run", lang))]
        fig.legend(handles=handles, loc="outside lower center", ncols=min(4, len(handles)),
                   fontsize=8, frameon=False)
        fig.suptitle(title or (targets.name_vi if lang == "vi" and targets.name_vi
                               else targets.name))
    return fig
