"""Charts of a calibration (plotting only): the marginal posteriors and the fit, from a
:class:`~stmarket.experiments.calibration.result.CalibrationResult`. matplotlib is
imported when a chart is drawn. The algorithm modules never import this one.
"""

from __future__ import annotations

import math

import numpy as np

from stmarket.experiments.calibration.result import CalibrationResult


def calibration_figures(result: CalibrationResult, top: int = 12) -> dict[str, object]:
    """The charts of a calibration: ``marginals`` (the marginal posteriors of the
    ``top`` most-shrunk parameters) and ``fit`` (each statistic against the prior and
    posterior predictive), as matplotlib figures.

    Returns
    -------
    dict mapping each chart's name (the stem of its file) to its figure.
    """
    return {"marginals": marginals_figure(result, top), "fit": fit_figure(result)}


def marginals_figure(result: CalibrationResult, top: int = 12):
    """Weighted histograms of the most-shrunk parameters on the prior's quantile scale
    (the prior is flat at 1 there); ticks give the parameter's values."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    s = result.summary.reset_index(drop=True)
    order = s["shrinkage"].sort_values(ascending=False).index[:top]
    ncol = 4
    nrow = max(1, math.ceil(len(order) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.2 * ncol, 2.5 * nrow),
                             constrained_layout=True, squeeze=False)
    space = result.profile.space
    for ax, k in zip(axes.flat, order, strict=False):
        name = s.loc[k, "parameter"]
        ax.hist(result.u[:, k], bins=20, range=(0, 1), weights=result.posterior.weights,
                density=True, color="C0", alpha=0.7, label="posterior")
        ax.axhline(1.0, color="k", ls="--", lw=1, label="prior")
        ticks = np.array([0.0, 0.5, 1.0])
        ax.set_xticks(ticks, [f"{v:.3g}" for v in space.specs[name].ppf(ticks)])
        log = " (log)" if s.loc[k, "prior"] == "loguniform" else ""
        ax.set_title(f"{name}{log}\nshrinkage {s.loc[k, 'shrinkage']:.2f}", fontsize=9)
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[len(order):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"Posterior vs prior: {result.observations.id} on {result.profile.id}")
    return fig


def fit_figure(result: CalibrationResult):
    """Each statistic: the observation's 90 % interval against the prior and
    posterior predictive medians and 90 % intervals."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    f = result.fit
    fig, axes = plt.subplots(len(f), 1, figsize=(8, 1.3 * len(f) + 0.8),
                             constrained_layout=True, squeeze=False)
    for ax, (_, r) in zip(axes[:, 0], f.iterrows(), strict=True):
        bars = [("observed", r["obs_low"], r["observed"], r["obs_high"], "k"),
                ("prior pred.", r["prior_q05"], r["prior_q50"], r["prior_q95"], "C7"),
                ("posterior pred.", r["posterior_q05"], r["posterior_q50"],
                 r["posterior_q95"], "C0")]
        for y, (_label, lo, mid, hi, c) in enumerate(bars):
            ax.plot([lo, hi], [y, y], color=c, lw=4, alpha=0.6)
            ax.plot([mid], [y], "o", color=c)
        ax.set_yticks(range(3), [b[0] for b in bars], fontsize=8)
        ax.set_ylim(-0.6, 2.6)
        if r["scale"] == "log":
            ax.set_xscale("log")
        ax.set_title(f"{r['statistic']}: {r['indicator']} {r['years']} ({r['status']}, "
                     f"{r['role']})", fontsize=9, loc="left")
        ax.grid(alpha=0.3, axis="x")
    fig.suptitle("Observed (90 % interval) vs predictive (median, 90 % interval)")
    return fig

