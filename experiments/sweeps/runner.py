"""Batch sweeps that survive faults and scale out.

The runs of a design are cut into chunks (``sweep.chunk`` runs each). A chunk is a
pure function of the design and its index (:func:`compute_chunk`), computed in this
process, in a pool of worker processes (``workers``) or on a Dask cluster
(``scheduler``), and written by this process alone as ``chunks/chunk-NNNNNN.parquet``,
atomically (temporary name, fsync, rename). Each chunk file carries the sweep's key
and the hash of its runs' inputs in its metadata.

``sweep.json`` keys the sweep by the design's hash, the code's hash (the model's
source files and the numerical libraries' versions) and the input files' hashes.
Rerunning with ``resume=True`` finds the chunks already written, checks that they
belong to the same sweep and inputs, and computes only the others: after a crash,
Ctrl-C or kill -9 nothing finished is lost and nothing is done twice. If the design,
the code or an input file changed, it refuses to mix old and new results.

A run that cannot be made (inconsistent inputs) or that raises is recorded with its
error (``status = "failed"``) and the sweep goes on. The summaries (target
probabilities with intervals, quantiles of indicators by year, for each design point)
are folded from the chunk files one at a time
(:mod:`stmarket.experiments.sweeps.summary`), so memory does not grow with the number of
runs.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from stmarket.experiments.assessment.montecarlo import ALL
from stmarket.experiments.outputs import folder as output
from stmarket.experiments.sweeps.design import SweepDesign, SweepPlan, load_design
from stmarket.experiments.sweeps.summary import SUMMARY_INDICATORS, SweepSummary, column
from stmarket.model import indicators
from stmarket.model import kernels as K
from stmarket.model.errors import InputError

MANIFEST = "sweep.json"
#: Seconds to wait for a Dask scheduler before giving up.
CONNECT_TIMEOUT = 20
CHUNKS = "chunks"
SUMMARY = "summary"
_META = b"stmarket.sweep"
#: Source files whose change changes what a run computes (relative to the package root).
_CODE = ("model", "experiments/sweeps", "experiments/assessment/montecarlo.py")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def code_hash() -> str:
    """Hash of the model's source and the numerical libraries' versions."""
    import numba

    h = hashlib.sha256()
    files: list[Path] = []
    root = output.source_root()
    for part in _CODE:
        p = root / part
        files += sorted(p.glob("*.py")) if p.is_dir() else [p]
    for f in files:
        h.update(f.relative_to(root).as_posix().encode())
        h.update(f.read_bytes())
    h.update(f"numpy {np.__version__} numba {numba.__version__}".encode())
    return h.hexdigest()


def _inputs_hash(P, LEV, seeds, runs) -> str:
    h = hashlib.sha256()
    for a in (P, LEV, seeds, runs):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def chunk_range(plan: SweepPlan, i: int) -> tuple[int, int]:
    c = plan.design.chunk
    return i * c, min(plan.design.n_runs, (i + 1) * c)


def n_chunks(plan: SweepPlan) -> int:
    return -(-plan.design.n_runs // plan.design.chunk)


def compute_chunk(plan: SweepPlan, i: int, n_threads: int | None = 1
                  ) -> tuple[int, str, pd.DataFrame]:
    """Compute chunk ``i``: one row per run with its inputs, status, the target
    measures and verdicts, and the summary indicators by year.

    Returns
    -------
    i, inputs_hash, table
    """
    from stmarket.model.core import run_batch

    start, stop = chunk_range(plan, i)
    P, LEV, seeds, runs, point, replicate, errors = plan.run_inputs(start, stop)
    prof = plan.profile
    n, ny = stop - start, prof.n_years
    Y = np.zeros((n, ny, K.NY))
    ok = np.array([not e for e in errors], dtype=bool)
    idx = np.flatnonzero(ok)
    if idx.size:
        try:
            Y[idx], _ = run_batch(prof, P[idx], LEV[idx], seeds[idx], runs[idx],
                                  n_threads=n_threads)
        except Exception:  # find the runs that fail, keep the others
            for k in idx:
                try:
                    Y[k], _ = run_batch(prof, P[k:k + 1], LEV[k], seeds[k:k + 1],
                                        runs[k:k + 1], n_threads=n_threads)
                except Exception as exc:  # noqa: BLE001 - recorded, the sweep goes on
                    errors[k] = f"{type(exc).__name__}: {exc}".replace("\n", " ")
                    ok[k] = False
    ind = indicators.compute(Y, P[:, K.P_INFLATION])
    measures, met = plan.targets.score(ind, prof.years)
    cols: dict[str, np.ndarray | list] = {
        "run": runs, "point": point, "replicate": replicate, "seed": seeds,
    }
    for j, f in enumerate(plan.design.factors):
        cols[f.name] = plan.points[point, j]
    cols["status"] = np.where(ok, "ok", "failed").astype(object)
    cols["error"] = np.array(errors, dtype=object)
    for k, t in enumerate(plan.targets.targets):
        cols[f"met_{t.id}"] = met[:, k] & ok
        cols[f"measure_{t.id}"] = np.where(ok, measures[:, k], np.nan)
    for name in SUMMARY_INDICATORS:
        for j, y in enumerate(prof.years):
            cols[column(name, int(y))] = np.where(ok, ind[name][:, j], np.nan)
    return i, _inputs_hash(P, LEV, seeds, runs), pd.DataFrame(cols)


# ---------------------------------------------------------------------------
# Executors: every one yields (i, inputs_hash, table) for the chunks asked for
# ---------------------------------------------------------------------------

_WORKER_PLAN: SweepPlan | None = None


def _init_worker(plan: SweepPlan) -> None:
    global _WORKER_PLAN
    _WORKER_PLAN = plan


def _pool_task(i: int):
    return compute_chunk(_WORKER_PLAN, i, n_threads=1)


def _run_local(plan: SweepPlan, todo: list[int]) -> Iterator:
    for i in todo:
        yield compute_chunk(plan, i, n_threads=1)


def _run_pool(plan: SweepPlan, todo: list[int], workers: int) -> Iterator:
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    ctx = mp.get_context("spawn")  # no fork of a process holding numba threads
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(plan,)) as pool:
        pending: set = set()
        queue = iter(todo)
        for i in queue:  # at most two chunks per worker in flight: bounded memory
            pending.add(pool.submit(_pool_task, i))
            if len(pending) >= 2 * workers:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()
                nxt = next(queue, None)
                if nxt is not None:
                    pending.add(pool.submit(_pool_task, nxt))


def _dask_task(plan: SweepPlan, i: int):
    return compute_chunk(plan, i, n_threads=1)


def _run_dask(plan: SweepPlan, todo: list[int], scheduler) -> Iterator:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise InputError("argument", "--scheduler", "needs Dask distributed: "
                                                    "pip install 'dask[distributed]'") from None
    own = not hasattr(scheduler, "submit")
    if own:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError("argument", "--scheduler",
                             f"cannot reach a Dask scheduler at {scheduler!r} ({exc})") from None
    else:
        client = scheduler
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        plan_f = client.scatter(plan, broadcast=True)
        queue = iter(todo)
        first = [client.submit(_dask_task, plan_f, i, pure=False)
                 for i in _take(queue, 2 * n_workers)]
        ac = as_completed(first)
        for fut in ac:
            yield fut.result()
            fut.release()
            nxt = next(queue, None)
            if nxt is not None:
                ac.add(client.submit(_dask_task, plan_f, nxt, pure=False))
    finally:
        if own:
            client.close()


def _take(it: Iterator, n: int) -> list:
    out = []
    for x in it:
        out.append(x)
        if len(out) >= n:
            break
    return out


# ---------------------------------------------------------------------------
# The sweep
# ---------------------------------------------------------------------------

def _write_chunk(path: Path, key: str, i: int, inputs: str, df: pd.DataFrame) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[_META] = json.dumps({"key": key, "chunk": i, "inputs": inputs}).encode()
    table = table.replace_schema_metadata(meta)
    with output.atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def _chunk_meta(path: Path) -> dict | None:
    import pyarrow.parquet as pq

    try:
        meta = pq.read_schema(path).metadata or {}
        return json.loads(meta[_META])
    except Exception:  # noqa: BLE001 - unreadable: not a finished chunk
        return None


@dataclass
class SweepResult:
    """A finished sweep's folder."""

    out: Path
    manifest: dict

    def targets(self) -> pd.DataFrame:
        return pd.read_csv(self.out / SUMMARY / "targets.csv")

    def quantiles(self) -> pd.DataFrame:
        return pd.read_csv(self.out / SUMMARY / "quantiles.csv")

    def failures(self) -> pd.DataFrame:
        return pd.read_csv(self.out / SUMMARY / "failures.csv")

    def runs(self, columns: list[str] | None = None) -> pd.DataFrame:
        """Every run (one row each), read from the chunk files."""
        return pd.read_parquet(self.out / CHUNKS, columns=columns)


Progress = Callable[[int, int], None]


def run_sweep(design: str | Path | SweepDesign, out: str | Path, workers: int = 1,
              scheduler: object = None, resume: bool = False,
              progress: Progress | None = None) -> SweepResult:
    """Run a sweep design into ``out``, or finish an interrupted one.

    Parameters
    ----------
    design : str, Path or SweepDesign
        A bundled design name, a design file, or a loaded design (e.g. with another
        targets file or pass marks, :meth:`SweepDesign.with_targets`).
    out : str or Path
        Output folder: ``sweep.json``, ``chunks/``, ``summary/``.
    workers : int
        Worker processes (1: in this process).
    scheduler : str or distributed.Client, optional
        A Dask scheduler address (``tcp://host:8786``) or client; replaces workers.
    resume : bool
        Continue a sweep already in ``out`` (required if there is one).
    progress : callable(done, total), optional
        Called with the runs done so far.
    """
    d = design if isinstance(design, SweepDesign) else load_design(design)
    plan = SweepPlan.load(d)
    out = output.check_folder(out)
    man_path = out / MANIFEST
    code = code_hash()
    inputs = plan.input_hashes()
    key = hashlib.sha256(json.dumps([d.hash(), code, inputs], sort_keys=True).encode()
                         ).hexdigest()
    if man_path.exists():
        try:
            old = json.loads(man_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise InputError(man_path, "", "not a readable sweep manifest; use another "
                                           "--out") from None
        if not resume:
            raise InputError(out, "--out", "holds a sweep already (sweep.json): pass --resume "
                                           "to finish it, or choose another folder")
        scored = {k: old.get("design", {}).get(k) for k in ("targets", "thresholds")}
        if scored != {k: d.canonical().get(k) for k in ("targets", "thresholds")}:
            marks = ", ".join(f"{i}={v:g}" + ("" if h is None else f",{h:g}")
                              for i, v, h in scored["thresholds"] or []) or "none"
            which = scored["targets"] or "of the profile"
            raise InputError(man_path, "design.targets",
                             f"this sweep scores the targets {which} with pass marks changed: "
                             f"{marks}; resume it with the same --targets and "
                             "--target-threshold")
        if old.get("design_hash") != d.hash():
            raise InputError(man_path, "design_hash", "the design changed since this sweep "
                                                      "started; its results would mix with the "
                                                      "new ones: use another --out")
        if old.get("code_hash") != code:
            raise InputError(man_path, "code_hash",
                             f"the code changed since this sweep started (commit "
                             f"{old.get('commit')}); results would mix: use another --out, "
                             "or finish it with that code")
        for k, v in inputs.items():
            if old.get("inputs", {}).get(k) != v:
                raise InputError(man_path, f"inputs.{k}", "this input file changed since the "
                                                          "sweep started: use another --out")
        manifest = dict(old, resumed=[*old.get("resumed", []), _now()])
    else:
        if (out / CHUNKS).exists() and any((out / CHUNKS).glob("chunk-*.parquet")):
            raise InputError(out, "--out", "holds chunk files but no sweep.json: use another "
                                           "folder")
        manifest = {
            "sweep_key": key, "design_hash": d.hash(), "code_hash": code,
            "design": d.canonical(), "design_file": str(d.path), "inputs": inputs,
            "targets": output.targets_record(plan.targets),
            "n_runs": d.n_runs, "n_points": d.n_points, "chunk": d.chunk,
            "n_chunks": n_chunks(plan), "commit": output.git_commit(),
            "versions": output.versions(), "host": platform.node(), "started": _now(),
            "status": "running",
        }
        output.write_text(man_path, json.dumps(manifest, indent=2, default=str) + "\n")
    chunks = out / CHUNKS
    chunks.mkdir(exist_ok=True)
    for tmp in chunks.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)
    total = n_chunks(plan)
    done: set[int] = set()
    for f in sorted(chunks.glob("chunk-*.parquet")):
        meta = _chunk_meta(f)
        if meta is None:
            f.unlink()  # unreadable: computed again
            continue
        if meta.get("key") != key:
            raise InputError(f, "stmarket.sweep", "a chunk of another sweep: results would mix; "
                                                  "use another --out")
        i = int(meta["chunk"])
        start, stop = chunk_range(plan, i)
        P, LEV, seeds, runs, *_ = plan.run_inputs(start, stop)
        if meta.get("inputs") != _inputs_hash(P, LEV, seeds, runs):
            raise InputError(f, "stmarket.sweep", "its runs' inputs differ from the design's: "
                                                  "use another --out")
        done.add(i)
    todo = [i for i in range(total) if i not in done]
    n_done = sum(chunk_range(plan, i)[1] - chunk_range(plan, i)[0] for i in done)
    if progress is not None:
        progress(n_done, d.n_runs)
    if scheduler is not None:
        results = _run_dask(plan, todo, scheduler)
    elif workers > 1 and len(todo) > 1:
        results = _run_pool(plan, todo, min(workers, len(todo)))
    else:
        results = _run_local(plan, todo)
    for i, ih, df in results:
        _write_chunk(chunks / f"chunk-{i:06d}.parquet", key, i, ih, df)
        n_done += len(df)
        if progress is not None:
            progress(n_done, d.n_runs)
    summary = summarise(plan, out)
    manifest = dict(manifest, status="complete", finished=_now(),
                    failed_runs=int(summary.failed.sum()),
                    summary_bytes=summary.nbytes())
    output.write_text(man_path, json.dumps(manifest, indent=2, default=str) + "\n")
    return SweepResult(out, manifest)


def summarise(plan: SweepPlan, out: Path) -> SweepSummary:
    """Fold every chunk file into the summaries and write ``summary/``."""
    import pyarrow.parquet as pq

    names = [f.name for f in plan.design.factors]
    s = SweepSummary.empty(plan.points, names, plan.targets.ids, plan.profile.years)
    failures = []
    for i in range(n_chunks(plan)):
        df = pq.read_table(out / CHUNKS / f"chunk-{i:06d}.parquet").to_pandas()
        s.add(df)
        bad = df[df.status != "ok"]
        if len(bad):
            failures.append(bad[["run", "point", "replicate", "seed", "error"]])
        del df
    sdir = out / SUMMARY
    tab = s.target_table()  # each target's label from its targets file beside its id
    labels = {t.id: t.label("en") for t in plan.targets.targets} | {ALL: "all targets"}
    tab.insert(tab.columns.get_loc("target") + 1, "label", tab["target"].map(labels))
    output.write_csv(sdir / "targets.csv", tab)
    output.write_csv(sdir / "quantiles.csv", s.quantile_table())
    pts = pd.DataFrame(plan.points, columns=names)
    pts.insert(0, "point", np.arange(len(pts)))
    output.write_csv(sdir / "points.csv", pts)
    fail = (pd.concat(failures, ignore_index=True) if failures else
            pd.DataFrame(columns=["run", "point", "replicate", "seed", "error"]))
    output.write_csv(sdir / "failures.csv", fail)
    return s


__all__ = ["SweepResult", "code_hash", "compute_chunk", "run_sweep", "summarise"]
