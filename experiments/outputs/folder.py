"""Writing results: atomic files, the runs table, the manifest.

Every file is written to a temporary name in its folder and renamed into place, so
an interrupted run never leaves a half-written file under a final name. An output
folder is complete when it holds ``manifest.json``: the manifest is removed before
the first file of a new run is written and written last, with the SHA-256 of every
file it lists.
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
           "runs.parquet", "fan_charts.png", "report.md", "report.html")


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


def begin(out_dir: str | Path) -> Path:
    """Prepare an output folder: create it, remove an old manifest (so the folder
    reads as incomplete until :func:`finish`), then the files of an earlier run and
    temporary files an interrupted run left behind."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MANIFEST).unlink(missing_ok=True)
    for name in OUTPUTS:
        (out_dir / name).unlink(missing_ok=True)
    for tmp in out_dir.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)
    return out_dir


def finish(out_dir: str | Path, manifest: dict, files: list[Path]) -> Path:
    """Write the manifest last, with the size and SHA-256 of every output file."""
    out_dir = Path(out_dir)
    manifest = dict(manifest)
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
                 figures: dict[str, object], manifest: dict) -> dict[str, Path]:
    """Write ``NAME.csv`` for each table and ``NAME.png`` for each figure, atomically,
    then ``manifest.json`` (with versions, commit and the files' hashes) last."""
    import matplotlib.pyplot as plt

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    old = out / MANIFEST
    stale: list[str] = []
    if old.exists():  # the files of an earlier run, as its manifest lists them
        try:
            import json

            stale = list(json.loads(old.read_text(encoding="utf-8")).get("files", {}))
        except (OSError, ValueError, AttributeError):
            stale = []
    old.unlink(missing_ok=True)
    for name in stale:
        if "/" not in name and name != MANIFEST:
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
    files[MANIFEST] = finish(out, man, list(files.values()))
    return files
