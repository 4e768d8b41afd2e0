"""``stmarket calibrate``: the command line of
:func:`stmarket.experiments.calibration.abc.calibrate`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from stmarket.experiments.cli.argtypes import add_force, check_workers, folder, int_in


def add_parser(sub) -> None:
    """Add ``calibrate`` to argparse subparsers ``sub``."""
    from stmarket.experiments.calibration.abc import OTHERS

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
    r.add_argument("--particles", type=int_in(20, 1_000_000), default=1000,
                   help="population size (default: 1000)")
    r.add_argument("--generations", type=int_in(1, 100), default=8,
                   help="most generations after the prior one; the schedule stops earlier "
                        "at tolerance 1 (default: 8)")
    r.add_argument("--seed", type=int_in(0, 2**62 - 1), default=1,
                   help="random seed (default: 1)")
    r.add_argument("--workers", type=int_in(1, 4096), default=None,
                   help="threads (default: all cores); results do not depend on it")
    r.add_argument("--out", type=folder, default=Path("out/calibrate"),
                   help="output folder (default: %(default)s)")
    add_force(r)


def run_cli(args: argparse.Namespace) -> int:
    """Run ``stmarket calibrate``: print a summary, write the folder, return 0."""

    from stmarket.experiments.calibration.abc import calibrate
    from stmarket.experiments.calibration.write import write_calibration
    from stmarket.experiments.outputs.folder import claim

    check_workers(args.workers)
    claim(args.out, "calibrate", force=args.force)

    def show(row: dict) -> None:
        print(f"generation {row['generation']}: tolerance {row['tolerance']:.3g}, "
              f"{row['accepted']} accepted of {row['simulations']} simulations, "
              f"ESS {row['ess']:.0f}", file=sys.stderr, flush=True)

    res = calibrate(args.observations, profile=args.profile, scenario=args.scenario,
                    parameters=args.parameters, particles=args.particles,
                    generations=args.generations, seed=args.seed, n_threads=args.workers,
                    others=args.others, progress=show)
    print(res.text(), flush=True)
    files = write_calibration(res, args.out, force=args.force)
    print(f"\n{res.seconds:.1f} s; written to {args.out}: {', '.join(files)}")
    return 0

