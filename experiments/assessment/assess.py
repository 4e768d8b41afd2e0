"""The Monte Carlo assessment of the plan's targets: the Python API behind
``stmarket run`` and ``stmarket compare``.

>>> from stmarket.experiments.assessment.assess import assess                       # doctest: +SKIP
>>> a = assess(["no_programme", "plan_2257"], runs=2000, seed=1)  # doctest: +SKIP
>>> a.targets()            # probabilities with Wilson 95 % intervals and run counts
>>> a.comparisons()        # paired comparisons against the first scenario
>>> a.fan()                # the fan charts' numbers
>>> print(a.summary(lang="vi"))  # what ``stmarket run --lang vi`` prints, in Vietnamese

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
from stmarket.experiments.assessment import likelihood as lk
from stmarket.experiments.assessment import readings as _readings
from stmarket.experiments.assessment.calibration_status import calibration_status
from stmarket.experiments.assessment.likelihood import with_likelihood
from stmarket.experiments.assessment.montecarlo import ALL, MonteCarlo, MonteCarloResult, Progress
from stmarket.experiments.outputs import folder as output
from stmarket.experiments.reports import i18n
from stmarket.experiments.reports.words import t as _w
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

    def summary(self, lang: str = "en") -> str:
        """The summary that ``stmarket run`` prints, in ``lang`` (``"en"`` or ``"vi"``).

        >>> print(a.summary(lang="vi"))                                  # doctest: +SKIP

        See :func:`format_summary`.
        """
        return format_summary(self, lang)

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


# ---- the summary in words (the console's text: ``stmarket run`` prints it) ---------------


def _name(a: Assessment, tid: str, lang: str) -> str:
    """Target ids in English (as in the CSV files); in Vietnamese each target's label from
    its targets file (``label_vi``), and the string table's for all targets together."""
    if lang == "en":
        return tid
    ts = a.target_set
    return i18n.target_label(ts.get(tid) if tid in ts.ids else tid, lang)


def _targets_text(a: Assessment, lang: str) -> str:
    tab = a.targets()
    tab["cell"] = [f"{i18n.prob_interval(p, lo, hi, lang)} {lk.describe(p, lang)}"
                   for p, lo, hi in zip(tab.probability, tab.ci_low, tab.ci_high, strict=True)]
    wide = tab.pivot(index="target", columns="scenario", values="cell")
    wide = wide.loc[list(dict.fromkeys(tab.target)), list(dict.fromkeys(tab.scenario))]
    wide.index = [_name(a, x, lang) for x in wide.index]
    wide.columns.name = None
    return wide.to_string()


def _comparisons_text(a: Assessment, lang: str) -> list[str]:
    lines: list[str] = []
    for (sa, sb), g in a.comparisons().groupby(["a", "b"], sort=False):
        lines += ["", _w("con.paired", lang, a=sa, b=sb, n=i18n.integer(a.n_runs, lang))]
        show = pd.DataFrame({
            _w("col.target", lang): [_name(a, x, lang) for x in g.target],
            _w("col.a_only", lang): g.a_only.to_numpy(),
            _w("col.b_only", lang): g.b_only.to_numpy(),
            _w("col.difference", lang): [
                i18n.signed_interval(d, lo, hi, lang, 3)
                for d, lo, hi in zip(g.difference, g.ci_low, g.ci_high, strict=True)],
            _w("col.mcnemar_p", lang): [i18n.pvalue(p, lang) for p in g.mcnemar_p]})
        lines.append(show.to_string(index=False))
        m, lo, hi = a.result.targets_met(sa, sb)
        ci = (_w("range_to", lang, lo=i18n.number(lo, lang, sign=True),
                 hi=i18n.number(hi, lang, sign=True)) if np.isfinite(lo)
              else _w("con.no_interval", lang))
        lines.append(_w("con.met_diff", lang, a=sa, b=sb,
                        m=i18n.number(m, lang, sign=True), ci=ci))
    return lines


def _headline_text(a: Assessment, lang: str) -> list[str]:
    r = a.readings()
    allr = r[r.target == ALL].set_index(["scenario", "reading"]).probability
    lines = [""]
    for row in a.met_count_mean().itertuples(index=False):
        sc = row.scenario
        lines.append(_w("con.met_mean", lang, scenario=sc, m=i18n.number(row.mean, lang),
                        n=row.targets, lo=i18n.number(row.ci_low, lang),
                        hi=i18n.number(row.ci_high, lang),
                        p=i18n.prob(allr[(sc, "as_scored")], lang),
                        ps=i18n.prob(allr[(sc, "strictest")], lang),
                        pl=i18n.prob(allr[(sc, "most_lenient")], lang)))
    return lines


def _attribution_text(a: Assessment, lang: str) -> list[str]:
    attr = a.attribution()
    if not len(attr):
        return []
    cells = attr.assign(cell=[f"{d:+.2f}{'*' if lo > 0 or hi < 0 else ''}" for d, lo, hi in
                              zip(attr.difference, attr.ci_low, attr.ci_high, strict=True)])
    if lang == "vi":
        cells["cell"] = cells["cell"].str.replace(".", ",", regex=False)
    wide = cells.pivot(index="target", columns="task_group", values="cell")
    order = [x for x in [*a.target_set.ids, ALL] if x in wide.index]
    wide = wide.loc[order, list(dict.fromkeys(attr.task_group))]
    wide.index = [_name(a, x, lang) for x in wide.index]
    wide.columns.name = None
    return ["", _w("con.attr", lang, plan=attr.attrs.get("plan"),
                   runs=i18n.integer(int(attr.attrs.get("runs", 0)), lang)), wide.to_string()]


def format_summary(a: Assessment, lang: str = "en") -> str:
    """The summary of an assessment in ``lang``: what ``stmarket run`` prints.

    Each target's probability with its 95 % interval and its likelihood in words, the
    paired comparisons with the first scenario, the targets met per run and P(all) under
    the readings, and the task groups' attribution (computed here if not yet, unless
    ``attribution_runs`` is 0). The wording is the string tables'
    (:mod:`stmarket.experiments.reports.words`, :mod:`~stmarket.experiments.reports.i18n`);
    the numbers are the same in both languages, written with a decimal point in English
    and a decimal comma in Vietnamese.

    Parameters
    ----------
    a : Assessment
    lang : {"en", "vi"}

    Returns
    -------
    str

    Raises
    ------
    ValueError
        For a language other than ``"en"`` and ``"vi"``.
    """
    i18n._check_lang(lang)
    how = _w("con.runs", lang, n=i18n.integer(a.n_runs, lang))
    if a.stopping:
        st = a.stopping
        hw = i18n.plain(st["half_width"], lang)
        how += (_w("con.stop", lang, hw=hw) if st["reached"] else
                _w("con.capped", lang, hw=hw, cap=i18n.integer(int(st["max_runs"]), lang)))
    world = a._world_meta()["name_vi" if lang == "vi" else "name"]
    profile = a.profile.name_vi if lang == "vi" and a.profile.name_vi else a.profile.name
    lines = [_w("con.head", lang, profile=profile, world=world, seed=a.seed, how=how)]
    areas = i18n.areas_sentence(a.profile.areas.meta(), lang)
    if areas:
        lines.append(areas)
    lines += [_w("con.targets", lang), _targets_text(a, lang)]
    if len(a.scenarios) > 1:
        lines += _comparisons_text(a, lang)
    lines += _headline_text(a, lang)
    lines += _attribution_text(a, lang)
    return "\n".join(lines)


__all__ = ["ALL", "Assessment", "assess", "format_summary", "pivot_targets"]
