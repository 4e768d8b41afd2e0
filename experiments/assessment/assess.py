"""The Monte Carlo assessment of the plan's targets: the Python API behind
``stmarket run`` and ``stmarket compare``.

>>> from stmarket.experiments.assessment.assess import assess                       # doctest: +SKIP
>>> a = assess(["no_programme", "plan_2257"], runs=2000, seed=1)  # doctest: +SKIP
>>> a.targets()            # probabilities with Wilson 95 % intervals and run counts
>>> a.comparisons()        # paired comparisons against the first scenario
>>> a.fan()                # the fan charts' numbers

The charts, the report and the output folder are drawn and written by
:mod:`stmarket.experiments.reports` (``fan_chart(a)``, ``write_assessment(a, "out")``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from stmarket.experiments.assessment import attribution as _attribution
from stmarket.experiments.assessment import readings as _readings
from stmarket.experiments.assessment.calibration_status import calibration_status
from stmarket.experiments.assessment.likelihood import with_likelihood
from stmarket.experiments.assessment.montecarlo import ALL, MonteCarlo, MonteCarloResult, Progress
from stmarket.experiments.outputs import folder as output
from stmarket.model.errors import InputError
from stmarket.model.profile import Profile, load_profile
from stmarket.model.scenario import Scenario, load_scenario
from stmarket.model.targets import TargetSet, load_targets
from stmarket.model.world import World, load_world

DEFAULT_SCENARIOS = ("no_programme", "plan_2257")
#: Default stopping rule: every interval within +-0.02, at most 20,000 runs.
DEFAULT_HALF_WIDTH = 0.02
DEFAULT_MAX_RUNS = 20_000
LANGS = ("en", "vi")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _file_hash(path: Path | None) -> str | None:
    if path is None:
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass
class Assessment:
    """A finished Monte Carlo of several scenarios on the same runs.

    Attributes
    ----------
    result : MonteCarloResult
        The runs, their indicators and verdicts.
    seed : int
    workers : int
        numba threads used (the results do not depend on it).
    stopping : dict or None
        ``{half_width, max_runs, reached}`` if the stopping rule chose the number
        of runs.
    started, finished : str
        ISO times.
    """

    result: MonteCarloResult
    seed: int
    workers: int
    stopping: dict | None = None
    n_seeds: int = 1
    posterior: str | None = None
    attribution_runs: int | None = None
    started: str = ""
    #: a run from a stated year (:mod:`.fromyear`): its meta, and its history targets
    start: dict | None = None
    history: pd.DataFrame | None = None
    finished: str = ""
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def profile(self) -> Profile:
        return self.result.profile

    @property
    def target_set(self) -> TargetSet:
        return self.result.targets

    @property
    def world(self) -> World:
        return self.result.world

    @property
    def scenarios(self) -> list[Scenario]:
        return self.result.scenarios

    @property
    def n_runs(self) -> int:
        return self.result.n_runs

    def targets(self) -> pd.DataFrame:
        """Probability of every target and of all together, with Wilson 95 %
        intervals and the estimate in words (the key of the IPCC AR6 likelihood scale,
        :mod:`~stmarket.experiments.assessment.likelihood`):
        ``scenario,target,year,threshold,probability,ci_low,ci_high,runs,likelihood``."""
        if "targets" not in self._cache:
            t = with_likelihood(self.result.target_table())
            if self.profile.areas.areas:  # a profile with areas: which were scored, merger?
                m = self.profile.areas.meta()
                t["area"] = "+".join(m["scored_areas"])
                t["merger"] = ("on" if m["merger"] else "off") if m["merger_declared"] \
                    else "none"
            self._cache["targets"] = t
        return self._cache["targets"].copy()

    def readings(self) -> pd.DataFrame:
        """Every reading of every target, and P(all) under each combination of readings,
        on the same runs (:func:`~stmarket.experiments.assessment.readings.reading_table`)."""
        if "readings" not in self._cache:
            self._cache["readings"] = _readings.reading_table(self.result)
        return self._cache["readings"].copy()

    def met_count(self) -> pd.DataFrame:
        """Distribution of the number of targets met per run: ``scenario,targets_met,
        probability``."""
        return _readings.met_count_table(self.result)

    def met_count_mean(self) -> pd.DataFrame:
        """Mean number of targets met per run with its 95 % interval, beside P(all)."""
        return _readings.met_count_mean(self.result)

    def attribution(self) -> pd.DataFrame:
        """The drop in each target's probability when each task group is left out of the
        reference plan, on the first runs of the same sequence
        (:func:`~stmarket.experiments.assessment.attribution.attribution_table`; empty
        when ``attribution_runs`` is 0 or no scenario has a budget)."""
        if "attribution" not in self._cache:
            n = self.attribution_runs
            if n == 0:
                out = pd.DataFrame(columns=list(_attribution.ATTRIBUTION_COLUMNS))
                out.attrs.update(plan=None, runs=0)
            else:
                out = _attribution.attribution_table(self.result, runs=n,
                                                     n_threads=self.workers or None)
            self._cache["attribution"] = out
        out = self._cache["attribution"]
        copy = out.copy()
        copy.attrs.update(out.attrs)
        return copy

    def budgets(self) -> pd.DataFrame:
        """The yearly budget of every instrument (task group) of each scenario's plan
        (billion VND, what is spent): ``scenario,task_group,year,budget``."""
        rows = []
        years = self.profile.years
        for s in self.scenarios:
            b = s.instrument_budgets(years)
            rows += [(s.id, g, int(y), float(b[i, j])) for i, g in enumerate(s.plan.ids)
                     for j, y in enumerate(years)]
        out = pd.DataFrame(rows, columns=["scenario", "task_group", "year", "budget"])
        out.attrs["titles"] = {k: v for s in self.scenarios for k, v in s.plan.titles.items()}
        return out

    def comparisons(self, reference: str | None = None) -> pd.DataFrame:
        """Each scenario (``a``) against the reference (``b``; the first scenario by
        default), paired over the same runs: ``a_only``/``b_only`` runs, the exact
        McNemar p-value, and the difference in probability (a minus b) with its
        95 % interval."""
        return self.result.comparisons(reference)

    def value_difference(self, reference: str | None = None) -> pd.DataFrame:
        """Distribution over paired runs of each scenario's nominal transaction
        value minus the reference's, by year."""
        return self.result.value_difference_table(reference)

    def fan(self) -> pd.DataFrame:
        """Quantiles (5, 25, 50, 75, 95 %) of the targets' indicators by scenario
        and year."""
        if "fan" not in self._cache:
            self._cache["fan"] = self.result.fan()
        return self._cache["fan"].copy()

    def runs(self, scenario: str | None = None) -> pd.DataFrame:
        """One row per run and year: scenario, run, sample, replicate, seed, year,
        the sampled parameters and every indicator."""
        ids = [scenario] if scenario else [s.id for s in self.scenarios]
        return pd.concat([self.result.runs_frame(s) for s in ids], ignore_index=True)

    def summary(self) -> str:
        """Plain-text target table and comparisons, for the terminal."""
        return format_summary(self)

    def meta(self) -> dict:
        """What the report and the manifest say about this assessment."""
        import numba

        return {
            "title": self.target_set.name,
            "profile": self.profile.name,
            "profile_vi": self.profile.name_vi,
            "scenarios": [{"id": s.id, "name": s.name, "name_vi": s.name_vi,
                           "plan": s.plan.id} for s in self.scenarios],
            "runs": self.n_runs,
            "seed": self.seed,
            "seeds_per_sample": self.n_seeds,
            "posterior": self.posterior,
            "calibration": calibration_status(self.posterior),
            "world": self._world_meta(),
            "stopping": self.stopping,
            "from_year": self.start,
            "version": output.versions()["stmarket"],
            "commit": output.git_commit(),
            "started": self.started,
            "finished": self.finished,
            "workers": int(self.workers or numba.config.NUMBA_NUM_THREADS),
            "areas": self.profile.areas.meta(),
        }

    def _world_meta(self) -> dict:
        w = {"id": self.world.id, "name": self.world.name, "name_vi": self.world.name_vi}
        if self.posterior:
            f = Path(self.posterior).name
            w["name"] += f"; the parameters fitted in {f} drawn from that posterior"
            w["name_vi"] += f"; các tham số đã hiệu chỉnh trong {f} lấy từ phân phối hậu nghiệm"
        return w

    def manifest(self) -> dict:
        """Provenance: versions, commit, seeds, hashes of every input file."""
        m = self.meta()
        m.pop("title")
        m["inputs"] = {
            "profile": {"path": str(self.profile.path), "sha256": _file_hash(self.profile.path)},
            "targets": {"path": str(self.target_set.path),
                        "sha256": _file_hash(self.target_set.path)},
            "world": {"path": str(self.world.path) if self.world.path else None,
                      "sha256": _file_hash(self.world.path)},
            "scenarios": {s.id: {"path": str(s.path), "sha256": _file_hash(s.path),
                                 "based_on": [{"path": str(b), "sha256": _file_hash(b)}
                                              for b in s.bases],
                                 "plan": {"path": str(s.plan.path),
                                          "sha256": _file_hash(s.plan.path)}}
                          for s in self.scenarios},
        }
        m["thresholds"] = {t.id: t.threshold for t in self.target_set.targets}
        if self.posterior:
            m["inputs"]["posterior"] = {"path": self.posterior,
                                        "sha256": _file_hash(Path(self.posterior))}
        m["versions"] = output.versions()
        return m

    def run_chunks(self, chunk: int = 2000):
        """The rows of :meth:`runs`, scenario by scenario, in chunks of ``chunk`` runs."""
        for s in self.scenarios:
            for a in range(0, self.n_runs, chunk):
                yield self.result.runs_frame(s.id, a, a + chunk)


def _as_list(x, loader):
    return [x_ if not isinstance(x_, (str, Path)) else loader(x_) for x_ in x]


def assess(scenarios: Sequence[str | Path | Scenario] = DEFAULT_SCENARIOS, *,
           profile: str | Path | Profile = "bac_kan",
           targets: str | Path | TargetSet | None = None,
           world: str | Path | World | None = None,
           runs: int | None = None,
           half_width: float = DEFAULT_HALF_WIDTH,
           max_runs: int = DEFAULT_MAX_RUNS,
           seed: int = 1, n_seeds: int = 1, workers: int | None = None,
           research_origin_threshold: float | None = None,
           posterior: str | Path | None = None,
           attribution_runs: int | None = None,
           merger: bool | None = None, area: str | Sequence[str] | None = None,
           progress: Progress | None = None) -> Assessment:
    """Monte Carlo of scenarios on common random numbers, scored against the targets.

    Parameters
    ----------
    scenarios : sequence of str, Path or Scenario
        Bundled names, TOML paths or loaded scenarios. The first is the reference
        of the paired comparisons.
    profile : str, Path or Profile
    targets : str, Path or TargetSet, optional
        The profile's targets by default.
    world : str, Path or World, optional
        Setting of the uncertain parameters: ``"priors"`` (default),
        ``"pessimistic"``, ``"optimistic"`` or a file.
    runs : int, optional
        A fixed number of runs per scenario. Without it, the stopping rule adds runs
        until every 95 % interval's half-width is at most ``half_width`` or
        ``max_runs`` is reached.
    seed : int
        Seed of the design and of every run.
    n_seeds : int
        Seed replicates per parameter sample.
    workers : int, optional
        Threads (all cores by default). Results do not depend on it.
    research_origin_threshold : float, optional
        Threshold of the research-origin target of the plan's final year
        (:meth:`TargetSet.research_origin_id`).
    posterior : str or Path, optional
        A ``posterior.csv`` from ``stmarket calibrate``: the parameters it fitted
        are drawn from the posterior (one particle per sample, resampled by weight as
        a pure function of the seed and the sample), the others from the priors.
    attribution_runs : int, optional
        Paired runs of each task group left out of the reference plan
        (:meth:`Assessment.attribution`, computed when first asked for): 0 for none;
        by default ``ATTRIBUTION_RUNS`` (1,000) or all runs if fewer.
    merger : bool, optional
        For a profile with a ``[merger]``: False runs the counterfactual "no merger"
        (each area its own market to the end); True or None, the merger as declared.
        The manifest and ``targets()`` record which was used.
    area : str or sequence of str, optional
        Score the buyers of these areas only (the former Bắc Kạn's targets on the
        ``bac_kan`` area of a merged profile); the whole province by default.
    progress : callable(done, total), optional

    Returns
    -------
    Assessment
    """
    started = _now()
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    if merger is not None:
        prof = prof.with_merger(merger)
    if area is not None:
        prof = prof.with_area(area)
    ts = targets if isinstance(targets, TargetSet) else load_targets(
        targets or prof.targets, years=prof.years)
    if research_origin_threshold is not None:
        ts = ts.with_threshold(ts.research_origin_id(), research_origin_threshold)
    w = world if isinstance(world, World) else load_world(world, prof.space.uncertain)
    scs = _as_list(scenarios, load_scenario)
    ids = [s.id for s in scs]
    if len(set(ids)) != len(ids):
        raise InputError("argument", "SCENARIO", f"each scenario once, got {', '.join(ids)}")
    if runs is not None and not 1 <= runs <= 10_000_000:
        raise InputError("argument", "--runs", f"must be in [1, 10000000], got {runs}")
    if runs is None:
        if not 0 < half_width < 0.5:
            raise InputError("argument", "--half-width", f"must be in (0, 0.5), got {half_width}")
        if not 1 <= max_runs <= 10_000_000:
            raise InputError("argument", "--max-runs",
                             f"must be in [1, 10000000], got {max_runs}")
    check_memory(prof, len(scs), runs if runs is not None else max_runs,
                 "--runs" if runs is not None else "--max-runs")
    if not 1 <= n_seeds <= 10_000:
        raise InputError("argument", "--seeds-per-sample",
                         f"must be in [1, 10000], got {n_seeds}")
    if attribution_runs is not None and not 0 <= attribution_runs <= 10_000_000:
        raise InputError("argument", "--attribution-runs",
                         f"must be in [0, 10000000], got {attribution_runs}")
    post = None
    if posterior is not None:
        from stmarket.experiments.assessment.posterior import load_posterior

        post = load_posterior(posterior, prof)
    mc = MonteCarlo(prof, scs, ts, seed=seed, n_seeds=n_seeds, world=w, n_threads=workers,
                    posterior=post)
    stopping = None
    if runs is not None:
        mc.extend(runs, progress=progress)
    else:
        reached = mc.run_until(half_width, max_runs, progress=progress)
        stopping = {"half_width": half_width, "max_runs": max_runs, "reached": reached}
    return Assessment(mc.result(), seed=seed, workers=workers or 0, stopping=stopping,
                      n_seeds=n_seeds, posterior=str(posterior) if posterior else None,
                      attribution_runs=attribution_runs, started=started, finished=_now())


#: Bytes held per run and scenario beyond the yearly accumulators: indicators, verdicts,
#: and the copies made while scoring and writing (measured: about 6 kB a run and scenario
#: at 10 years, see benchmarks/assess.py).
_BYTES_PER_YEAR = 8 * 120


def memory_needed(profile: Profile, n_scenarios: int, n_runs: int) -> int:
    """Rough peak bytes of an assessment: the yearly accumulators, indicators and
    tables of every run of every scenario."""
    from stmarket.model import kernels as K

    per_run = profile.n_years * (K.NY * 8 + _BYTES_PER_YEAR) + len(profile.space.names) * 8
    return int(n_scenarios * n_runs * per_run)


def check_memory(profile: Profile, n_scenarios: int, n_runs: int, key: str) -> None:
    """Refuse, before any work, a run count whose results cannot fit in memory."""
    import os

    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return
    need = memory_needed(profile, n_scenarios, n_runs)
    if need > 0.7 * total:
        most = int(0.7 * total / max(1, memory_needed(profile, n_scenarios, 1)))
        raise InputError("argument", key, f"{n_runs} runs of {n_scenarios} scenarios need about "
                                          f"{need / 2**30:.0f} GiB; this machine allows about "
                                          f"{most} runs; use fewer runs or scenarios")


def pivot_targets(table: pd.DataFrame) -> pd.DataFrame:
    """Targets as rows, one ``p (low-high)`` column per scenario."""
    t = table.copy()
    t["cell"] = [f"{p:.2f} ({lo:.2f}-{hi:.2f})" for p, lo, hi in
                 zip(t.probability, t.ci_low, t.ci_high, strict=True)]
    order = list(dict.fromkeys(t.target))
    wide = t.pivot(index="target", columns="scenario", values="cell")
    return wide.loc[order, list(dict.fromkeys(t.scenario))]


def format_summary(a: Assessment) -> str:
    """Terminal summary: the target table, then the paired comparisons."""
    lines = []
    n = a.n_runs
    how = f"{n} run{'s' if n != 1 else ''} per scenario"
    if a.stopping:
        st = a.stopping
        how += f" (stopping rule: every half-width <= {st['half_width']:g}"
        how += ")" if st["reached"] else f", NOT reached at the cap of {st['max_runs']})"
    world = a._world_meta()["name"]
    lines.append(f"{a.profile.name}; world: {world}; seed {a.seed}; {how}")
    lines.append("Probability that each target is met, with its 95 % interval:")
    lines.append(pivot_targets(a.targets()).to_string())
    if len(a.scenarios) > 1:
        cmp = a.comparisons()
        for (sa, sb), g in cmp.groupby(["a", "b"], sort=False):
            lines.append("")
            lines.append(f"Paired comparison, {sa} against {sb} (same {n} runs):")
            show = g[["target", "a_only", "b_only", "difference", "ci_low", "ci_high",
                      "mcnemar_p"]].copy()
            lines.append(show.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
            m, lo, hi = a.result.targets_met(sa, sb)
            ci = f"{lo:+.2f} to {hi:+.2f}" if np.isfinite(lo) else "no interval from one run"
            lines.append(f"targets met per run, {sa} minus {sb}: {m:+.2f} ({ci})")
    return "\n".join(lines)


__all__ = ["ALL", "Assessment", "assess", "format_summary", "pivot_targets"]
