"""``stmarket optimise``: the command line of
:func:`stmarket.experiments.optimisation.search.optimise`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from stmarket.experiments.cli.argtypes import (
    add_force,
    add_target_args,
    check_workers,
    folder,
    load_targets_from_args,
)
from stmarket.model.scenario import MAX_BUDGET


def _number(kind, lo: float, hi: float, lo_open: bool = False):
    def parse(text: str):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
        if not (lo < v if lo_open else lo <= v) or not v <= hi or v != v:
            raise argparse.ArgumentTypeError(
                f"must be in {'(' if lo_open else '['}{lo:g}, {hi:g}], got {text!r}")
        return v
    return parse


def _budgets(text: str) -> list[float]:
    one = _number(float, 0.0, MAX_BUDGET, lo_open=True)
    parts = [p.strip() for p in text.split(",")]
    if not all(parts):
        raise argparse.ArgumentTypeError(f"must be comma-separated budgets such as 1,2,4.5, "
                                         f"got {text!r}")
    return [one(p) for p in parts]


def _probability(text: str) -> float:
    v = _number(float, 0.0, 1.0, lo_open=True)(text)
    if v >= 1.0:
        raise argparse.ArgumentTypeError(f"must be in (0, 1), got {text!r}")
    return v



def add_parser(sub) -> None:
    """Add ``stmarket optimise`` to argparse subparsers ``sub``."""
    from stmarket.experiments.optimisation.search import DEFAULT_BUDGETS

    p = sub.add_parser(
        "optimise", help="the budget-optimal mix of the six task groups, and the budget "
                         "frontier",
        description=(
            "Split a yearly budget across the six task groups to maximise the probability "
            "that every target of the plan's final year is met (or --objective), on common "
            "random numbers: "
            "a raced space-filling screen of the simplex, local moves of budget between "
            "pairs of groups accepted only beyond noise on held-out runs, and a paired "
            "confirmation of the winner against the base's shares on fresh seeds. For each "
            "budget: the best mix and its probability (the frontier); with "
            "--target-probability, the smallest budget that reaches it. Cost: about "
            "(candidates / 2 + 20 x rounds) x runs per budget (30,000-50,000 runs with the "
            "defaults) plus 2 x confirm-runs; the defaults take about 4 minutes on 2 cores "
            "(about 1,000 runs/s)."))
    where = p.add_mutually_exclusive_group()
    where.add_argument("--budget", type=_number(float, 0.0, MAX_BUDGET, True), default=None,
                       help="one yearly budget (bn VND)")
    where.add_argument("--budgets", type=_budgets, default=None, metavar="B1,B2,...",
                       help="budgets of the frontier (default: "
                            f"{','.join(f'{b:g}' for b in DEFAULT_BUDGETS)} and the base's own)")
    p.add_argument("--objective", default="all",
                   help="all (every target of the plan's final year met; all_<year>, e.g. "
                        "all_2030, is the same), expected (number of final-year targets met) "
                        "or a target id (default: all)")
    p.add_argument("--runs", type=_number(int, 8, 10_000_000), default=400,
                   help="search runs per candidate (default: 400)")
    p.add_argument("--confirm-runs", type=_number(int, 8, 10_000_000), default=1000,
                   help="fresh runs of each confirmation (default: 1000)")
    p.add_argument("--candidates", type=_number(int, 1, 100_000), default=24,
                   help="allocations in each budget's space-filling screen (default: 24)")
    p.add_argument("--max-rounds", type=_number(int, 0, 1000), default=6,
                   help="local-search rounds per budget at most (default: 6)")
    p.add_argument("--target-probability", type=_probability, default=None, metavar="P",
                   help="find the smallest budget whose best mix reaches this probability")
    p.add_argument("--max-budget", type=_number(float, 0.0, MAX_BUDGET, True), default=None,
                   help="highest budget tried for --target-probability (default: twice the "
                        "largest budget)")
    p.add_argument("--profile", default="bac_kan", help="province profile (default: bac_kan)")
    add_target_args(p)
    p.add_argument("--scenario", default="plan_2257",
                   help="base scenario: start years, ramps and the reference shares "
                        "(default: plan_2257)")
    p.add_argument("--seed", type=_number(int, 0, 2**62 - 1), default=1,
                   help="random seed of the search (default: 1); the confirmation's is "
                        "derived from it")
    p.add_argument("--workers", type=_number(int, 1, 4096), default=None,
                   help="threads to run on (default: all cores); results do not depend on it")
    p.add_argument("--out", type=folder, default=Path("out/optimise"),
                   help="output folder (default: %(default)s)")
    add_force(p)


def run_cli(args: argparse.Namespace) -> int:
    """Run ``stmarket optimise``: print the frontier and the winner, write --out."""

    from stmarket.experiments.optimisation.search import optimise
    from stmarket.experiments.optimisation.write import write_optimisation
    from stmarket.experiments.outputs.folder import claim
    from stmarket.model import load_profile

    check_workers(args.workers)
    claim(args.out, "optimise", force=args.force)
    profile = load_profile(args.profile)
    targets = load_targets_from_args(args, profile)
    r = optimise(args.budget, budgets=args.budgets, profile=profile, base=args.scenario,
                 objective=args.objective, runs=args.runs, confirm_runs=args.confirm_runs,
                 candidates=args.candidates, target_probability=args.target_probability,
                 max_budget=args.max_budget, seed=args.seed, n_threads=args.workers,
                 max_rounds=args.max_rounds, targets=targets)
    print(r.summary(), flush=True)
    files = write_optimisation(r, args.out, force=args.force)
    print(f"\nwritten to {args.out}: {', '.join(files)}")
    return 0

