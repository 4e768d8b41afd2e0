"""The ``stmarket`` command line.

Exit codes: 0 ok, 2 bad input or usage (one line naming the file, the key and
what is allowed), 1 failure.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model.errors import InputError

DEFAULT_SCENARIOS = ["no_programme", "plan_2257"]


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2."""

    def error(self, message: str) -> None:  # noqa: D102
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def _nonneg_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}") from None
    if not 0 <= v < 2**62:
        raise argparse.ArgumentTypeError(f"must be in [0, 2**62), got {text!r}")
    return v


def _share(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1], got {text!r}") from None
    if not 0.0 <= v <= 1.0:
        raise argparse.ArgumentTypeError(f"must be in [0, 1], got {text!r}")
    return v


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="stmarket", description=(
        "Agent-based simulator of a provincial S&T market: are the targets of "
        "Decision 2257/QĐ-UBND reachable, and with which mix of task groups?"))
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    r = sub.add_parser("run", help="run scenarios once (seeded) and score the plan's targets",
                       description="One seeded run of each scenario (default: no_programme "
                                   "and plan_2257): yearly indicators, target verdicts, and "
                                   "a chart in --out.")
    r.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                   help="bundled scenario names or TOML paths (default: %(default)s)",
                   default=DEFAULT_SCENARIOS)
    r.add_argument("--profile", default="bac_kan", help="province profile (default: bac_kan)")
    r.add_argument("--targets", default=None, help="targets file (default: the profile's)")
    r.add_argument("--seed", type=_nonneg_int, default=1, help="random seed (default: 1)")
    r.add_argument("--out", type=Path, default=Path("out"), help="output folder (default: out)")
    r.add_argument("--research-origin-threshold", type=_share, default=None,
                   help="threshold of the interpreted research-origin target "
                        "(0.05 as read from the plan; 0.10 is Khánh Hòa's)")

    v = sub.add_parser("validate", help="check profile, scenario or targets files",
                       description="Validate data files; each is recognised by its top-level "
                                   "table ([profile], [scenario] or [plan]).")
    v.add_argument("files", nargs="+", type=Path, metavar="FILE")
    return p


def cmd_run(args: argparse.Namespace) -> int:
    from experiments.plots import save, single_run_figure
    from experiments.single import format_run, run_scenarios
    from model import load_profile, load_scenario, load_targets

    profile = load_profile(args.profile)
    targets = load_targets(args.targets or profile.targets, years=profile.years)
    if args.research_origin_threshold is not None:
        targets = targets.with_threshold("research_origin_share_2030",
                                         args.research_origin_threshold)
    scenarios = [load_scenario(s) for s in args.scenarios]
    print(f"{profile.name}: {profile.n_buyers} buyers, {profile.EI0.shape[0] - profile.n_buyers}"
          f" vendors, {profile.RI0.shape[0]} research organisations; "
          f"{profile.start_year}-{profile.end_year}; seed {args.seed}; parameters at their "
          f"prior medians", flush=True)
    runs = run_scenarios(profile, scenarios, targets, seed=args.seed)
    for run in runs:
        print()
        print(format_run(run))
    fig = single_run_figure(runs, targets, title=f"{profile.name}: one run, seed {args.seed}")
    path = save(fig, args.out / "single_run.png")
    print(f"\nchart: {path}")
    print("One run is one draw of an uncertain future: read it as an illustration, "
          "not as a probability.")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from model.errors import read_toml
    from model.profile import load_profile
    from model.scenario import load_scenario
    from model.targets import load_targets

    for f in args.files:
        data = read_toml(f)
        if "profile" in data:
            load_profile(f)
            kind = "profile"
        elif "scenario" in data:
            load_scenario(f)
            kind = "scenario"
        elif "plan" in data:
            load_targets(f)
            kind = "targets"
        else:
            raise InputError(f, "", "not a profile, scenario or targets file: needs a "
                                    "[profile], [scenario] or [plan] table")
        print(f"{f}: ok ({kind})")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``stmarket`` console script."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (exit 2) and --help (exit 0)
        return int(exc.code or 0)
    try:
        if args.command == "run":
            return cmd_run(args)
        return cmd_validate(args)
    except InputError as exc:
        sys.stderr.write(f"stmarket: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("stmarket: interrupted\n")
        return 130
    except Exception as exc:  # a failure, not bad input: one line, exit 1
        sys.stderr.write(f"stmarket: failed: {type(exc).__name__}: {exc}\n")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
