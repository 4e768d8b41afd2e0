"""Charts of a sensitivity analysis (plotting only): Sobol and Morris indices per outcome,
and the seed-noise shares.

:func:`sensitivity_figures` draws a result's charts; the others draw from its tables.
matplotlib is imported when a chart is drawn. The analysis's modules never import this
one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from stmarket.experiments.sensitivity.result import SensitivityResult


def sensitivity_figures(result: SensitivityResult, top: int = 8) -> dict[str, object]:
    """The charts of an analysis: its indices per outcome (``sobol_indices`` or
    ``morris_indices``, the ``top`` inputs of each outcome, with why an outcome is not
    ranked), and the noise shares (``noise_share``).

    Returns
    -------
    dict of str to matplotlib.figure.Figure
    """
    notes = {o: w for o, w in result.ranked_outcomes().items() if w}
    labels = {o: result.label(o) for o in result.outcomes}
    main = (sobol_figure(result.indices, top, notes, labels) if result.method == "sobol"
            else morris_figure(result.indices, top, notes, labels))
    return {f"{result.method}_indices": main,
            "noise_share": noise_figure(result.noise, labels)}


def _grid(n: int, ncols: int, w: float, h: float):
    import matplotlib.pyplot as plt

    nrows = max(1, math.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(w * ncols, h * nrows),
                             constrained_layout=True, squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes.flat


_KIND_COLOR = {"parameter": "C0", "lever": "C3"}


def _title(ax, outcome: str, empty: bool, notes: Mapping[str, str] | None,
           labels: Mapping[str, str] | None = None) -> None:
    note = (notes or {}).get(outcome, "")
    name = (labels or {}).get(outcome, outcome)
    if empty:
        ax.set_title(f"{name} (constant)", fontsize=8, color="0.5")
    elif note:
        ax.set_title(f"{name}\nnot ranked: {note}", fontsize=6.5, color="0.4")
    else:
        ax.set_title(name, fontsize=8)


def sobol_figure(indices: pd.DataFrame, top: int = 8, notes: Mapping[str, str] | None = None,
                 labels: Mapping[str, str] | None = None):
    """S1 and ST with their 95 % intervals for the ``top`` inputs (by ST) of each
    outcome; levers' names in red; ``notes`` (outcome -> why it is not ranked) and
    ``labels`` (outcome -> its label, e.g. a target's from its targets file) in the
    titles."""
    outs = list(dict.fromkeys(indices["outcome"]))
    fig, axes = _grid(len(outs), 4, 4.2, 0.35 * top + 1.2)
    for ax, o in zip(axes, outs, strict=False):
        d = indices[indices["outcome"] == o].dropna(subset=["ST"])
        d = d.sort_values(["ST", "input"], ascending=[False, True]).head(top)[::-1]
        y = np.arange(len(d))
        ax.barh(y + 0.2, d["ST"], 0.4, xerr=d["ST_conf"], color="C1", label="ST", capsize=2)
        ax.barh(y - 0.2, d["S1"], 0.4, xerr=d["S1_conf"], color="C0", label="S1", capsize=2)
        ax.set_yticks(y, d["input"], fontsize=7)
        for tick, kind in zip(ax.get_yticklabels(), d["kind"], strict=True):
            tick.set_color(_KIND_COLOR[kind])
        ax.axvline(0, color="k", lw=0.5)
        _title(ax, o, not len(d), notes, labels)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
    axes[0].legend(fontsize=7, loc="lower right")
    fig.suptitle("Sobol indices on the per-sample means (95 % bootstrap intervals); "
                 "levers in red")
    return fig


def morris_figure(indices: pd.DataFrame, top: int = 8, notes: Mapping[str, str] | None = None,
                  labels: Mapping[str, str] | None = None):
    """mu* against sigma for every input of each outcome, the ``top`` named; levers in
    red; ``notes`` (outcome -> why it is not ranked) and ``labels`` (outcome -> its
    label) in the titles."""
    outs = list(dict.fromkeys(indices["outcome"]))
    fig, axes = _grid(len(outs), 4, 4.0, 3.4)
    for ax, o in zip(axes, outs, strict=False):
        d = indices[indices["outcome"] == o].dropna(subset=["mu_star"])
        for kind, c in _KIND_COLOR.items():
            k = d[d["kind"] == kind]
            ax.scatter(k["mu_star"], k["sigma"], s=12, color=c, label=kind)
        for r in d.sort_values("mu_star", ascending=False).head(top).itertuples():
            ax.annotate(r.input, (r.mu_star, r.sigma), fontsize=6,
                        textcoords="offset points", xytext=(3, 2))
        _title(ax, o, not len(d), notes, labels)
        ax.set_xlabel("mu*", fontsize=7)
        ax.set_ylabel("sigma", fontsize=7)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle("Morris screening on the per-sample means (effects per unit of each "
                 "input's quantile range)")
    return fig


def noise_figure(noise: pd.DataFrame, labels: Mapping[str, str] | None = None):
    """Share of a single run's variance that comes from the seeds, per outcome (named by
    ``labels``, outcome -> label, where given)."""
    import matplotlib.pyplot as plt

    d = noise[::-1]
    fig, ax = plt.subplots(figsize=(7.5, 0.3 * len(d) + 2.0), constrained_layout=True)
    y = np.arange(len(d))
    ax.barh(y, d["noise_share"].fillna(0), color="C7", label="share of a single run's variance")
    ax.plot(d["means_noise_share"], y, "k|", ms=10, mew=2,
            label="share of the variance of a mean over the seeds (independent keys)")
    for yi, v in zip(y, d["noise_share"], strict=True):
        if v == v:
            ax.annotate(f"{v:.2f}", (min(v, 0.93), yi), xytext=(3, -3),
                        textcoords="offset points", fontsize=7)
    ax.set_yticks(y, [(labels or {}).get(o, o) for o in d["outcome"]], fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of variance from the seeds (the rest: parameters and levers)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=1)
    n = noise.iloc[0] if len(noise) else None
    what = f"{int(n['samples'])} points x {int(n['seeds'])} seeds" if n is not None else ""
    ax.set_title(f"Seed noise against parameter and lever uncertainty ({what})", fontsize=9)
    return fig
