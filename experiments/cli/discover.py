"""``stmarket discover``: the command line of :mod:`stmarket.experiments.discovery.prim`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from stmarket.experiments.cli.argtypes import (
    add_force,
    add_target_args,
    check_workers,
    folder,
    int_in,
    load_targets_from_args,
)


def _density(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number in (0, 1], got {text!r}") from None
    if not 0.0 < v <= 1.0:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {text!r}")
    return v



def add_parser(sub) -> None:
    """Add ``stmarket discover`` to argparse subparsers ``sub``."""
    from stmarket.experiments.discovery.prim import (
        DEFAULT_RUNS,
        DEFAULT_THRESHOLD,
        MAX_BOXES,
        MAX_RUNS,
        MIN_RUNS,
    )

    p = sub.add_parser(
        "discover", help="scenario discovery (PRIM): under which conditions the plan misses "
                         "its final-year targets",
        description=(
            "Scenario discovery with PRIM (EMA Workbench): a Monte Carlo of the scenario over "
            "the priors (the same runs as 'stmarket run' with the same seed), then the ranges "
            "of the uncertain parameters inside which the scenario misses a target far more "
            "often than in all runs. By default each final-year target met in 5-95% of runs is "
            "analysed on its own; --target names targets for one analysis of the runs that "
            "miss any of them. The targets are the profile's, or another plan's with "
            "--targets (its ids for --target, its labels in the outputs). Box: the highest "
            "coverage with density >= --threshold, then restrictions with quasi-p > 0.05 "
            "dropped (unless --no-prune). Writes boxes.csv, "
            "trajectory.csv, summary.csv, targets.csv, tradeoff.png and box_limits.png."))
    p.add_argument("--profile", default="bac_kan", help="province profile (default: bac_kan)")
    p.add_argument("--scenario", default="plan_2257",
                   help="bundled scenario name or TOML path (default: plan_2257)")
    add_target_args(p)
    p.add_argument("--target", action="append", dest="target_ids", metavar="ID", default=None,
                   help="a target id of the targets file (repeatable): one analysis of the "
                        "runs that miss any of them (default: each final-year target met in "
                        "5-95%% of runs, on its own)")
    p.add_argument("--runs", type=int_in(MIN_RUNS, MAX_RUNS), default=DEFAULT_RUNS,
                   help=f"runs of the Monte Carlo (default: {DEFAULT_RUNS})")
    p.add_argument("--threshold", type=_density, default=DEFAULT_THRESHOLD,
                   help=f"density threshold of the box (default: {DEFAULT_THRESHOLD})")
    p.add_argument("--boxes", type=int_in(1, MAX_BOXES), default=1,
                   help="boxes per analysis, each on the runs outside the earlier (default: 1)")
    p.add_argument("--no-prune", action="store_true",
                   help="keep PRIM's box as selected (do not drop restrictions with "
                        "quasi-p > 0.05)")
    p.add_argument("--seed", type=int_in(0, 2**62 - 1), default=1,
                   help="random seed (default: 1)")
    p.add_argument("--workers", type=int_in(1, 4096), default=None,
                   help="threads to run on (default: all cores); results do not depend on it")
    p.add_argument("--out", type=folder, default=Path("out/discover"),
                   help="output folder (default: %(default)s)")
    add_force(p)


def run_cli(args: argparse.Namespace) -> int:
    """Run ``stmarket discover``: print the boxes in words, write --out."""

    from stmarket.experiments.discovery.choice import target_groups
    from stmarket.experiments.discovery.prim import discover
    from stmarket.experiments.discovery.write import write_discovery
    from stmarket.experiments.outputs.folder import claim
    from stmarket.model import load_profile

    check_workers(args.workers)
    profile = load_profile(args.profile)
    targets = load_targets_from_args(args, profile)
    named = target_groups(args.target_ids, targets)  # before any work: ids of the file
    claim(args.out, "discover", force=args.force)
    t0 = time.perf_counter()
    res = discover(profile=profile, scenario=args.scenario, targets=named,
                   target_set=targets, runs=args.runs, seed=args.seed,
                   threshold=args.threshold, n_threads=args.workers, boxes=args.boxes,
                   prune=not args.no_prune)
    print(res.report(), flush=True)
    files = write_discovery(res, args.out, force=args.force)
    i = res.info
    print(f"runs {i['seconds_runs']:.1f} s, PRIM {i['seconds_prim']:.1f} s, total "
          f"{time.perf_counter() - t0:.1f} s; written to {args.out}: {', '.join(files)}")
    return 0

