"""``stmarket sensitivity``: the command line of :mod:`stmarket.experiments.sensitivity.methods`.
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
    load_targets_from_args,
    seed,
)


def _positive(kind: type, high: float):
    def parse(text: str):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a positive {kind.__name__}, "
                                             f"got {text!r}") from None
        if not 0 < v <= high or v != v:
            raise argparse.ArgumentTypeError(f"must be in (0, {high:g}], got {text!r}")
        return v
    return parse


def _names(text: str) -> list[str]:
    names = [s.strip() for s in text.split(",") if s.strip()]
    if not names:
        raise argparse.ArgumentTypeError("must be comma-separated names, got nothing")
    return names



def add_parser(sub) -> None:
    """Add ``stmarket sensitivity`` to argparse subparsers ``sub``."""
    from stmarket.experiments.sensitivity.methods import DEFAULT_SEEDS
    from stmarket.experiments.sensitivity.problem import METHODS
    from stmarket.experiments.sensitivity.replicates import DEFAULT_NOISE_SAMPLES

    p = sub.add_parser(
        "sensitivity", help="global sensitivity (Sobol or Morris) of the final-year "
                            "outcomes to the priors and the levers",
        description=(
            "Global sensitivity analysis of the final-year indicators and of the probability of "
            "each target to the uncertain parameters (over their priors) and to the six "
            "levers' yearly levels (0 to --lever-max times the base scenario's). Each point "
            "is run --seeds times; indices are computed on the per-point means, and "
            "noise.csv gives the share of a single run's variance due to the seeds. "
            "Runs share their keys across points (common random numbers) unless "
            "--independent-seeds. Cost: Sobol runs N (D + 2) x seeds, Morris r (D + 1) x "
            "seeds, plus --noise-samples x seeds (D = 127 inputs with every uncertain "
            "parameter, the three structural switches among them, and the six levers); the "
            "core does about 500 runs/s on 2 idle cores, so the defaults take about 2-3 "
            "minutes (Sobol: 68,096 runs) and 50 s (Morris: 22,528). To halve "
            "Sobol's intervals, quadruple --samples; outcomes whose per-point means are "
            "mostly seed noise are not ranked: raise --seeds for them (the noise share of a "
            "mean over K seeds falls as 1/K); screen with Morris, then restrict Sobol to the "
            "inputs that matter with --parameters."))
    p.add_argument("--method", choices=METHODS, default="sobol",
                   help="sobol (S1, ST with intervals) or morris (mu*, sigma; cheap "
                        "screening) (default: sobol)")
    p.add_argument("--profile", default="bac_kan", help="province profile (default: bac_kan)")
    add_target_args(p)
    p.add_argument("--scenario", default="plan_2257",
                   help="base scenario: the levers' ranges, start years and ramps "
                        "(default: plan_2257)")
    p.add_argument("--samples", type=_positive(int, 1_000_000), default=None,
                   help="Sobol: base samples N, a power of 2 (default 128); Morris: "
                        "trajectories r (default 40)")
    p.add_argument("--seeds", type=_positive(int, 1000), default=DEFAULT_SEEDS,
                   help=f"seed replicates per point (default: {DEFAULT_SEEDS}); 2 or more "
                        "to measure the noise share")
    p.add_argument("--no-levers", action="store_true", help="vary the parameters only")
    p.add_argument("--lever-max", type=_positive(float, 100), default=3.0,
                   help="each lever ranges over [0, this x its base level] (default: 3)")
    p.add_argument("--parameters", type=_names, default=None, metavar="NAMES",
                   help="comma-separated uncertain parameters to vary (default: all)")
    p.add_argument("--outcomes", type=_names, default=None, metavar="NAMES",
                   help="comma-separated outcomes (default: all)")
    p.add_argument("--noise-samples", type=seed, default=DEFAULT_NOISE_SAMPLES, metavar="M",
                   help="points of the plain Monte Carlo (x --seeds, independent keys) that "
                        f"measures the noise share; 0 skips it (default: "
                        f"{DEFAULT_NOISE_SAMPLES})")
    p.add_argument("--independent-seeds", action="store_true",
                   help="give every run its own key instead of common random numbers "
                        "(replicate k of every point has key (seed, k)); the seeds' noise "
                        "then inflates every total index")
    p.add_argument("--seed", type=seed, default=1, help="random seed (default: 1)")
    p.add_argument("--workers", type=_positive(int, 4096), default=None,
                   help="threads to run on (default: all cores); results do not depend on it")
    p.add_argument("--out", type=folder, default=Path("out/sensitivity"),
                   help="output folder (default: %(default)s)")
    add_force(p)


def run_cli(args: argparse.Namespace) -> int:
    """Run ``stmarket sensitivity``: print the most influential inputs, write --out."""
    import sys

    from stmarket.experiments.outputs.folder import claim
    from stmarket.experiments.sensitivity.methods import sensitivity
    from stmarket.experiments.sensitivity.problem import DEFAULT_SAMPLES, check_method
    from stmarket.experiments.sensitivity.write import write_sensitivity
    from stmarket.model import load_profile

    check_workers(args.workers)
    check_method(args.method, args.samples or DEFAULT_SAMPLES[args.method])
    profile = load_profile(args.profile)
    targets = load_targets_from_args(args, profile)
    claim(args.out, "sensitivity", force=args.force)
    bar = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=0, unit="runs", file=sys.stderr)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.total = total
            bar.update(done - bar.n)

    t0 = time.perf_counter()
    try:
        res = sensitivity(args.method, profile=profile, scenario=args.scenario, targets=targets,
                          parameters=args.parameters, levers=not args.no_levers,
                          lever_max=args.lever_max, samples=args.samples, seeds=args.seeds,
                          seed=args.seed, n_threads=args.workers, outcomes=args.outcomes,
                          common_random_numbers=not args.independent_seeds,
                          noise_samples=args.noise_samples, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    res.info["seconds_total"] = round(time.perf_counter() - t0, 3)
    print(res.summary(), flush=True)
    files = write_sensitivity(res, args.out, force=args.force)
    print(f"{res.info['runs']} runs in {res.info['seconds_runs']:.1f} s, analysis "
          f"{res.info['seconds_analysis']:.1f} s; written to {args.out}: {', '.join(files)}")
    return 0

