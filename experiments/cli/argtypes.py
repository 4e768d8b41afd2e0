"""Argument types and checks shared by every ``stmarket`` command.

An argparse type raises :class:`argparse.ArgumentTypeError` (argparse turns it into
one line and exit 2); :func:`check_workers` raises :class:`model.errors.InputError`.
"""

from __future__ import annotations

import argparse
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
