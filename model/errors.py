"""Errors about user input: one line naming the file, the key and what is allowed."""

from __future__ import annotations

import os
import stat
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


#: Largest TOML input (profiles, scenarios, targets, worlds, designs, observations).
MAX_TOML_BYTES = 5 * 2**20
#: Largest CSV input (a calibrated posterior: 10,000 particles of 130 parameters is ~25 MB).
MAX_CSV_BYTES = 100 * 2**20
#: Deepest nesting of tables and arrays in a TOML input (the bundled files use 4).
MAX_DEPTH = 32

_SPECIAL = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
            (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _size(n: int) -> str:
    return f"{n:,} bytes" + (f" ({n / 2**20:g} MB)" if n % 2**20 == 0 else "")


def _refuse_special(path: Path, mode: int, what: str) -> None:
    if stat.S_ISDIR(mode):
        raise InputError(path, "", f"is a folder, not a {what} file")
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _SPECIAL if test(mode)), "not a regular file")
        raise InputError(path, "", f"is {kind}, not a {what} file: refused before reading")


def read_input(path: str | Path, what: str = "TOML", limit: int = MAX_TOML_BYTES) -> bytes:
    """The bytes of an input file, refusing what is not a regular file before reading.

    Folders, named pipes, devices and sockets are refused from their ``stat`` (a pipe is
    never opened for reading, so it cannot block), and again from the open file's
    ``fstat`` (the path may have changed in between; the open does not block either).
    A file over ``limit`` bytes is refused.

    Parameters
    ----------
    path : str or Path
    what : str
        The kind of file, for messages (``"TOML"``, ``"CSV"``).
    limit : int
        Largest size in bytes.

    Raises
    ------
    InputError
        One line naming the file and what is allowed.
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(path, "", "file not found") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise InputError(path, "", f"cannot read ({exc.__class__.__name__})") from None
    _refuse_special(path, mode, what)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise InputError(path, "", "file not found") from None
    except IsADirectoryError:
        raise InputError(path, "", f"is a folder, not a {what} file") from None
    except OSError as exc:
        raise InputError(path, "", f"cannot read ({exc.__class__.__name__})") from None
    try:
        st = os.fstat(fd)
        _refuse_special(path, st.st_mode, what)
        if st.st_size > limit:
            raise InputError(path, "", f"is {_size(st.st_size)}; a {what} input may have at "
                                       f"most {_size(limit)}")
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise InputError(path, "", f"cannot read ({exc.__class__.__name__})") from None
    finally:
        os.close(fd)
    if total > limit:  # grew while being read
        raise InputError(path, "", f"is over {_size(limit)}; a {what} input may have at most "
                                   f"{_size(limit)}")
    return b"".join(chunks)


def _too_deep(data: Any, limit: int) -> str | None:
    """The dotted key of the first value nested deeper than ``limit``, or None."""
    stack: list[tuple[Any, int, str]] = [(data, 0, "")]
    while stack:
        obj, depth, key = stack.pop()
        if isinstance(obj, (dict, list)):
            if depth > limit:
                return key or "(top level)"
            items = obj.items() if isinstance(obj, dict) else \
                ((f"[{i}]", v) for i, v in enumerate(obj))
            for k, v in items:
                sub = f"{key}{k}" if str(k).startswith("[") else \
                    (f"{key}.{k}" if key else str(k))
                stack.append((v, depth + 1, sub))
    return None


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file as data, turning every failure into an :class:`InputError`.

    The file goes through :func:`read_input` (regular files of at most
    :data:`MAX_TOML_BYTES`); tables and arrays may nest :data:`MAX_DEPTH` deep.
    """
    path = Path(path)
    raw = read_input(path, "TOML", MAX_TOML_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(path, "", f"cannot read as UTF-8 text ({exc.__class__.__name__})"
                         ) from None
    if not text.strip():
        raise InputError(path, "", "file is empty")
    deep = f"tables and arrays may be nested at most {MAX_DEPTH} deep"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, "", f"not valid TOML: {exc}") from None
    except RecursionError:
        raise InputError(path, "", f"nested too deep to parse: {deep}") from None
    key = _too_deep(data, MAX_DEPTH)
    if key is not None:
        raise InputError(path, key[:200], f"nested too deep: {deep}")
    return data


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
