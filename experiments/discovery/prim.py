"""Scenario discovery: under which conditions does the plan miss its 2030 targets?

PRIM (the patient rule induction method of Friedman and Fisher, 1999, in EMA Workbench's
implementation :class:`ema_workbench.analysis.prim.Prim`) looks for a *box*, ranges of a few
uncertain parameters, inside which the plan misses a target much more often than in all runs.
A box is judged by its **coverage** (the share of all misses that fall inside it), its
**density** (the share of runs inside it that miss) and its **mass** (the share of runs inside
it), and each of its restrictions by EMA's **quasi-p-value** (Bryant and Lempert 2010): a
one-sided binomial test of whether the box is denser than the same box without that
restriction.

Data
----
A Monte Carlo of one scenario (``plan_2257`` by default) over the priors: the same
Latin-hypercube design and random keys as ``stmarket run`` with the same seed
(:func:`stmarket.experiments.assessment.montecarlo.make_design`), run in the core. ``X``
holds each run's uncertain parameters in their own units (one column each), ``y`` whether
the run misses.

Which misses (the default)
--------------------------
"Misses its 2030 targets" cannot mean *all of them together*, nor *any of them*: the plan
meets every 2030 target in almost no run (digitisation at 80 % is met in about 2 % of runs),
so such a ``y`` is true nearly everywhere and there is nothing to separate. Keeping only the
2030 targets the plan meets in 5-95 % of runs (with 3,000 runs, seed 1: value growth 0.46,
IP share 0.30, intermediary 0.74) does not cure it when they are pooled: missing *any* of
these three happens in 91 % of runs, above a density threshold of 0.8 before PRIM
restricts anything. So by default **each 2030 target whose probability under the scenario
lies in [0.05, 0.95] is analysed on its own** (``y`` = the run misses that target); the
others are listed with the reason they were left out (met in more than 95 % of runs: too
few misses to explain; in fewer than 5 %: missed almost everywhere). ``targets=[...]``
(``--target ID``, repeatable) asks for one analysis instead: ``y`` = the run misses any of
the named targets.

Which box
---------
PRIM peels the box along the trajectory until its mass is 5 % (EMA's defaults: lenient
objective, peeling and pasting 5 % at a time), then pastes. From that trajectory we take the
box with the **highest coverage among those whose density reaches the threshold** (0.8 by
default); if none reaches it, EMA's own selection, the last box. Then, by default, every
restriction whose quasi-p-value exceeds 0.05 is dropped, the least significant first, with
EMA's ``drop_restriction`` (which recomputes the box's statistics and quasi-p-values and
adds it to the trajectory). With over a hundred uncertain parameters and outcomes that
depend as much on the runs' chance as on the parameters, peeling picks up many restrictions
that only fit the noise of this sample (tens of restricted parameters at density 0.8);
pruning keeps the ones the data support. The pruned box may fall below the threshold, and
the result says so (``meets_threshold``). ``prune=False`` (``--no-prune``) keeps PRIM's
box as selected. A second box (``boxes=2``) is EMA's ``find_box`` again on the runs
outside the first.

EMA's own ``threshold`` is set near zero: for a binary ``y`` it only defines the cases of
interest (``y >= threshold``) and makes ``find_box`` discard the trajectory when the last
box is less dense than it; the density threshold is applied here, when selecting.

>>> from stmarket.experiments.discovery.prim import discover                  # doctest: +SKIP
>>> from stmarket.experiments.discovery.write import write_discovery          # doctest: +SKIP
>>> d = discover(runs=3000, seed=1)                             # doctest: +SKIP
>>> d.summary; d.boxes; d.trajectory; d.describe()              # doctest: +SKIP
>>> write_discovery(d, "out/discover")                          # doctest: +SKIP

The charts are drawn by :mod:`stmarket.experiments.discovery.plots` and the output folder
written by :mod:`stmarket.experiments.discovery.write`; this module imports neither.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from stmarket.experiments.discovery.choice import (
    BAND,
    choose_targets,
    outcome_label,
    target_groups,
)
from stmarket.model.errors import InputError
from stmarket.model.profile import Profile
from stmarket.model.scenario import Scenario
from stmarket.model.targets import TargetSet

DEFAULT_RUNS = 3000
DEFAULT_THRESHOLD = 0.8
#: Restrictions with a quasi-p-value above this are dropped when pruning.
ALPHA = 0.05
MIN_RUNS, MAX_RUNS = 100, 100_000
MAX_BOXES = 5
# EMA's threshold: for binary y, y >= it marks the cases of interest; near zero so that
# find_box keeps its trajectory however dense the last box is (see the module docstring).
_EMA_THRESHOLD = 1e-9


def _prim_module():
    """Import EMA's PRIM without its import-time warnings (ipyparallel, altair) and
    without letting seaborn's palette leak into matplotlib's global settings."""
    import matplotlib

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="ipyparallel not installed")
        warnings.filterwarnings("ignore", message="altair based interactive inspection")
        with matplotlib.rc_context():
            from ema_workbench.analysis import prim
    return prim


@contextmanager
def _ema_quiet() -> Iterator[None]:
    """Silence the warnings EMA's own code raises while it runs (pandas deprecations
    of the calls it makes); warnings from anywhere else pass."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"ema_workbench\.")
        yield


# --------------------------------------------------------------------------- PRIM


@dataclass
class Box:
    """One box PRIM found, at the selected point of its trajectory.

    Attributes
    ----------
    number : int
        1 for the first box, 2 for the one found on the runs outside it, ...
    coverage, density, mass : float
        Coverage (of all cases of interest), density and mass (of all points).
    cases, points : int
        Cases of interest and points inside the box.
    limits : DataFrame
        One row per restricted dimension (index ``dimension``): ``low``, ``high`` (the
        data's minimum or maximum on an unrestricted side), ``qp_low``, ``qp_high`` (EMA's
        quasi-p-value of each restricted side; NaN on an unrestricted side).
    trajectory : DataFrame
        ``step, phase (start|peel|paste|prune), coverage, density, mass, res_dim,
        selected``.
    chosen : int
        The trajectory step selected by the density rule, before pruning.
    selected : int
        The step reported (``chosen`` or the last pruning step).
    meets_threshold : bool
        Whether the reported box's density reaches the threshold.
    """

    number: int
    coverage: float
    density: float
    mass: float
    cases: int
    points: int
    limits: pd.DataFrame
    trajectory: pd.DataFrame
    chosen: int
    selected: int
    meets_threshold: bool

    @property
    def n_restricted(self) -> int:
        return int(len(self.limits))


def _check_xy(X: pd.DataFrame, y: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    if not isinstance(X, pd.DataFrame) or X.shape[1] == 0:
        raise ValueError("X must be a DataFrame with at least one column")
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != len(X):
        raise ValueError(f"y must be 1-D with one value per row of X ({len(X)}), "
                         f"got shape {y.shape}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y must be binary (bool or 0/1)")
    y = y.astype(np.int64)
    if y.min() == y.max():
        raise ValueError(f"y must hold both classes, got only {y[0]}")
    Xf = X.reset_index(drop=True).astype(np.float64)
    if not np.isfinite(Xf.to_numpy()).all():
        raise ValueError("X must be finite")
    return Xf, y


def _select(traj: pd.DataFrame, threshold: float) -> int:
    """The step with the highest coverage among those whose density reaches the
    threshold (the earliest if tied); the last step if none does."""
    dens = traj["density"].to_numpy()
    hit = np.flatnonzero(dens >= threshold)
    if hit.size == 0:
        return len(traj) - 1
    return int(hit[np.argmax(traj["coverage"].to_numpy()[hit])])


def _prune(ema_box, i: int, alpha: float) -> int:
    """Drop the least significant restriction while any quasi-p-value exceeds
    ``alpha``; return the final trajectory step."""
    while True:
        qp = _quasi_p(ema_box, i)
        if not qp:
            return i
        worst, dim = max((max(v), d) for d, v in qp.items())
        if worst <= alpha:
            return i
        ema_box.drop_restriction(dim, i=i)
        i = len(ema_box.peeling_trajectory) - 1


def _quasi_p(ema_box, i: int) -> dict:
    """Quasi-p-values of trajectory step ``i``'s restrictions, ``{dimension: [low,
    high]}`` (-1 for a side not restricted). EMA Workbench 2.5 keeps them as ``qp``;
    EMA Workbench 3 computes them on demand."""
    try:
        return ema_box.qp[i]
    except AttributeError:
        from ema_workbench.analysis import scenario_discovery_util as sdu

        dims = sdu._determine_restricted_dims(ema_box.box_lims[i], ema_box.prim.box_init)
        return ema_box._calculate_quasi_p(i, list(dims)) if len(dims) else {}


def _phases(traj: pd.DataFrame, n_found: int) -> list[str]:
    mass = traj["mass"].to_numpy()
    out = []
    for s in range(len(traj)):
        if s == 0:
            out.append("start")
        elif s >= n_found:
            out.append("prune")
        else:
            out.append("peel" if mass[s] < mass[s - 1] else "paste")
    return out


def _box(ema_box, X: pd.DataFrame, number: int, chosen: int, selected: int, n_found: int,
         threshold: float) -> Box:
    t = ema_box.peeling_trajectory
    lims, qp = ema_box.box_lims[selected], _quasi_p(ema_box, selected)
    rows = []
    for d in X.columns:
        if d in qp:
            ql, qh = (float(v) if v >= 0 else math.nan for v in qp[d])
            rows.append((d, float(lims.at[0, d]), float(lims.at[1, d]), ql, qh))
    limits = pd.DataFrame(rows, columns=["dimension", "low", "high", "qp_low", "qp_high"]
                          ).set_index("dimension")
    traj = pd.DataFrame({
        "step": np.arange(len(t)), "phase": _phases(t, n_found),
        "coverage": t["coverage"].to_numpy(float), "density": t["density"].to_numpy(float),
        "mass": t["mass"].to_numpy(float), "res_dim": t["res_dim"].to_numpy(np.int64),
        "selected": np.arange(len(t)) == selected})
    row = t.iloc[selected]
    return Box(number, float(row["coverage"]), float(row["density"]), float(row["mass"]),
               int(row["k"]), int(row["n"]), limits, traj, chosen, selected,
               bool(row["density"] >= threshold))


def prim_boxes(X: pd.DataFrame, y: np.ndarray, threshold: float = DEFAULT_THRESHOLD, *,
               n_boxes: int = 1, prune: bool = True, alpha: float = ALPHA,
               peel_alpha: float = 0.05, paste_alpha: float = 0.05, mass_min: float = 0.05
               ) -> list[Box]:
    """PRIM boxes of the cases of interest ``y`` in the space ``X``.

    Parameters
    ----------
    X : DataFrame
        One row per point, one numeric column per dimension.
    y : ndarray of bool or {0, 1}
        Whether each point is a case of interest; both classes must occur.
    threshold : float
        Density threshold of the selection: the box with the highest coverage among
        those on the trajectory whose density reaches it (else the last box).
    n_boxes : int
        Boxes to find; each after the first is found on the points outside the
        earlier ones. Fewer are returned when no points or cases are left, or when a
        box has no restriction (it holds every point left).
    prune : bool
        Drop restrictions whose quasi-p-value exceeds ``alpha``, least significant first.
    alpha : float
        Significance level of the pruning.
    peel_alpha, paste_alpha, mass_min : float
        EMA's PRIM settings (its defaults).

    Returns
    -------
    list of Box
    """
    X, y = _check_xy(X, y)
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    if n_boxes < 1:
        raise ValueError(f"n_boxes must be at least 1, got {n_boxes}")
    prim = _prim_module()
    with _ema_quiet():
        alg = prim.Prim(X, y, **_ema_settings(prim, peel_alpha, paste_alpha, mass_min))
        left = np.ones(len(y), dtype=bool)
        boxes: list[Box] = []
        for number in range(1, n_boxes + 1):
            if not y[left].any():
                break
            ema_box = alg.find_box()
            if ema_box is None:
                break
            n_found = len(ema_box.peeling_trajectory)
            chosen = _select(ema_box.peeling_trajectory, threshold)
            ema_box.select(chosen)
            selected = _prune(ema_box, chosen, alpha) if prune else chosen
            box = _box(ema_box, X, number, chosen, selected, n_found, threshold)
            boxes.append(box)
            left[ema_box.yi] = False
            if box.n_restricted == 0:
                break
    return boxes


def _ema_settings(prim, peel_alpha: float, paste_alpha: float, mass_min: float) -> dict:
    """EMA's PRIM settings. EMA Workbench 2.5 (Python 3.11) stops a search below a
    density ``threshold``, which we set near zero so that every box is found and our own
    rule selects from its trajectory; EMA Workbench 3 (Python 3.12 and later) has no
    such threshold and always finds a box."""
    import inspect

    kw = {"peel_alpha": peel_alpha, "paste_alpha": paste_alpha, "mass_min": mass_min}
    if "threshold" in inspect.signature(prim.Prim.__init__).parameters:
        kw["threshold"] = _EMA_THRESHOLD
    return kw


# ----------------------------------------------------------------- the plan's misses


def parameter_frame(profile: Profile, P: np.ndarray) -> pd.DataFrame:
    """The uncertain parameters of parameter vectors ``P[n, NP]``, one column each."""

    cols = [profile.space.index(n) for n in profile.space.uncertain]
    return pd.DataFrame(np.asarray(P)[:, cols], columns=list(profile.space.uncertain))


@dataclass
class Outcome:
    """One analysis: the runs that miss any of ``targets``, and the boxes found."""

    name: str
    targets: tuple[str, ...]
    y: np.ndarray
    boxes: list[Box]

    @property
    def base_rate(self) -> float:
        return float(self.y.mean())


def _condition(dim: str, low: float, high: float, lo_r: bool, hi_r: bool) -> str:
    if lo_r and hi_r:
        return f"{low:.3g} < {dim} < {high:.3g}"
    return f"{dim} > {low:.3g}" if lo_r else f"{dim} < {high:.3g}"


@dataclass
class DiscoveryResult:
    """Scenario discovery of one scenario's misses: boxes, trajectories, summary."""

    profile: Profile
    scenario: Scenario
    target_set: TargetSet
    X: pd.DataFrame
    choice: pd.DataFrame
    outcomes: list[Outcome]
    threshold: float
    info: dict = field(default_factory=dict)

    def label(self, outcome: str) -> str:
        """An analysis's name in words: its target's label from the targets file, or
        ``any of <label>, <label>``."""
        o = next(o for o in self.outcomes if o.name == outcome)
        return outcome_label(self.target_set, o.targets)

    def _prior(self, dim: str) -> tuple[float, float]:
        s = self.profile.space.specs[dim]
        return float(s.low), float(s.high)

    @property
    def boxes(self) -> pd.DataFrame:
        """Restricted dimensions of every box, in parameter units: ``outcome, box,
        dimension, low, high, prior_low, prior_high, qp_value, qp_low, qp_high``. An
        unrestricted side shows the prior's bound; ``qp_value`` is the larger
        quasi-p-value of the restricted sides."""
        rows = []
        for o in self.outcomes:
            for b in o.boxes:
                for dim, r in b.limits.iterrows():
                    plo, phi = self._prior(dim)
                    lo_r, hi_r = not math.isnan(r.qp_low), not math.isnan(r.qp_high)
                    qp = max(q for q in (r.qp_low, r.qp_high) if not math.isnan(q))
                    rows.append((o.name, b.number, dim, r.low if lo_r else plo,
                                 r.high if hi_r else phi, plo, phi, qp, r.qp_low, r.qp_high))
        return pd.DataFrame(rows, columns=["outcome", "box", "dimension", "low", "high",
                                           "prior_low", "prior_high", "qp_value", "qp_low",
                                           "qp_high"])

    @property
    def trajectory(self) -> pd.DataFrame:
        """Every box's peeling, pasting and pruning trajectory: ``outcome, box, step,
        phase, coverage, density, mass, res_dim, selected``."""
        frames = [b.trajectory.assign(outcome=o.name, box=b.number)
                  for o in self.outcomes for b in o.boxes]
        cols = ["outcome", "box", "step", "phase", "coverage", "density", "mass", "res_dim",
                "selected"]
        return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(
            columns=cols)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per box: ``outcome, box, coverage, density, mass, n_restricted,
        cases_of_interest, runs`` (cases and runs inside the box), ``base_rate`` (share
        of all runs that miss), ``threshold``, ``meets_threshold``."""
        rows = [(o.name, b.number, b.coverage, b.density, b.mass, b.n_restricted, b.cases,
                 b.points, o.base_rate, self.threshold, b.meets_threshold)
                for o in self.outcomes for b in o.boxes]
        return pd.DataFrame(rows, columns=["outcome", "box", "coverage", "density", "mass",
                                           "n_restricted", "cases_of_interest", "runs",
                                           "base_rate", "threshold", "meets_threshold"])

    def describe(self, outcome: str | None = None, box: int = 1) -> str:
        """A box in words ("the plan misses X when ...: coverage ..., density ...")."""
        o = self.outcomes[0] if outcome is None else next(
            o for o in self.outcomes if o.name == outcome)
        what = o.targets[0] if len(o.targets) == 1 else "any of " + ", ".join(o.targets)
        b = next(b for b in o.boxes if b.number == box)
        if b.n_restricted == 0 and b.number > 1:
            return (f"outside box {b.number - 1}, {self.scenario.id} misses {what} in "
                    f"{b.density:.2f} of the runs left; no restriction of the parameters "
                    f"concentrates them further (quasi-p <= {ALPHA})")
        if b.n_restricted == 0:
            return (f"{self.scenario.id} misses {what} in {o.base_rate:.2f} of runs; no "
                    f"restriction of the parameters makes it significantly more likely "
                    f"(quasi-p <= {ALPHA}): the misses are spread over the priors")
        conds = [_condition(d, r.low, r.high, not math.isnan(r.qp_low),
                            not math.isnan(r.qp_high)) for d, r in b.limits.iterrows()]
        text = (f"{self.scenario.id} misses {what} when {' and '.join(conds)}: coverage "
                f"{b.coverage:.2f}, density {b.density:.2f} (all runs: {o.base_rate:.2f}), "
                f"mass {b.mass:.2f}")
        if not b.meets_threshold:
            text += f" [below the density threshold {self.threshold:g}]"
        return text

    def report(self) -> str:
        """The printed summary: the targets analysed and why, and every box in words."""
        i = self.info
        lines = [f"discover: {self.scenario.id} on {self.profile.id}, {i['runs']} runs "
                 f"(seed {i['seed']}), {self.X.shape[1]} uncertain parameters",
                 "targets (probability met under the scenario):"]
        width = max([28, *(len(x) + 1 for x in self.choice["target"])])
        for r in self.choice.itertuples():
            mark = "analysed" if r.analysed else "left out"
            lines.append(f"  {r.target:<{width}}{r.probability:5.2f}  {mark}: {r.reason}")
        if i.get("default_targets"):
            lines.append(f"each analysed target on its own (y = the run misses it); pooled, "
                         f"missing any of them happens in {i['miss_any']:.2f} of runs")
        lines.append(f"PRIM: the box of highest coverage with density >= {self.threshold:g}"
                     + (f", then restrictions with quasi-p > {ALPHA} dropped"
                        if i.get("prune") else ""))
        for o in self.outcomes:
            for b in o.boxes:
                lines.append(f"  box {b.number}: {self.describe(o.name, b.number)}")
        return "\n".join(lines)

    def manifest(self) -> dict:
        """What ``manifest.json`` records besides the files: the inputs (with their
        hashes), the analyses, the targets' probabilities and the settings."""
        from stmarket.experiments.outputs.folder import sha256, targets_record

        def f(path):
            return {"path": str(path), "sha256": sha256(path)} if path else None

        return {
            "analysis": "discover",
            "inputs": {"profile": f(self.profile.path), "targets": f(self.target_set.path),
                       "scenario": {**(f(self.scenario.path) or {}), "id": self.scenario.id,
                                    "based_on": [f(b) for b in self.scenario.bases]}},
            "targets": targets_record(self.target_set),
            "outcomes": [{"name": o.name, "label": self.label(o.name),
                          "targets": list(o.targets), "base_rate": o.base_rate,
                          "boxes": len(o.boxes)} for o in self.outcomes],
            "target_probabilities": dict(zip(self.choice["target"],
                                             self.choice["probability"].astype(float),
                                             strict=True)),
            "threshold": self.threshold, "alpha": ALPHA, **self.info,
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        """The output folder's tables: ``boxes``, ``trajectory``, ``summary`` (with each
        analysis's ``label``, see :meth:`label`) and ``targets`` (the targets analysed and
        why, with their labels)."""
        summary = self.summary
        summary.insert(1, "label", [self.label(o) for o in summary["outcome"]])
        return {"boxes": self.boxes, "trajectory": self.trajectory,
                "summary": summary, "targets": self.choice}


def _check_args(runs: int, threshold: float, boxes: int) -> None:
    if isinstance(runs, bool) or not isinstance(runs, (int, np.integer)) or \
            not MIN_RUNS <= runs <= MAX_RUNS:
        raise InputError("argument", "--runs", f"must be an integer in [{MIN_RUNS}, "
                                               f"{MAX_RUNS}], got {runs!r}")
    if not 0.0 < threshold <= 1.0:
        raise InputError("argument", "--threshold", f"must be in (0, 1], got {threshold!r}")
    if not 1 <= boxes <= MAX_BOXES:
        raise InputError("argument", "--boxes", f"must be in [1, {MAX_BOXES}], got {boxes!r}")


def discover(*, profile: str | Path | Profile = "bac_kan",
             scenario: str | Path | Scenario = "plan_2257",
             targets: Sequence[str] | None = None, runs: int = DEFAULT_RUNS, seed: int = 1,
             threshold: float = DEFAULT_THRESHOLD, n_threads: int | None = None,
             boxes: int = 1, prune: bool = True,
             target_set: str | Path | TargetSet | None = None) -> DiscoveryResult:
    """Scenario discovery of the runs in which a scenario misses its targets.

    Parameters
    ----------
    profile : str, Path or Profile
    scenario : str, Path or Scenario
    targets : sequence of str, optional
        Target ids of ``target_set``: one analysis of the runs that miss any of them. By
        default each target of the plan's final year met in 5-95 % of runs is analysed on
        its own (module docstring).
    runs : int
        Runs of the Monte Carlo (the first ``runs`` of ``stmarket run``'s sequence).
    seed : int
        Seed of the design and of every run's random key.
    threshold : float
        Density threshold of the box selection.
    n_threads : int, optional
        numba threads; results do not depend on it.
    boxes : int
        Boxes per analysis (the second is found on the runs outside the first).
    prune : bool
        Drop restrictions whose quasi-p-value exceeds 0.05.
    target_set : str, Path or TargetSet, optional
        The targets scored: a bundled targets file's name, a path or a loaded set (with
        changed pass marks); the profile's by default. Checked against the profile's years.

    Returns
    -------
    DiscoveryResult
    """
    from stmarket.experiments.analysis.evaluation import evaluate, now
    from stmarket.experiments.assessment.montecarlo import make_design
    from stmarket.model import load_profile, load_scenario, load_targets
    from stmarket.model.core import check_seed

    started = now()
    _check_args(runs, threshold, boxes)
    seed = check_seed(seed)
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    ts = target_set if isinstance(target_set, TargetSet) else load_targets(
        target_set or prof.targets, years=prof.years)
    named = target_groups(targets, ts)
    t0 = time.perf_counter()
    design = make_design(prof, int(runs), seed)
    res = evaluate(prof, ts, design.P, sc.lever_runs(prof.years, seed, design.runs),
                   design.seeds, design.runs, n_threads=n_threads)
    t_runs = time.perf_counter() - t0
    choice = choose_targets(ts, res.met, named)
    ids = list(choice.loc[choice["analysed"], "target"])
    if not ids:
        raise InputError("argument", "--target", f"no {choice['year'].max()} target is met "
                         f"in {BAND[0]:.0%}-{BAND[1]:.0%} of runs; name targets with --target")
    groups = [(t,) for t in ids] if named is None else [tuple(ids)]
    miss = ~res.met[:, [ts.ids.index(t) for t in ids]]
    X = parameter_frame(prof, design.P)
    outcomes = []
    t0 = time.perf_counter()
    for g in groups:
        y = miss[:, [ids.index(t) for t in g]].any(axis=1)
        if y.all() or not y.any():
            raise InputError("argument", "--target", f"{' or '.join(g)}: missed in "
                             f"{'every' if y.all() else 'no'} run, nothing to explain")
        outcomes.append(Outcome("|".join(g), g, y, prim_boxes(X, y, threshold, n_boxes=boxes,
                                                              prune=prune)))
    info = {"runs": int(runs), "seed": seed, "boxes": boxes, "prune": prune,
            "default_targets": named is None, "miss_any": float(miss.any(axis=1).mean()),
            "workers": n_threads, "seconds_runs": round(t_runs, 3),
            "seconds_prim": round(time.perf_counter() - t0, 3), "started": started,
            "finished": now()}
    return DiscoveryResult(prof, sc, ts, X, choice, outcomes, float(threshold), info)
