"""Errors about user input: one line naming the file, the key and what is allowed."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


def show_key(key: str) -> str:
    """A key as it can be printed on one line (control characters escaped)."""
    key = str(key)
    return key if key.isprintable() else key.encode("unicode_escape").decode("ascii")


class InputError(ValueError):
    """A bad input file or argument.

    Parameters
    ----------
    source : str or Path
        The file (or ``"argument"``) the error is in.
    key : str
        The dotted key, e.g. ``"levers.tg2_demand.level"``.
    message : str
        What is wrong and what is allowed.
    """

    def __init__(self, source: str | Path, key: str, message: str) -> None:
        self.source = show_key(source)
        self.key = show_key(key)
        self.message = " ".join(str(message).splitlines())
        text = f"{self.source}: {self.key}: {self.message}" if self.key else \
            f"{self.source}: {self.message}"
        super().__init__(text)


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file as data, turning every failure into an :class:`InputError`."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise InputError(path, "", "file not found") from None
    except IsADirectoryError:
        raise InputError(path, "", "is a folder, not a TOML file") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.__class__.__name__
        raise InputError(path, "", f"cannot read as UTF-8 text ({reason})") from None
    if not text.strip():
        raise InputError(path, "", "file is empty")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, "", f"not valid TOML: {exc}") from None


def check_keys(source: str | Path, where: str, table: dict, allowed: set[str],
               required: set[str] = frozenset()) -> None:
    """Refuse unknown keys and missing required keys in a table."""
    if not isinstance(table, dict):
        raise InputError(source, where, f"must be a table, got {type(table).__name__}")
    for k in table:
        if k not in allowed:
            key = f"{where}.{k}" if where else k
            raise InputError(source, key, f"unknown key; allowed: {', '.join(sorted(allowed))}")
    for k in sorted(required):
        if k not in table:
            key = f"{where}.{k}" if where else k
            raise InputError(source, key, "missing required key")


def get_number(source: str | Path, key: str, value: Any, low: float | None = None,
               high: float | None = None, integer: bool = False) -> float:
    """Check that ``value`` is a finite number within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        kind = "an integer" if integer else "a number"
        raise InputError(source, key, f"must be {kind}, got {type(value).__name__}")
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    try:
        v = float(value)
    except OverflowError:
        raise InputError(source, key, f"must be in [{lo}, {hi}], got a number with "
                                      f"{len(str(abs(value)))} digits") from None
    if v != v or v in (float("inf"), float("-inf")):
        raise InputError(source, key, "must be finite")
    if integer and not v.is_integer():
        raise InputError(source, key, f"must be an integer, got {value!r}")
    if (low is not None and v < low) or (high is not None and v > high):
        shown = f"{v:g}" if abs(v) >= 1e15 else repr(value)
        raise InputError(source, key, f"must be in [{lo}, {hi}], got {shown}")
    return v


def get_str(source: str | Path, key: str, value: Any,
            choices: tuple[str, ...] | None = None) -> str:
    """Check that ``value`` is a string (one of ``choices`` if given)."""
    if not isinstance(value, str):
        raise InputError(source, key, f"must be a string, got {type(value).__name__}")
    if choices is not None and value not in choices:
        raise InputError(source, key, f"must be one of {', '.join(choices)}, got {value!r}")
    return value
