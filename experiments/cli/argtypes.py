"""Argument types and checks shared by every ``stmarket`` command.

An argparse type raises :class:`argparse.ArgumentTypeError` (argparse turns it into
one line and exit 2); :func:`check_workers` raises :class:`model.errors.InputError`.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from stmarket.model.errors import InputError


def folder(text: str) -> Path:
    """An output folder: any non-empty path (``""`` would mean the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must be a folder path, got an empty string")
    return Path(text)


def add_force(parser: argparse.ArgumentParser) -> None:
    """Add ``--force``: replace this command's earlier results in ``--out``."""
    parser.add_argument("--force", action="store_true",
                        help="replace this command's earlier results in --out (another "
                             "command's results are never replaced; files the command does "
                             "not write are left alone)")


def seed(text: str) -> int:
    """A random seed (or any count from 0): an integer in [0, 2**62)."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}") from None
    if not 0 <= v < 2**62:
        raise argparse.ArgumentTypeError(f"must be in [0, 2**62), got {text!r}")
    return v


def int_in(low: int, high: int):
    """The type of an integer in [low, high]."""

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


def check_workers(workers: int | None) -> None:
    """Refuse more threads than numba may use (``None``: all of them)."""
    import numba

    most = numba.config.NUMBA_NUM_THREADS
    if workers is not None and workers > most:
        raise InputError("argument", "--workers",
                         f"must be in [1, {most}] (the threads numba may use; set "
                         f"NUMBA_NUM_THREADS to allow more), got {workers}")


def target_threshold(text: str) -> tuple[str, float, float | None]:
    """``ID=VALUE`` (or ``ID=LOW,HIGH`` for a range target): a target's new pass mark.

    Whether the id exists and the value fits the target's indicator is checked when the
    targets are loaded (:meth:`stmarket.model.targets.TargetSet.with_threshold`).
    """
    tid, sep, value = text.partition("=")
    if not sep or not tid.strip():
        raise argparse.ArgumentTypeError(f"must be TARGET_ID=VALUE (or TARGET_ID=LOW,HIGH), "
                                         f"got {text!r}")
    parts = [p.strip() for p in value.split(",")]
    try:
        nums = [float(p) for p in parts]
    except ValueError:
        nums = []
    if len(nums) not in (1, 2) or not all(math.isfinite(v) for v in nums):
        raise argparse.ArgumentTypeError(f"must be TARGET_ID=VALUE (or TARGET_ID=LOW,HIGH) "
                                         f"with finite numbers, got {text!r}")
    return tid.strip(), nums[0], nums[1] if len(nums) == 2 else None


def add_target_args(p: argparse.ArgumentParser, default: str = "the profile's") -> None:
    """``--targets``, ``--target-threshold`` and ``--research-origin-threshold``: the
    same options on every command that scores targets (``default``: whose targets file
    is used without ``--targets``, for the help)."""
    p.add_argument("--targets", default=None, metavar="FILE",
                   help="targets file: a bundled name (targets_2257, targets_1158, "
                        "targets_khanh_hoa, targets_lang_son) or a path; its ids, "
                        f"thresholds and labels are used (default: {default})")
    p.add_argument("--target-threshold", type=target_threshold, action="append", default=[],
                   metavar="ID=VALUE", dest="target_thresholds",
                   help="change a target's pass mark (ID=LOW,HIGH for a range target); "
                        "repeatable")
    p.add_argument("--research-origin-threshold", type=share, default=None, metavar="VALUE",
                   help="the pass mark of the plan's final-year research-origin target "
                        "(0.05 as read from Decision 2257; 0.10 is Khánh Hòa's): short for "
                        "--target-threshold research_origin_share_<year>=VALUE")


def share(text: str) -> float:
    """A number in [0, 1]."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1], got {text!r}") from None
    if not 0.0 <= v <= 1.0:
        raise argparse.ArgumentTypeError(f"must be in [0, 1], got {text!r}")
    return v


def target_marks(args: argparse.Namespace, targets) -> list[tuple[str, float, float | None]]:
    """The pass marks a command changes, as ``(id, threshold, high)`` triples:
    ``--target-threshold`` in order, then ``--research-origin-threshold`` as the
    research-origin target of ``targets`` (a TargetSet; an InputError if it has none)."""
    marks = list(getattr(args, "target_thresholds", None) or [])
    if getattr(args, "research_origin_threshold", None) is not None:
        marks.append((targets.research_origin_id(), args.research_origin_threshold, None))
    return marks


def targets_for_later(name: str) -> str:
    """``--targets`` as kept for a later load (a sweep's design, the dashboard's page): a
    bundled file by its name, any other by its absolute path (an InputError if there is no
    such file)."""
    from stmarket.model.profile import resolve, scenarios_dir

    path = resolve(name, "targets")
    if path.parent == scenarios_dir() / "targets" and len(Path(name).parts) == 1:
        return name
    if not path.is_file():
        raise InputError(path, "", "no such targets file (--targets)")
    return str(path.resolve())


def load_targets_from_args(args: argparse.Namespace, profile):
    """The targets of a command: ``--targets`` (else the profile's), checked against the
    profile's years, with ``--target-threshold`` and ``--research-origin-threshold``."""
    from stmarket.model.targets import load_targets

    ts = load_targets(args.targets or profile.targets, years=profile.years)
    return ts.with_thresholds(target_marks(args, ts))
