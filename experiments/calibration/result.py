"""The result of a calibration: the posterior and the tables that describe it.

:class:`CalibrationResult` holds what
:func:`stmarket.experiments.calibration.abc.calibrate` found: the weighted posterior
(:class:`~stmarket.experiments.assessment.posterior.Posterior`, written as
``posterior.csv`` and read back by the assessment), the particles in the unit cube, the
parameters' summary (:func:`summary_table`), the generations, the fit of each statistic
(:func:`fit_table`), and the manifest's content. Charts and the output folder read it
from :mod:`.plots` and :mod:`.write`; this module imports neither.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from stmarket.experiments.assessment.posterior import Posterior
from stmarket.experiments.calibration.observations import Observations, Statistic
from stmarket.experiments.calibration.smc import weighted_quantile


@dataclass
class CalibrationResult:
    """A calibration: the posterior, its tables and what produced it.

    Attributes
    ----------
    posterior : Posterior
    summary : DataFrame
        Per fitted parameter: prior, its range, posterior mean and sd, 5/50/95 %
        quantiles, and shrinkage = 1 - posterior sd / prior sd on the prior's quantile
        scale (the unit cube: linear for uniform priors, log for log-uniform ones).
    generations : DataFrame
        Tolerance, simulations, acceptance rate and effective sample size.
    fit : DataFrame
        Each statistic: observed with its 90 % interval, prior- and
        posterior-predictive median and 90 % interval.

    Its charts are :func:`stmarket.experiments.calibration.plots.calibration_figures`,
    its output folder :func:`stmarket.experiments.calibration.write.write_calibration`.
    """

    observations: Observations
    profile: object
    scenario: object
    posterior: Posterior
    u: np.ndarray
    summary: pd.DataFrame
    generations: pd.DataFrame
    fit: pd.DataFrame
    settings: dict
    prior_stats: np.ndarray
    predictive_stats: np.ndarray
    tolerance: float
    target_reached: bool
    seconds: float

    def text(self, top: int = 10) -> str:
        """A short printable summary."""
        g = self.generations
        s = self.summary.sort_values("shrinkage", ascending=False).head(top)
        lines = [f"calibration of {self.profile.id} on {self.observations.id} "
                 f"({self.scenario.id}): {len(self.posterior.names)} parameters, "
                 f"{int(g['simulations'].sum())} simulations, {len(g) - 1} generations, "
                 f"final tolerance {self.tolerance:.3g}"
                 + ("" if self.target_reached else " (NOT the target 1: posterior too wide)"),
                 "", "most shrunk parameters:",
                 s[["parameter", "prior_low", "prior_high", "mean", "q05", "q95",
                    "shrinkage"]].to_string(index=False, float_format=lambda v: f"{v:.4g}"),
                 "", "fit:",
                 self.fit[["statistic", "role", "observed", "obs_low", "obs_high",
                           "prior_q50", "posterior_q05", "posterior_q50",
                           "posterior_q95"]].to_string(index=False,
                                                       float_format=lambda v: f"{v:.4g}")]
        return "\n".join(lines)

    def manifest(self) -> dict:
        """The manifest's content: the settings, the input files with their SHA-256,
        whether the final tolerance reached 1, simulations and seconds."""

        def h(p):
            return None if p is None else {"path": str(p), "sha256": hashlib.sha256(
                Path(p).read_bytes()).hexdigest()}

        return {"analysis": "calibrate", **self.settings,
                "observations_file": h(self.observations.path),
                "profile_file": h(getattr(self.profile, "path", None)),
                "scenario_file": h(getattr(self.scenario, "path", None)),
                "scenario_based_on": [h(b) for b in getattr(self.scenario, "bases", ())],
                "target_reached": self.target_reached,
                "final_tolerance": self.tolerance,
                "simulations": int(self.generations["simulations"].sum()),
                "seconds": round(self.seconds, 1)}


def summary_table(space, post: Posterior, u: np.ndarray) -> pd.DataFrame:
    """Prior, posterior moments and quantiles, and shrinkage of each fitted parameter."""
    rows = []
    w = post.weights
    for k, n in enumerate(post.names):
        s = space.specs[n]
        x = post.values[:, k]
        m = float(w @ x)
        uk = u[:, k]
        sd_u = math.sqrt(max(0.0, float(w @ (uk - w @ uk) ** 2)))
        q = weighted_quantile(x, w, [0.05, 0.5, 0.95])
        rows.append({"parameter": n, "prior": s.prior, "prior_low": s.low,
                     "prior_high": s.high, "prior_median": s.central, "mean": m,
                     "sd": math.sqrt(max(0.0, float(w @ (x - m) ** 2))), "q05": q[0],
                     "q50": q[1], "q95": q[2],
                     "shrinkage": 1.0 - sd_u / math.sqrt(1.0 / 12.0)})
    return pd.DataFrame(rows)


def fit_table(stats: Sequence[Statistic], prior: np.ndarray, pred: np.ndarray
              ) -> pd.DataFrame:
    """Observed statistics against the prior and posterior predictive."""
    rows = []
    for i, s in enumerate(stats):
        lo, hi = s.interval()
        row = {"statistic": s.id, "kind": s.kind, "indicator": s.indicator
               + (f"/{s.denominator}" if s.denominator else ""), "years": s.years,
               "role": s.role, "status": s.status, "scale": s.scale, "observed": s.value,
               "sd": s.sd, "obs_low": lo, "obs_high": hi}
        for tag, X in (("prior", prior), ("posterior", pred)):
            x = X[:, i][np.isfinite(X[:, i])]
            q = np.quantile(x, [0.05, 0.5, 0.95]) if x.size else [np.nan] * 3
            row.update({f"{tag}_q05": q[0], f"{tag}_q50": q[1], f"{tag}_q95": q[2]})
        rows.append(row)
    return pd.DataFrame(rows)
