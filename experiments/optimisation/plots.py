"""Charts of an optimisation (plotting only): the budget frontier and the best
allocation's shares, from the tables of an
:class:`~stmarket.experiments.optimisation.result.OptimiseResult`. matplotlib is
imported when a chart is drawn. The algorithm modules never import this one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stmarket.experiments.optimisation.allocations import share_cols
from stmarket.experiments.optimisation.objective import objective_label
from stmarket.experiments.optimisation.result import OptimiseResult, instruments_of


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def optimisation_figures(result: OptimiseResult) -> dict[str, object]:
    """The charts of an optimisation: ``frontier`` (budget against the objective) and
    ``shares`` (winner against base), as matplotlib figures.

    Returns
    -------
    dict mapping each chart's name (the stem of its file) to its figure.
    """
    return {"frontier": frontier_figure(result.frontier, result.best, result.meta),
            "shares": shares_figure(result.best, result.frontier, result.meta)}


def frontier_figure(frontier: pd.DataFrame, best: pd.DataFrame, meta: dict):
    """The Pareto front: budget against the objective (fresh runs, 95 % intervals) for
    the best allocation found and for the base's shares at each budget, with the base
    scenario itself marked and the target probability (if any) as a line.

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 5), constrained_layout=True)
    f = frontier.sort_values("budget")
    err = [f["value"] - f["ci_low"], f["ci_high"] - f["value"]]
    ax.errorbar(f["budget"], f["value"], yerr=err, fmt="o-", color="C0", capsize=3,
                label="best allocation found (95% CI)")
    un = f[~f["confirmed"].astype(bool)]
    ax.plot(un["budget"], un["value"], "o", mfc="white", mec="C0", zorder=4,
            label="not better than the base mix beyond noise")
    rerr = [f["reference_value"] - f["reference_low"], f["reference_high"] -
            f["reference_value"]]
    ax.errorbar(f["budget"] * 1.008, f["reference_value"], yerr=rerr, fmt="s--", color="0.5",
                capsize=3, ms=4, label=f"{meta['base']} shares scaled to the budget")
    plan = best[best["allocation"] == "plan"].iloc[0]
    ax.errorbar([plan["budget"]], [plan["value"]], yerr=[[plan["value"] - plan["ci_low"]],
                [plan["ci_high"] - plan["value"]]], fmt="*", ms=16, color="C3", capsize=3,
                label=f"{meta['base']} as written")
    pareto = f[f["pareto"].astype(bool)]
    ax.step(pareto["budget"], pareto["value"], where="post", color="C0", alpha=0.25, lw=5,
            label="Pareto front (no cheaper budget does better)")
    reach = meta.get("reach")
    if reach and reach["target"] <= 1.5 * f["ci_high"].max():
        ax.axhline(reach["target"], color="k", ls=":", lw=1,
                   label=f"target probability {reach['target']:g}")
    elif reach:  # far above every point: say so rather than squash the chart
        ax.text(0.02, 0.97, f"target probability {reach['target']:g}: not reached up to "
                f"{reach['max_budget']:g} bn VND/yr (off the chart)", transform=ax.transAxes,
                va="top", fontsize=9)
    if reach and reach["reached"]:
        ax.axvline(reach["budget"], color="k", ls=":", lw=1)
    if f["budget"].max() >= 6 * f["budget"].min():
        from matplotlib.ticker import FuncFormatter

        ax.set_xscale("log")
        ax.set_xticks(f["budget"].tolist())
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    ax.set_xlabel(f"yearly budget of {meta.get('plan', 'the plan')}'s instruments (bn VND)")
    labels = (meta.get("targets") or {}).get("labels")
    ax.set_ylabel(objective_label(meta["objective"], meta.get("objective_year"), labels))
    ax.set_title(f"Budget frontier ({meta['profile']}; confirmation: "
                 f"{meta['settings']['confirm_runs']} fresh runs per point)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def shares_figure(best: pd.DataFrame, frontier: pd.DataFrame, meta: dict):
    """The winner's shares against the base's (bars per task group) at the focus
    budget, and the winner's shares at every budget of the frontier.

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = _plt()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(13, 5), constrained_layout=True)
    ids = instruments_of(meta)
    cols = share_cols(ids)
    x = np.arange(len(ids))
    rows = [("winner", "C0"), ("plan", "C3"), ("plan_mix", "0.6")]
    shown = [(best[best["allocation"] == n].iloc[0], c) for n, c in rows
             if (best["allocation"] == n).any()]
    w = 0.8 / len(shown)
    for i, (r, c) in enumerate(shown):
        v = [r[s] for s in cols]
        label = {"winner": "best found" + ("" if r["confirmed"] else
                                           " (not better beyond noise)"),
                 "plan": meta["base"], "plan_mix": f"{meta['base']} shares"}[r["allocation"]]
        bars = a1.bar(x + (i - (len(shown) - 1) / 2) * w, v, w, color=c,
                      label=f"{label} at {r['budget']:g} bn/yr: {r['value']:.3f} "
                            f"({r['ci_low']:.3f}-{r['ci_high']:.3f})")
        for b, share in zip(bars, v, strict=True):
            a1.annotate(f"{share * r['budget']:.2f}", (b.get_x() + b.get_width() / 2, share),
                        ha="center", va="bottom", fontsize=7)
    a1.set_xticks(x, [g.replace("_", "\n", 1) for g in ids], fontsize=8)
    a1.set_ylabel("share of the yearly budget (labels: bn VND/yr)")
    what = objective_label(meta["objective"], None, (meta.get("targets") or {}).get("labels"))
    a1.set_title(f"best allocation found vs {meta['base']} ({what}"
                 f", {int(shown[0][0]['runs'])} fresh runs)", fontsize=10)
    a1.legend(fontsize=8)
    a1.grid(axis="y", alpha=0.3)
    f = frontier.sort_values("budget")
    bottom = np.zeros(len(f))
    pos = np.arange(len(f))
    for g, col in enumerate(cols):
        a2.bar(pos, f[col], bottom=bottom, color=f"C{g}", label=ids[g])
        bottom += f[col].to_numpy()
    a2.set_xticks(pos, [f"{b:g}" + ("" if c else "*") for b, c in
                        zip(f["budget"], f["confirmed"].astype(bool), strict=True)])
    a2.set_xlabel("yearly budget (bn VND); * not better than the base's shares beyond noise")
    a2.set_ylabel("share")
    a2.set_title("best allocation found at each budget", fontsize=10)
    a2.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1, 1))
    return fig

