"""Charts. Plotting only: every number comes from experiments or model modules."""

from __future__ import annotations

import numpy as np

from stmarket.model.targets import TargetSet


def single_run_figure(runs, targets: TargetSet, title: str = ""):
    """Four panels for one seeded run of several scenarios.

    Transaction value against the growth-target paths from each target's base
    year, the IP and technology shares, the research-origin and digitised shares,
    and intermediaries, each with the plan's thresholds.

    Parameters
    ----------
    runs : list of stmarket.experiments.assessment.single.ScenarioRun
    targets : TargetSet

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(12, 8), constrained_layout=True)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    by_ind: dict[str, list] = {}
    for t in targets.targets:
        by_ind.setdefault(t.indicator, []).append(t)
    panels = [
        (axes[0, 0], ["value_nominal"], "Transaction value (bn VND, nominal)"),
        (axes[0, 1], ["ip_share", "tech_share"], "Shares of transaction value"),
        (axes[1, 0], ["research_origin_share", "digitised_share"], "Research origin, digitised"),
        (axes[1, 1], ["intermediaries_connected", "intermediaries_active"], "Intermediaries"),
    ]
    styles = ["-", "--"]
    for ax, names, label in panels:
        for c, run in enumerate(runs):
            df = run.indicators
            for s, name in enumerate(names):
                ax.plot(df.index, df[name], styles[s], color=colors[c % len(colors)],
                        marker="o", ms=3, label=f"{run.scenario.id}: {name}")
        n_label = 0
        for name in names:
            for t in by_ind.get(name, []):
                if t.kind in ("level", "by_year"):
                    ax.plot([t.year], [t.threshold], marker="_", ms=30, mew=2, color="k")
                    ax.annotate(f"{t.id} {t.op} {t.threshold:g}", (t.year, t.threshold),
                                textcoords="offset points", xytext=(-110, 6 + 10 * n_label),
                                fontsize=7)
                    n_label += 1
                elif t.kind == "cagr":  # sums, means and counts of years are not drawn
                    for c, run in enumerate(runs):
                        base = run.indicators.loc[t.base_year, name]
                        yrs = np.arange(t.base_year, t.year + 1)
                        ax.plot(yrs, base * (1 + t.threshold) ** (yrs - t.base_year), ":",
                                color=colors[c % len(colors)], lw=1.2,
                                label=f"{t.id} path ({run.scenario.id})")
        ax.set_title(label)
        ax.set_xlabel("year")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(title or targets.name)
    return fig
