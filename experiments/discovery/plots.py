"""Charts of a scenario discovery (plotting only): the PRIM peeling trade-off and the
box limits.

:func:`discovery_figures` draws both for a
:class:`~stmarket.experiments.discovery.prim.DiscoveryResult`. matplotlib is imported
when a chart is drawn. :mod:`stmarket.experiments.discovery.prim` never imports this
module.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np

from stmarket.experiments.discovery.prim import DiscoveryResult


def discovery_figures(result: DiscoveryResult) -> dict[str, object]:
    """The peeling trade-off (``tradeoff``) and the box limits (``box_limits``).

    Returns
    -------
    dict of str to matplotlib.figure.Figure
    """
    return {"tradeoff": tradeoff_figure(result), "box_limits": box_limits_figure(result)}


def _what(result: DiscoveryResult, outcome) -> str:
    """An analysis's name in a panel's title: its targets' labels, wrapped."""
    return textwrap.fill(result.label(outcome.name), 60)


def _panels(result: DiscoveryResult):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    panels = [(o, b) for o in result.outcomes for b in o.boxes]
    ncols = min(3, max(1, len(panels)))
    nrows = max(1, math.ceil(len(panels) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.0 * ncols, 4.2 * nrows), squeeze=False,
                             constrained_layout=True)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    return fig, list(zip(axes.flat, panels, strict=False))


def tradeoff_figure(result: DiscoveryResult):
    """Coverage against density along each box's trajectory, coloured by the number of
    restricted dimensions (as EMA's ``show_tradeoff``); squares are pruning steps, the
    triangle the box chosen by the density rule, the ring the box reported."""
    import matplotlib as mpl

    fig, panels = _panels(result)
    top = max([int(b.trajectory["res_dim"].max()) for _, (_, b) in panels] + [1])
    cmap = mpl.colormaps["viridis"].resampled(top + 1)
    norm = mpl.colors.BoundaryNorm(np.arange(-0.5, top + 1.5), cmap.N)
    for ax, (o, b) in panels:
        t = b.trajectory
        for prune, marker in ((False, "o"), (True, "s")):
            part = t[(t["phase"] == "prune") == prune]
            ax.scatter(part["coverage"], part["density"], c=part["res_dim"], cmap=cmap,
                       norm=norm, marker=marker, s=22 if not prune else 30,
                       edgecolors="k" if prune else "none", linewidths=0.5)
        ch, sel = t.iloc[b.chosen], t.iloc[b.selected]
        ax.scatter([ch["coverage"]], [ch["density"]], marker="^", s=90, facecolors="none",
                   edgecolors="tab:orange", linewidths=1.5, label="density rule")
        ax.scatter([sel["coverage"]], [sel["density"]], s=170, facecolors="none",
                   edgecolors="tab:red", linewidths=1.8, label="reported")
        ax.axhline(result.threshold, ls="--", color="grey", lw=1, label="threshold")
        ax.axhline(o.base_rate, ls=":", color="grey", lw=1, label="all runs")
        ax.set(xlim=(0, 1.02), ylim=(0, 1.02), xlabel="coverage", ylabel="density",
               title=f"misses {_what(result, o)}: box {b.number}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower left")
    fig.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=cmap), ax=[a for a, _ in panels],
                 label="restricted dimensions", ticks=range(0, top + 1, max(1, top // 10)))
    fig.suptitle(f"{result.scenario.id}: PRIM peeling trade-off "
                 f"({result.info.get('runs')} runs)")
    return fig


def _unit(spec, x: float) -> float:
    """Position of x in its prior (the prior's cumulative probability)."""
    if spec.prior == "loguniform":
        u = math.log(x / spec.low) / math.log(spec.high / spec.low)
    else:
        u = (x - spec.low) / (spec.high - spec.low)
    return min(1.0, max(0.0, u))


def box_limits_figure(result: DiscoveryResult):
    """Each box's restrictions as ranges within the priors (the prior's cumulative
    probability from 0 to 1), labelled in parameter units, with quasi-p-values."""
    fig, panels = _panels(result)
    table = result.boxes
    for ax, (o, b) in panels:
        rows = table[(table["outcome"] == o.name) & (table["box"] == b.number)]
        ax.set_title(f"misses {_what(result, o)}: box {b.number}\ncoverage "
                     f"{b.coverage:.2f}, density {b.density:.2f} (all runs "
                     f"{o.base_rate:.2f}), mass {b.mass:.2f}", fontsize=9)
        ax.set_xlim(-0.02, 1.02)
        ax.set_xlabel("position in the prior (cumulative probability)")
        if rows.empty:
            ax.text(0.5, 0.5, "no significant restriction:\nthe box is the whole space",
                    ha="center", va="center", transform=ax.transAxes)
            ax.set_yticks([])
            continue
        labels = []
        for j, r in enumerate(rows.itertuples()):
            spec = result.profile.space.specs[r.dimension]
            lo, hi = _unit(spec, r.low), _unit(spec, r.high)
            ax.plot([0, 1], [j, j], color="0.85", lw=8, solid_capstyle="butt")
            ax.plot([lo, hi], [j, j], color="tab:red", lw=8, solid_capstyle="butt")
            for v, u, side in ((r.low, lo, r.qp_low), (r.high, hi, r.qp_high)):
                if not math.isnan(side):
                    ax.annotate(f"{v:.3g}", (u, j), textcoords="offset points",
                                xytext=(0, 7), ha="center", fontsize=7)
            labels.append(f"{r.dimension}\n(qp {r.qp_value:.2g})")
        ax.set_yticks(range(len(labels)), labels, fontsize=7)
        ax.set_ylim(-0.7, len(labels) - 0.3)
        ax.invert_yaxis()
    fig.suptitle(f"{result.scenario.id}: where the misses concentrate")
    return fig
