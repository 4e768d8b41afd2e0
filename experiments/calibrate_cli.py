"""``stmarket calibrate``: the command line of :mod:`experiments.calibrate`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model.errors import InputError


def _int_type(low: int, high: int):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer in [{low}, {high}], "
                                             f"got {text!r}") from None
        if not low <= v <= high:
            raise argparse.ArgumentTypeError(f"must be in [{low}, {high}], got {text!r}")
        return v
    return parse


def _folder(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("must be a folder path, got an empty string")
    return Path(text)


def add_parser(sub) -> None:
    """Add ``calibrate`` to argparse subparsers ``sub``."""
    from experiments.calibrate import OTHERS

    r = sub.add_parser(
        "calibrate", help="calibrate uncertain parameters to observations (ABC-SMC)",
        description="Approximate Bayesian Computation (ABC-SMC) of the uncertain parameters "
                    "against observed statistics of the market (scenarios/observations/): "
                    "writes posterior.csv (weighted particles), summary.csv, "
                    "generations.csv, fit.csv, charts and manifest.json.")
    r.add_argument("observations", nargs="?", default="bac_kan",
                   help="observations file or bundled name (default: bac_kan)")
    r.add_argument("--profile", default="bac_kan", help="province profile (default: bac_kan)")
    r.add_argument("--scenario", default="no_programme",
                   help="policy in force during the observed years (default: no_programme)")
    r.add_argument("--parameters", default=None, metavar="A,B,C",
                   help="uncertain parameters to fit, comma-separated (default: all)")
    r.add_argument("--others", choices=OTHERS, default="prior",
                   help="parameters not fitted: drawn from their prior (default) or held "
                        "at their median")
    r.add_argument("--particles", type=_int_type(20, 1_000_000), default=1000,
                   help="population size (default: 1000)")
    r.add_argument("--generations", type=_int_type(1, 100), default=8,
                   help="most generations after the prior one; the schedule stops earlier "
                        "at tolerance 1 (default: 8)")
    r.add_argument("--seed", type=_int_type(0, 2**62 - 1), default=1,
                   help="random seed (default: 1)")
    r.add_argument("--workers", type=_int_type(1, 4096), default=None,
                   help="threads (default: all cores); results do not depend on it")
    r.add_argument("--out", type=_folder, default=Path("out/calibrate"),
                   help="output folder (default: %(default)s)")


def run_cli(args: argparse.Namespace) -> int:
    """Run ``stmarket calibrate``: print a summary, write the folder, return 0."""
    import numba

    from experiments.calibrate import calibrate
    from experiments.output import check_folder

    if args.workers is not None and args.workers > numba.config.NUMBA_NUM_THREADS:
        raise InputError("argument", "--workers",
                         f"must be in [1, {numba.config.NUMBA_NUM_THREADS}] (the threads numba "
                         f"may use), got {args.workers}")
    check_folder(args.out)

    def show(row: dict) -> None:
        print(f"generation {row['generation']}: tolerance {row['tolerance']:.3g}, "
              f"{row['accepted']} accepted of {row['simulations']} simulations, "
              f"ESS {row['ess']:.0f}", file=sys.stderr, flush=True)

    res = calibrate(args.observations, profile=args.profile, scenario=args.scenario,
                    parameters=args.parameters, particles=args.particles,
                    generations=args.generations, seed=args.seed, n_threads=args.workers,
                    others=args.others, progress=show)
    print(res.text(), flush=True)
    files = res.write(args.out)
    print(f"\n{res.seconds:.1f} s; written to {args.out}: {', '.join(files)}")
    return 0

