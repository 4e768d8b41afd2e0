"""The ``stmarket`` command line.

Commands: ``run`` and ``compare`` (the Monte Carlo assessment), ``single`` (one
seeded run), ``sweep`` (batch sweeps, resumable, on processes or Dask),
``sensitivity``, ``discover``, ``optimise``, ``calibrate`` (the analyses),
``dashboard`` (the Solara app) and ``validate`` (data files).

Exit codes: 0 ok, 2 bad input or usage (one line naming the file, the key and
what is allowed), 1 failure, 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from stmarket.experiments.cli.argtypes import (
    add_force,
    add_target_args,
    check_workers,
    folder,
    load_targets_from_args,
    seed,
    target_marks,
    targets_for_later,
)
from stmarket.model.errors import InputError

DEFAULT_SCENARIOS = ["no_programme", "plan_2257"]
#: Analysis commands: each module provides ``add_parser(sub)`` and ``run_cli(args)``.
ANALYSES = ("sensitivity", "discover", "optimise", "calibrate", "dashboard")


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2."""

    def error(self, message: str) -> None:  # noqa: D102
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def _pos_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if not 1 <= v <= 10_000_000:
        raise argparse.ArgumentTypeError(f"must be in [1, 10000000], got {text!r}")
    return v


def _count(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}") from None
    if not 0 <= v <= 10_000_000:
        raise argparse.ArgumentTypeError(f"must be in [0, 10000000], got {text!r}")
    return v


def _half_width(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number in (0, 0.5), got {text!r}") from None
    if not 0.0 < v < 0.5:
        raise argparse.ArgumentTypeError(f"must be in (0, 0.5), got {text!r}")
    return v

def _year(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a year such as 2026, got {text!r}") from None
    if not 1990 <= v <= 2100:
        raise argparse.ArgumentTypeError(f"must be a year in [1990, 2100], got {text!r}")
    return v


def _add_common(r: argparse.ArgumentParser) -> None:
    r.add_argument("--profile", default="bac_kan", help="province profile (default: bac_kan)")
    r.add_argument("--seed", type=seed, default=1, help="random seed (default: 1)")
    add_target_args(r)
    r.add_argument("--merger", choices=("on", "off"), default=None,
                   help="for a profile with a [merger] (a merged province): 'on' (default) "
                        "merges the areas' markets from the merger month, an assumption the "
                        "report labels; 'off' is the counterfactual 'no merger'")
    r.add_argument("--area", action="append", default=None, metavar="AREA",
                   help="score the buyers of this area of the profile only (repeat for "
                        "several), e.g. --area bac_kan for the 2257 targets on a merged "
                        "profile (default: the whole province)")


def _add_monte_carlo(r: argparse.ArgumentParser, out_default: str) -> None:
    _add_common(r)
    n = r.add_mutually_exclusive_group()
    n.add_argument("--runs", type=_pos_int, default=None,
                   help="runs per scenario; without it the stopping rule decides")
    n.add_argument("--half-width", type=_half_width, default=None,
                   help="stopping rule: add runs until every 95%% interval's half-width is "
                        "at most this (default: 0.02)")
    r.add_argument("--max-runs", type=_pos_int, default=None,
                   help="stopping rule's cap on runs per scenario (default: 20000)")
    r.add_argument("--seeds-per-sample", type=_pos_int, default=1, metavar="K",
                   help="random seeds per parameter sample: a run is (sample, seed), and "
                        "runs = samples x K (default: 1)")
    r.add_argument("--world", default="priors",
                   help="setting of the uncertain parameters: priors, pessimistic, "
                        "optimistic, or a TOML file (default: priors)")
    r.add_argument("--posterior", default=None, metavar="FILE",
                   help="posterior.csv from 'stmarket calibrate': draw the parameters it "
                        "fitted from the posterior instead of the priors")
    r.add_argument("--from-year", type=_year, default=None, metavar="YEAR",
                   help="start from YEAR (e.g. 2026): before it every scenario spends as "
                        "--history, and targets before it are history, checked against "
                        "what is reported instead of forecast")
    r.add_argument("--history", default=None, metavar="SCENARIO",
                   help="with --from-year: what was spent before it (default: plan_2257, "
                        "the plan as implemented)")
    r.add_argument("--observations", default=None, metavar="FILE",
                   help="with --from-year: what was reported (default: the bundled "
                        "observations named like the profile, if any)")
    r.add_argument("--workers", type=_pos_int, default=None,
                   help="threads to run on (default: all cores); results do not depend on it")
    r.add_argument("--out", type=folder, default=Path(out_default),
                   help="output folder (default: %(default)s)")
    add_force(r)
    r.add_argument("--lang", choices=("en", "vi"), default="en",
                   help="language of the report (default: en)")
    r.add_argument("--no-parquet", action="store_true",
                   help="do not write runs.parquet (one row per run and year)")
    r.add_argument("--attribution-runs", type=_count, default=None, metavar="N",
                   help="paired runs of the plan with each task group left out "
                        "(attribution.csv); 0 for none (default: 1000, or all runs if fewer)")
    r.add_argument("--drivers", default=None, metavar="FOLDER",
                   help="a 'stmarket sensitivity' output folder: its ranking goes into the "
                        "report in plain words (default: OUT/sensitivity if it holds one)")
    bar = r.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None,
                     help="show a progress bar (default: when the terminal is interactive)")
    bar.add_argument("--no-progress", dest="progress", action="store_false")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="stmarket", description=(
        "Agent-based simulator of a provincial S&T market: are the targets of "
        "Decision 2257/QĐ-UBND reachable, and with which mix of task groups?"))
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    r = sub.add_parser(
        "run", help="Monte Carlo of scenarios: the probability of each target",
        description="Monte Carlo of scenarios (default: no_programme and plan_2257) over "
                    "parameter uncertainty and seeds, on common random numbers: the "
                    "probability of each target with its 95 % interval, paired comparisons "
                    "against the first scenario, each task group left out of the plan "
                    "(attribution), fan charts, and a report in --out.")
    r.add_argument("scenarios", nargs="*", metavar="SCENARIO", default=DEFAULT_SCENARIOS,
                   help="bundled scenario names or TOML paths; the first is the reference "
                        "(default: %(default)s)")
    _add_monte_carlo(r, "out")

    c = sub.add_parser(
        "compare", help="paired comparison of scenarios on the same runs",
        description="Monte Carlo of two or more scenarios on the same runs; each later "
                    "scenario is compared with the first (the reference): runs where only "
                    "one meets a target (McNemar), the difference in probability with its "
                    "interval, and the distribution of the difference in transaction value. "
                    "Differences are each later scenario minus the first: in "
                    "'compare plan_2257 plan_without_tg4_intermediary' a negative "
                    "difference is what task group 4 adds to the plan.")
    c.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                   help="two or more scenarios; the first is the reference")
    _add_monte_carlo(c, "out/compare")

    s = sub.add_parser("single", help="one seeded run of each scenario (an illustration)",
                       description="One seeded run of each scenario with the parameters at "
                                   "their prior medians: yearly indicators, target verdicts "
                                   "and a chart in --out.")
    s.add_argument("scenarios", nargs="*", metavar="SCENARIO", default=DEFAULT_SCENARIOS,
                   help="bundled scenario names or TOML paths (default: %(default)s)")
    _add_common(s)
    s.add_argument("--out", type=folder, default=Path("out/single"),
                   help="output folder (default: %(default)s)")
    s.add_argument("--lang", choices=("en", "vi"), default="en",
                   help="language of the chart (default: en)")
    add_force(s)

    w = sub.add_parser(
        "sweep", help="run a sweep design: many runs, crash-safe, parallel or on Dask",
        description="Run the runs of a sweep design (factorial, Latin hypercube or Sobol over "
                    "levers, parameters and seeds) into --out in chunks written atomically. "
                    "After a crash or kill, the same command with --resume computes only the "
                    "missing chunks. Summaries (target probabilities with intervals, quantiles "
                    "of indicators by year, for each design point) go to --out/summary.")
    w.add_argument("design", metavar="DESIGN", help="bundled design name or TOML path")
    w.add_argument("--out", type=folder, required=True, help="output folder")
    where = w.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_pos_int, default=None,
                       help="worker processes on this machine (default: all cores)")
    where.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="address of a Dask scheduler, e.g. tcp://10.0.0.5:8786")
    w.add_argument("--resume", action="store_true",
                   help="finish the sweep already in --out (nothing is computed twice; "
                        "with the same target options)")
    add_target_args(w, default="the design's sweep.targets, else the profile's")
    wbar = w.add_mutually_exclusive_group()
    wbar.add_argument("--progress", dest="progress", action="store_true", default=None,
                      help="show a progress bar (default: when the terminal is interactive)")
    wbar.add_argument("--no-progress", dest="progress", action="store_false")

    for name in ANALYSES:
        importlib.import_module(f"stmarket.experiments.cli.{name}").add_parser(sub)

    v = sub.add_parser("validate", help="check profile, scenario, world, sweep, observations "
                                        "or targets files",
                       description="Validate data files; each is recognised by its top-level "
                                   "table ([profile], [scenario], [world], [sweep], "
                                   "[observations], [plan] for targets or [programme] for "
                                   "a plan's instruments).")
    v.add_argument("files", nargs="+", type=Path, metavar="FILE")
    v.add_argument("--profile", default=None,
                   help="profile whose years scenarios and targets files are checked against "
                        "(default: bac_kan for scenarios; a profile's own targets file is "
                        "always checked against its years)")
    return p


class _Bar:
    """A tqdm progress bar on stderr, fed as ``progress(done, total)``."""

    def __init__(self, enabled: bool, what: str) -> None:
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=0, unit="run", desc=what, file=sys.stderr, leave=False,
                            dynamic_ncols=True)

    def __call__(self, done: int, total: int) -> None:
        if self.bar is not None:
            self.bar.total = total
            self.bar.n = done
            self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def cmd_monte_carlo(args: argparse.Namespace) -> int:

    from stmarket.experiments.assessment.assess import DEFAULT_HALF_WIDTH, DEFAULT_MAX_RUNS, assess

    if args.command == "compare" and len(args.scenarios) < 2:
        raise InputError("argument", "SCENARIO", "compare needs two or more scenarios")
    check_workers(args.workers)
    if args.runs is not None and args.max_runs is not None:
        raise InputError("argument", "--max-runs", "caps the stopping rule; not allowed with "
                                                   "--runs (a fixed number of runs)")
    from stmarket.experiments.outputs.folder import OUTPUTS, claim
    from stmarket.model import load_profile

    claim(args.out, args.command, force=args.force, outputs=OUTPUTS)
    if args.drivers is not None and not (Path(args.drivers) / "ranking.csv").is_file():
        raise InputError("argument", "--drivers", f"{args.drivers} holds no ranking.csv; "
                                                  "give a 'stmarket sensitivity' output folder")
    profile = load_profile(args.profile)
    targets = load_targets_from_args(args, profile)
    start = None
    scenarios = args.scenarios
    if args.from_year is not None:  # a run from a stated year: a shared history
        from stmarket.experiments.assessment.fromyear import prepare_args

        targets, scenarios, start = prepare_args(args, profile, targets)
    elif args.history is not None or args.observations is not None:
        raise InputError("argument", "--history" if args.history else "--observations",
                         "only with --from-year")
    show = sys.stderr.isatty() if args.progress is None else args.progress
    bar = _Bar(show, "runs")
    try:
        a = assess(scenarios, profile=profile, targets=targets,
                   world=args.world, runs=args.runs,
                   half_width=args.half_width or DEFAULT_HALF_WIDTH,
                   max_runs=args.max_runs or DEFAULT_MAX_RUNS,
                   seed=args.seed, n_seeds=args.seeds_per_sample, workers=args.workers,
                   posterior=args.posterior, progress=bar,
                   attribution_runs=args.attribution_runs,
                   merger=None if args.merger is None else args.merger == "on",
                   area=args.area)
    finally:
        bar.close()
    if start is not None:
        a.start, a.history = start.meta(), start.history_table()
        print(start.line(), flush=True)
        if len(a.history):
            print(a.history.to_string(index=False), flush=True)
    from stmarket.experiments.reports.words import t as words

    print(a.summary(args.lang), flush=True)
    from stmarket.experiments.reports.write import write_assessment

    files = write_assessment(a, args.out, lang=args.lang, parquet=not args.no_parquet,
                             drivers=args.drivers, command=args.command, force=args.force)
    print("\n" + words("con.written", args.lang, out=args.out, files=", ".join(files)))
    return 0


def _sweep_design(args: argparse.Namespace):
    """The sweep's design with ``--targets`` (a bundled file kept by its name, any other
    file by its absolute path) and the pass marks changed, all part of its hash."""
    from stmarket.experiments.sweeps.design import SweepPlan, load_design

    design = load_design(args.design)
    if args.targets is None and not args.target_thresholds and \
            args.research_origin_threshold is None:
        return design
    if args.targets is not None:
        design = design.with_targets(targets_for_later(args.targets))
    return design.with_targets(thresholds=target_marks(args, SweepPlan.load(design).targets))


def cmd_sweep(args: argparse.Namespace) -> int:
    import os
    import time

    from stmarket.experiments.outputs.folder import check_folder, folder_owner
    from stmarket.experiments.sweeps.runner import run_sweep

    if args.scheduler is not None and not args.scheduler.strip():
        raise InputError("argument", "--scheduler", "must be an address such as "
                                                    "tcp://host:8786, got an empty string")
    owner, _ = folder_owner(check_folder(args.out))
    if owner not in (None, "sweep"):
        which = f"'stmarket {owner}'" if owner != "unknown" else "another program"
        raise InputError(args.out, "--out", f"holds the results of {which} (manifest.json); "
                                            "'stmarket sweep' does not write there: choose "
                                            "another folder")
    design = _sweep_design(args)
    workers = args.workers or os.cpu_count() or 1
    show = sys.stderr.isatty() if args.progress is None else args.progress
    bar = _Bar(show, "runs")
    t0 = time.perf_counter()
    try:
        res = run_sweep(design, args.out, workers=workers, scheduler=args.scheduler,
                        resume=args.resume, progress=bar)
    finally:
        bar.close()
    m = res.manifest
    where = f"Dask scheduler {args.scheduler}" if args.scheduler else f"{workers} worker(s)"
    print(f"sweep {m['design']['id']}: {m['n_runs']} runs at {m['n_points']} design points in "
          f"{m['n_chunks']} chunks, {m['failed_runs']} failed; {where}; "
          f"{time.perf_counter() - t0:.1f} s")
    print(f"summary: {args.out / 'summary'} (targets.csv, quantiles.csv, points.csv, "
          f"failures.csv); runs: {args.out / 'chunks'}")
    return 0


def cmd_single(args: argparse.Namespace) -> int:
    import pandas as pd

    from stmarket.experiments.assessment.single import format_run, run_scenarios
    from stmarket.experiments.outputs.folder import claim, targets_record, write_folder
    from stmarket.experiments.reports.i18n import t
    from stmarket.experiments.reports.plots import single_run_figure
    from stmarket.model import load_profile, load_scenario

    outputs = ("single_indicators.csv", "single_targets.csv", "single_run.png")
    claim(args.out, "single", force=args.force, outputs=outputs)
    profile = load_profile(args.profile)
    if args.merger is not None:
        profile = profile.with_merger(args.merger == "on")
    if args.area is not None:
        profile = profile.with_area(args.area)
    targets = load_targets_from_args(args, profile)
    scenarios = [load_scenario(s) for s in args.scenarios]
    print(f"{profile.name}: {profile.n_buyers} buyers, {profile.EI0.shape[0] - profile.n_buyers}"
          f" vendors, {profile.RI0.shape[0]} research organisations; "
          f"{profile.start_year}-{profile.end_year}; seed {args.seed}; parameters at their "
          f"prior medians", flush=True)
    runs = run_scenarios(profile, scenarios, targets, seed=args.seed)
    for run in runs:
        print()
        print(format_run(run))
    name = profile.name_vi if args.lang == "vi" and profile.name_vi else profile.name
    fig = single_run_figure(runs, targets, lang=args.lang,
                            title=t("single.title", args.lang, profile=name, seed=args.seed))
    indicators = pd.concat([r.indicators.rename_axis("year").reset_index()
                            .assign(scenario=r.scenario.id) for r in runs], ignore_index=True)
    indicators = indicators[["scenario", *[c for c in indicators if c != "scenario"]]]
    verdicts = pd.concat([r.verdicts for r in runs], ignore_index=True)
    manifest = {"profile": profile.name, "seed": args.seed, "lang": args.lang,
                "scenarios": [s.id for s in scenarios], "parameters": "prior medians",
                "thresholds": {tg.id: tg.threshold for tg in targets.targets},
                "targets": targets_record(targets)}
    files = write_folder(args.out, {"single_indicators": indicators,
                                    "single_targets": verdicts},
                         {"single_run": fig}, manifest, command="single", force=args.force)
    print(f"\nwritten to {args.out}: {', '.join(files)}")
    print("One run is one draw of an uncertain future: read it as an illustration, "
          "not as a probability.")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from stmarket.model.errors import read_toml
    from stmarket.model.profile import load_profile
    from stmarket.model.scenario import load_scenario
    from stmarket.model.targets import load_targets
    from stmarket.model.world import load_world

    years = None if args.profile is None else load_profile(args.profile).years
    for f in args.files:
        data = read_toml(f)
        if "profile" in data:
            prof = load_profile(f)
            load_targets(prof.targets, years=prof.years)
            kind = "profile"
        elif "scenario" in data:  # checked against the profile's years too
            load_scenario(f).budgets(load_profile(args.profile or "bac_kan").years)
            kind = "scenario"
        elif "programme" in data:
            from stmarket.model.plan import load_plan

            load_plan(f)
            kind = "plan"
        elif "plan" in data:
            load_targets(f, years=years)
            kind = "targets"
        elif "sweep" in data:
            from stmarket.experiments.sweeps.design import SweepPlan, load_design

            SweepPlan.load(load_design(f))
            kind = "sweep design"
        elif "observations" in data:
            from stmarket.experiments.calibration.abc import load_observations

            load_observations(f)
            kind = "observations"
        elif "world" in data:
            load_world(f, load_profile("bac_kan").space.uncertain)
            kind = "world"
        else:
            raise InputError(f, "", "not a profile, scenario, world, sweep, observations, "
                                    "targets or plan file: needs a [profile], [scenario], "
                                    "[world], [sweep], [observations], [plan] or [programme] "
                                    "table")
        print(f"{f}: ok ({kind})")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``stmarket`` console script."""
    import matplotlib

    matplotlib.use("Agg")  # the command line draws into files, never on a screen
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (exit 2) and --help (exit 0)
        return int(exc.code or 0)
    try:
        if args.command in ("run", "compare"):
            return cmd_monte_carlo(args)
        if args.command == "single":
            return cmd_single(args)
        if args.command == "sweep":
            return cmd_sweep(args)
        if args.command in ANALYSES:
            return importlib.import_module(f"stmarket.experiments.cli.{args.command}").run_cli(args)
        return cmd_validate(args)
    except InputError as exc:
        sys.stderr.write(f"stmarket: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("stmarket: interrupted\n")
        return 130
    except BrokenPipeError:  # stdout closed early (e.g. piped into head): stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:  # a failure, not bad input: one line, exit 1
        sys.stderr.write(f"stmarket: failed: {type(exc).__name__}: {exc}\n")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
