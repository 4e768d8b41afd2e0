"""Writing results: atomic files, the runs table, the manifest.

Every file is written to a temporary name in its folder and renamed into place, so
an interrupted run never leaves a half-written file under a final name. An output
folder is complete when it holds ``manifest.json``: the manifest is removed before
the first file of a new run is written and written last, with the SHA-256 of every
file it lists.

Output folders never lose work (issue 13): every command writes its own files and a
manifest that lists them and names the command (``stmarket_command``). Before any work,
:func:`claim` refuses, with one line and exit code 2, a folder that holds another
command's results (whatever ``--force`` says: choose another folder), a folder holding the
same command's earlier results (unless ``--force``), and files this command would replace
that no manifest lists (unless ``--force``). Files the command does not write are never
touched. The writers check again, just before writing.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pandas as pd

MANIFEST = "manifest.json"
#: Packages whose versions the manifest records.
PACKAGES = ("numpy", "numba", "scipy", "pandas", "pyarrow", "matplotlib", "mesa")


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it into place on success,
    remove it on failure."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _fsync(path: Path) -> None:
    """Flush a file (or folder) to disk, where the system allows it."""
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_csv(path: str | Path, df: pd.DataFrame) -> Path:
    """Write a table atomically as CSV (shortest exact float repr, no index)."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False, lineterminator="\n")
    return Path(path)


def write_parquet_chunks(path: str | Path, frames: Iterator[pd.DataFrame]) -> Path:
    """Stream DataFrames with the same columns into one parquet file, atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with atomic_path(path) as tmp:
        writer = None
        try:
            for df in frames:
                table = pa.Table.from_pandas(df, preserve_index=False)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()
        if writer is None:
            raise ValueError("no rows to write")
    return Path(path)


def sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def source_root() -> Path:
    """The folder of the ``stmarket`` package: the repository's root in a source
    checkout (editable install), the installed package's folder otherwise."""
    import stmarket

    return Path(stmarket.__file__).resolve().parent


def git_commit(where: Path | None = None) -> str | None:
    """The commit of the source tree (with ``-dirty`` if it has changes), or None
    outside a git checkout."""
    where = where or source_root()
    try:
        commit = subprocess.run(["git", "-C", str(where), "rev-parse", "HEAD"],
                                capture_output=True, text=True, timeout=10, check=True)
        dirty = subprocess.run(["git", "-C", str(where), "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True,
                               timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return commit.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def targets_record(targets) -> dict:
    """What a manifest records of the targets a command scored: the targets file (its id,
    path and SHA-256) and every target's pass mark as used (after ``--target-threshold``)
    with its label.

    Parameters
    ----------
    targets : stmarket.model.targets.TargetSet

    Returns
    -------
    dict
        ``{"id", "path", "sha256", "thresholds": {id: threshold}, "labels": {id: label}}``
        (``thresholds`` holds ``[low, high]`` for a range target).
    """
    path = targets.path
    return {"id": targets.id, "path": None if path is None else str(path),
            "sha256": None if path is None or not Path(path).is_file() else sha256(path),
            "thresholds": {t.id: t.threshold if t.high is None else [t.threshold, t.high]
                           for t in targets.targets},
            "labels": {t.id: t.label("en") for t in targets.targets}}


def versions() -> dict[str, str | None]:
    """Versions of Python, stmarket and the main packages."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in ("stmarket",) + PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


#: Every file an assessment may write (removed by :func:`begin` so that no file of an
#: earlier run stays beside a new manifest).
OUTPUTS = ("targets.csv", "comparisons.csv", "value_difference.csv", "fan.csv",
           "target_by_year.csv", "history.csv", "met_count.csv", "readings.csv",
           "attribution.csv",
           "runs.parquet", "fan_charts.png", "report.md", "report.html")
#: The manifest of a sweep's folder (:mod:`stmarket.experiments.sweeps.runner`).
SWEEP_MANIFEST = "sweep.json"
#: The commands that write an output folder; the manifest's ``stmarket_command``.
COMMANDS = ("run", "compare", "single", "sweep", "sensitivity", "discover", "optimise",
            "calibrate")


def folder_owner(out_dir: str | Path) -> tuple[str | None, dict]:
    """The command whose results a folder holds, and its manifest.

    Returns
    -------
    (str or None, dict)
        ``("sweep", {...})`` for a sweep's folder, the manifest's ``stmarket_command``
        (for manifests older than that key: the command word in its ``command`` line, else
        ``"unknown"``), or ``(None, {})`` for a folder without a manifest.
    """
    out_dir = Path(out_dir)
    if (out_dir / SWEEP_MANIFEST).is_file():
        return "sweep", {}
    path = out_dir / MANIFEST
    if not path.is_file():
        return None, {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "unknown", {}
    if not isinstance(data, dict):
        return "unknown", {}
    owner = data.get("stmarket_command")
    if owner in COMMANDS:
        return owner, data
    line = data.get("command")
    words = line if isinstance(line, list) else str(line or "").split()
    return next((w for w in map(str, words) if w in COMMANDS), "unknown"), data


def claim(out_dir: str | Path, command: str, *, force: bool = False,
          outputs: tuple[str, ...] = ()) -> Path:
    """Check, before any work, that ``command`` may write its results into ``out_dir``.

    Parameters
    ----------
    out_dir : str or Path
        The output folder (created if missing, as :func:`check_folder`).
    command : str
        The command that writes (one of :data:`COMMANDS`).
    force : bool
        Replace the same command's earlier results, and files of the names in ``outputs``
        that no manifest lists (``--force``).
    outputs : tuple of str
        The names of the files the command will write, where known in advance.

    Returns
    -------
    Path

    Raises
    ------
    InputError
        ``--out``: the folder holds another command's results (``--force`` does not
        change that: another command's results are never replaced), the same command's
        earlier results without ``force``, or files named as this command's outputs that
        no manifest lists without ``force``.
    """
    from stmarket.model.errors import InputError

    out = check_folder(out_dir)
    owner, data = folder_owner(out)
    if owner is not None and owner != command:
        which = (f"a sweep ({SWEEP_MANIFEST})" if owner == "sweep" else
                 f"the results of 'stmarket {owner}' ({MANIFEST})" if owner != "unknown"
                 else f"another program's {MANIFEST}")
        raise InputError(out, "--out", f"holds {which}; 'stmarket {command}' does not write "
                                       "there, even with --force: choose another folder")
    if owner == command and not force:
        when = data.get("written") or data.get("finished") or "earlier"
        raise InputError(out, "--out", f"holds the results of an earlier 'stmarket {command}' "
                                       f"(written {when}): pass --force to replace them, or "
                                       "choose another folder")
    if owner is None and not force:
        clash = [n for n in outputs if (out / n).exists()]
        if clash:
            raise InputError(out, "--out", f"holds {', '.join(clash)}, which no manifest "
                                           "lists (an interrupted run's, or another "
                                           "program's): pass --force to replace them, or "
                                           "choose another folder")
    return out


def _listed(out_dir: Path) -> list[str]:
    """The files the folder's manifest lists (none without a readable manifest)."""
    try:
        files = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError):
        return []
    return [n for n in files if isinstance(n, str) and "/" not in n and n != MANIFEST]


def check_folder(out_dir: str | Path) -> Path:
    """Check early that an output folder can be created and written, so that bad
    ``--out`` is an input error before any work, not a failure after it."""
    from stmarket.model.errors import InputError

    text = str(out_dir)
    if not text.strip():
        raise InputError("argument", "--out", "must be a folder path, got an empty string")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(out_dir, "--out", "exists and is not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / f".write-test.{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise InputError(out_dir, "--out", f"cannot write there ({exc.strerror or exc})"
                         ) from None
    return out_dir


def begin(out_dir: str | Path, command: str = "run", *, force: bool = False) -> Path:
    """Prepare an assessment's output folder: check it (:func:`claim`), remove the old
    manifest (so the folder reads as incomplete until :func:`finish`), then the files the
    old manifest listed, the earlier assessment's files and the temporary files an
    interrupted run left behind. Files no command of this folder wrote stay."""
    out_dir = claim(out_dir, command, force=force, outputs=OUTPUTS)
    stale = _listed(out_dir)
    (out_dir / MANIFEST).unlink(missing_ok=True)
    for name in (*stale, *OUTPUTS):
        (out_dir / name).unlink(missing_ok=True)
    for tmp in out_dir.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)
    return out_dir


def finish(out_dir: str | Path, manifest: dict, files: list[Path],
           command: str | None = None) -> Path:
    """Write the manifest last, with the size and SHA-256 of every output file and, if
    given, the command that wrote them (``stmarket_command``)."""
    out_dir = Path(out_dir)
    manifest = dict(manifest)
    if command is not None:
        manifest["stmarket_command"] = command
    manifest["files"] = {Path(f).name: {"bytes": Path(f).stat().st_size, "sha256": sha256(f)}
                         for f in files}
    manifest["command"] = manifest.get("command", sys.argv)
    _fsync(out_dir)  # the files' renames reach the disk before the manifest's
    path = write_text(out_dir / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False,
                                                     default=str) + "\n")
    _fsync(out_dir)
    return path


def save_figure(fig, path: str | Path) -> Path:
    """Write a matplotlib figure atomically (temporary file, then rename)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format=path.suffix.lstrip(".") or "png")
    return path


def write_folder(out: str | Path, tables: dict[str, pd.DataFrame],
                 figures: dict[str, object], manifest: dict, *, command: str,
                 force: bool = False) -> dict[str, Path]:
    """Write ``NAME.csv`` for each table and ``NAME.png`` for each figure, atomically,
    then ``manifest.json`` (with versions, commit, the command and the files' hashes) last.

    The folder is checked first (:func:`claim`: another command's results are refused,
    the same command's earlier results and unlisted files of the same names are replaced
    only with ``force``); the files the old manifest lists are removed before the new
    ones are written, other files are left alone.
    """
    import matplotlib.pyplot as plt

    names = (*(f"{n}.csv" for n in tables), *(f"{n}.png" for n in figures))
    out = claim(out, command, force=force, outputs=names)
    stale = _listed(out)
    (out / MANIFEST).unlink(missing_ok=True)
    for name in stale:
        (out / name).unlink(missing_ok=True)
    files: dict[str, Path] = {}
    for name, df in tables.items():
        files[f"{name}.csv"] = write_csv(out / f"{name}.csv", df)
    for name, fig in figures.items():
        files[f"{name}.png"] = save_figure(fig, out / f"{name}.png")
        plt.close(fig)
    man = dict(manifest)
    man.setdefault("version", versions()["stmarket"])
    man.setdefault("commit", git_commit())
    man.setdefault("versions", versions())
    man.setdefault("written", datetime.now(UTC).isoformat(timespec="seconds"))
    files[MANIFEST] = finish(out, man, list(files.values()), command=command)
    return files
