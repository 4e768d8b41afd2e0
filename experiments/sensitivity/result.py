"""The result of a sensitivity analysis: its indices, noise shares and ranking.

:class:`SensitivityResult` holds the tables an analysis produced and reads them: which
outcomes can be ranked (:meth:`~SensitivityResult.ranked_outcomes`: not those whose
per-point means are more seed noise than signal, nor targets met in almost no run or
almost every run), the inputs ranked by their largest index, the most influential inputs
per outcome as text, and the tables and manifest of the output folder. It neither draws
nor writes: the charts are in :mod:`stmarket.experiments.sensitivity.plots`, the folder
in :mod:`stmarket.experiments.sensitivity.write`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from stmarket.experiments.sensitivity.problem import Problem

#: Outcomes whose per-point values vary in fewer points than this share are not ranked.
MIN_VARYING = 0.05
#: Outcomes whose per-point means are more than this share seed noise are not ranked.
MAX_MEANS_NOISE = 0.5


@dataclass
class SensitivityResult:
    """Indices, noise shares and the ranking of one analysis.

    Attributes
    ----------
    method : str
    problem : Problem
    indices : DataFrame
        Sobol: ``method, outcome, input, kind, S1, S1_conf, ST, ST_conf``; Morris:
        ``method, outcome, input, kind, mu_star, mu_star_conf, sigma, mu``.
    noise : DataFrame
        See :func:`~stmarket.experiments.sensitivity.replicates.noise_table`.
    info : dict
        Design, sizes, timings and the model's description (goes to the manifest).
    """

    method: str
    problem: Problem
    indices: pd.DataFrame
    noise: pd.DataFrame
    info: dict = field(default_factory=dict)

    @property
    def outcomes(self) -> list[str]:
        return list(dict.fromkeys(self.indices["outcome"]))

    def ranked_outcomes(self, min_varying: float = MIN_VARYING,
                        max_noise: float = MAX_MEANS_NOISE) -> pd.Series:
        """Why each outcome is or is not used in :meth:`ranking` ('' if it is).

        Not ranked: an outcome whose per-point values vary in fewer than ``min_varying``
        of the points (a target met in almost no run or almost every run: its indices
        rest on a few points), or whose per-point means are mostly seed noise
        (``means_noise_share`` above ``max_noise``: the indices would then describe the
        seeds, and under common random numbers they credit the noise to the inputs that
        reshuffle a run's random path; more ``seeds`` make such an outcome usable).
        """
        vary = self.indices.groupby("outcome", sort=False)["varying_share"].first()
        noise = self.noise.set_index("outcome")["means_noise_share"].reindex(vary.index)
        col = "ST" if self.method == "sobol" else "mu_star"
        empty = self.indices.groupby("outcome", sort=False)[col].apply(
            lambda x: x.isna().all())
        why = pd.Series("", index=vary.index, dtype=object)
        why[noise > max_noise] = [f"noise-dominated: {v:.0%} of the per-point means' "
                                  "variance is seed noise" for v in noise[noise > max_noise]]
        why[vary < min_varying] = [f"varies in {v:.1%} of points"
                                   for v in vary[vary < min_varying]]
        why[empty] = "constant"
        return why

    def ranking(self, kind: str | None = None, min_varying: float = MIN_VARYING,
                max_noise: float = MAX_MEANS_NOISE) -> pd.DataFrame:
        """Inputs ranked by their largest index over the outcomes.

        The score is the largest ``ST`` (Sobol) or ``mu_star_rel`` (Morris: mu* in
        standard deviations of the outcome's per-point means) over the outcomes that
        :meth:`ranked_outcomes` keeps.

        Columns: ``rank, input, kind, score, conf`` (the index's 95 % half-width there),
        ``outcome`` (where the largest index is), ``S1`` there (Sobol), ``measure``.
        ``kind`` keeps one kind.

        A large ST with S1 near 0 is an interaction, or, on a noisy outcome under common
        random numbers, seed noise credited to an input that reshuffles a run's random
        path; the analysis with independent keys tells them apart.
        """
        col, conf = ("ST", "ST_conf") if self.method == "sobol" else ("mu_star_rel",
                                                                      "mu_star_conf")
        keep = self.ranked_outcomes(min_varying, max_noise)
        keep = keep.index[keep == ""]
        df = self.indices[self.indices["outcome"].isin(keep)].dropna(subset=[col])
        if kind is not None:
            df = df[df["kind"] == kind]
        df = df.assign(score=df[col], conf=df[conf])
        if self.method == "morris":
            df["conf"] = df[conf] * df[col] / df["mu_star"].where(df["mu_star"] > 0)
        best = df.loc[df.groupby("input", sort=False)["score"].idxmax()]
        best = best.sort_values(["score", "input"], ascending=[False, True])
        best.insert(0, "rank", np.arange(1, len(best) + 1))
        best["measure"] = f"max {col}"
        cols = ["rank", "input", "kind", "score", "conf", "outcome", "measure"]
        if self.method == "sobol":
            cols.insert(6, "S1")
        return best[cols].reset_index(drop=True)

    def top(self, outcome: str, k: int = 3, kind: str | None = None) -> pd.DataFrame:
        """The k most influential inputs of one outcome (by ST or mu*)."""
        col = "ST" if self.method == "sobol" else "mu_star"
        df = self.indices[self.indices["outcome"] == outcome].dropna(subset=[col])
        if kind is not None:
            df = df[df["kind"] == kind]
        return df.sort_values([col, "input"], ascending=[False, True]).head(k)

    def summary(self, k: int = 3) -> str:
        """The k most influential inputs per outcome and overall, as text."""
        col, conf = ("ST", "ST_conf") if self.method == "sobol" else ("mu_star", "mu_star_conf")
        i = self.info
        crn = "common random numbers" if i.get("common_random_numbers") else "independent keys"
        lines = [f"{self.method}: {self.problem.D} inputs; {i.get('points')} points x "
                 f"{i.get('seeds')} seeds ({crn}) + {i.get('noise_samples')} x "
                 f"{i.get('seeds')} for the noise share = {i.get('runs')} runs",
                 f"top {k} inputs by {col} (+- 95 % bootstrap half-width); [noise share of "
                 "a single run's variance]"]
        width = max(len(o) for o in self.outcomes)
        noise = self.noise.set_index("outcome")["noise_share"]
        why = self.ranked_outcomes()
        for o in self.outcomes:
            t = self.top(o, k)
            items = ", ".join(f"{r.input} {getattr(r, col):.3g}+-{getattr(r, conf):.2g}"
                              for r in t.itertuples()) or "no indices"
            note = f" ({why[o]}: not ranked)" if why[o] else ""
            lines.append(f"  {o:<{width}}  [{noise.get(o, np.nan):.2f}]  {items}{note}")
        for kind, what in ((None, "inputs"), ("parameter", "parameters"), ("lever", "levers")):
            r = self.ranking(kind).head(k)
            if len(r):
                lines.append(f"most influential {what} ({r['measure'].iloc[0]} over outcomes): "
                             + ", ".join(f"{x.input} {x.score:.3g} ({x.outcome})"
                                         for x in r.itertuples()))
        return "\n".join(lines)

    def label(self, outcome: str) -> str:
        """An outcome's label: ``P(<label>)`` for a target's, the label from its targets
        file (``info["outcome_labels"]``); else the outcome's name."""
        return (self.info.get("outcome_labels") or {}).get(outcome, outcome)

    def tables(self) -> dict[str, pd.DataFrame]:
        """``indices``, ``noise`` (with each outcome's ``label``, and ``ranked`` and
        ``not_ranked_because``, see :meth:`ranked_outcomes`) and ``ranking`` (with
        ``outcome_label``)."""
        why = self.ranked_outcomes().reindex(self.noise["outcome"]).fillna("").to_numpy()
        noise = self.noise.assign(ranked=why == "", not_ranked_because=why)
        noise.insert(1, "label", [self.label(o) for o in noise["outcome"]])
        ranking = self.ranking()
        ranking.insert(ranking.columns.get_loc("outcome") + 1, "outcome_label",
                       [self.label(o) for o in ranking["outcome"]])
        return {"indices": self.indices, "noise": noise, "ranking": ranking}

    def manifest(self) -> dict:
        """What ``manifest.json`` records besides the files: the design, sizes and
        timings (``info``), the inputs and SALib's version."""
        from importlib import metadata

        return {"analysis": "sensitivity", **self.info,
                "inputs": [vars(x) for x in self.problem.inputs],
                "salib": metadata.version("SALib"),
                "note": "indices are computed on the per-sample means over the seed "
                        "replicates, i.e. on the parameters' part of the variance; "
                        "noise.csv gives the seeds' part"}
