"""Benchmark: ``stmarket sweep`` on 1 and 2 workers, against the bare core, and its memory.

1. Throughput. One design (a Latin hypercube over the six task-group levels on top of
   ``plan_2257``, 200 points x enough seeds for ``--runs-throughput`` runs, chunks of
   256) runs as ``stmarket sweep DESIGN --out X --workers 1`` and ``--workers 2``,
   each a subprocess timed from start to exit: interpreter start, imports, loading the
   plan and the compiled kernels, every chunk (runs, indicators, scoring, the table,
   the parquet file written atomically), the summaries and the manifest. Runs per
   second = runs / wall time; the ratio is the speed-up of the second worker.
2. Overhead. The bare core does exactly the same runs in this process: for every
   chunk of the same design, ``SweepPlan.run_inputs(start, stop)`` then
   ``run_batch(profile, P, LEV, seeds, runs, n_threads=1)``, nothing else (no
   indicators, no tables, no parquet; the plan is loaded once, untimed). It is
   compared with the 1-worker sweep (the same single core). Part of the sweep's
   time is a fixed cost that does not depend on the runs: process start and imports
   are timed as ``python -c "import stmarket.experiments.sweeps.runner"`` (a
   subprocess; it imports the model core),
   and ``summarise`` (folding the chunk files into the summaries) is timed in this
   process on the 1-worker sweep's output.
3. Peak memory. Two designs that differ only in ``seeds`` (a factorial over
   ``tg4_intermediary.level`` in [0, 0.5, 1, 2], 2,500 and 25,000 seeds: 10,000 and
   100,000 runs at the same four points) run on ``--workers 2``. The pool's workers
   are grandchildren of this process, so neither ``os.wait4`` nor
   ``RUSAGE_CHILDREN`` can give the tree's peak (both keep the largest single
   process, never a sum). Instead the process tree is read from ``/proc`` every
   0.1 s: the parent's peak (its ``VmHWM``, exact), each worker's peak (``VmHWM``),
   the peak of the sum of the tree's RSS (counts shared pages, such as the libraries,
   once per process) and of the sum of its PSS (shares them out), and the parent's
   peak while the workers live and after they have gone (the summary phase). The
   project requires the 100,000-run sweep's peak within 1.5x of the 10,000-run
   sweep's. The summary's size (``summary_bytes`` in ``sweep.json``) and the chunk
   files' size on disk are printed too.
4. A warm-up sweep (and a warm-up batch in this process) first fills numba's cache;
   the timed runs then alternate (1 worker, 2 workers, bare core; the order reversed
   every other repeat) ``--repeats`` times and the medians are compared, so that a
   change in the machine's speed during the benchmark hits all of them alike.

Run: ``python benchmarks/sweep.py`` (10,000 runs for 1-2; several minutes in all,
most of it the 100,000-run sweep; ``--skip-memory`` leaves out 3).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MIB = 2**20
PAGE = os.sysconf("SC_PAGE_SIZE")


def lever_factors() -> list[tuple[str, str, float]]:
    """(factor, instrument, high) of the bundled ``levers_lhs`` design: the instruments
    of its scenario's plan (Decision 2257's task groups), read from data."""
    from stmarket.experiments.sweeps.design import load_design

    return [(f.name, f.lever, f.high) for f in load_design("levers_lhs").factors
            if f.lever is not None and f.key == "level"]


# ---------------------------------------------------------------------------
# Design files
# ---------------------------------------------------------------------------

def lhs_design(path: Path, runs: int) -> int:
    """The six levels as a Latin hypercube (like ``levers_lhs``), about ``runs`` runs.
    Returns the runs it has."""
    samples = max(1, min(200, runs))
    seeds = max(1, round(runs / samples))
    text = (f'[sweep]\nid = "bench_lhs"\nscenario = "plan_2257"\nmethod = "lhs"\n'
            f"samples = {samples}\nseeds = {seeds}\nseed = 2\n")
    for name, lever, high in lever_factors():
        text += f'\n[factors.{name}]\nlever = "{lever}"\nkey = "level"\nlow = 0.0\n' \
                f"high = {high}\n"
    path.write_text(text, encoding="utf-8")
    return samples * seeds


def factorial_design(path: Path, seeds: int, values=(0.0, 0.5, 1.0, 2.0),
                     chunk: int | None = None) -> int:
    """``tg4_intermediary.level`` at ``values`` x ``seeds``. Returns the runs."""
    text = (f'[sweep]\nid = "bench_tg4"\nscenario = "plan_2257"\nmethod = "factorial"\n'
            f"seeds = {seeds}\nseed = 1\n" + (f"chunk = {chunk}\n" if chunk else "") +
            f'\n[factors.tg4_level]\nlever = "tg4_intermediary"\nkey = "level"\n'
            f"values = [{', '.join(str(v) for v in values)}]\n")
    path.write_text(text, encoding="utf-8")
    return len(values) * seeds


# ---------------------------------------------------------------------------
# The process tree, from /proc
# ---------------------------------------------------------------------------

def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:  # gone between listing and reading
        return None


def descendants(pid: int) -> list[int]:
    """``pid``'s descendants (its children, theirs, ...), from every ``/proc/N/stat``
    (this kernel has no ``/proc/N/task/N/children``)."""
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        stat = _read(f"/proc/{name}/stat")
        if stat is None:
            continue
        ppid = int(stat[stat.rfind(")") + 2:].split()[1])  # after "(comm)": state ppid
        kids.setdefault(ppid, []).append(int(name))
    out, todo = [], [pid]
    while todo:
        for c in kids.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _status(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) in bytes."""
    text = _read(f"/proc/{pid}/status")
    if text is None:
        return None
    v = {}
    for line in text.splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            k, n = line.split(":")
            v[k] = int(n.split()[0]) * 1024
    return (v["VmRSS"], v["VmHWM"]) if len(v) == 2 else None  # a zombie has neither


def _pss(pid: int) -> int:
    text = _read(f"/proc/{pid}/smaps_rollup")
    for line in (text or "").splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


class TreeMemory:
    """Peaks of a process tree sampled every ``interval`` seconds."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.hwm: dict[int, int] = {}  # last VmHWM seen of every process
        self.kind: dict[int, str] = {}  # parent, worker or other
        self.rss_sum = self.pss_sum = 0
        self.parent_with_workers = self.parent_alone = 0
        self.samples = 0

    def _kind(self, pid: int) -> str:
        if pid == self.pid:
            return "parent"
        cmd = (_read(f"/proc/{pid}/cmdline") or "").replace("\0", " ")
        return "worker" if "spawn_main" in cmd else "other"  # other: resource tracker

    def sample(self) -> None:
        rss = pss = 0
        workers = False
        parent_rss = 0
        for pid in [self.pid, *descendants(self.pid)]:
            st = _status(pid)
            if st is None:
                continue
            kind = self.kind.setdefault(pid, self._kind(pid))
            self.hwm[pid] = st[1]
            rss += st[0]
            pss += _pss(pid)
            workers |= kind == "worker"
            if kind == "parent":
                parent_rss = st[0]
        self.rss_sum = max(self.rss_sum, rss)
        self.pss_sum = max(self.pss_sum, pss)
        if workers:
            self.parent_with_workers = max(self.parent_with_workers, parent_rss)
        else:
            self.parent_alone = max(self.parent_alone, parent_rss)
        self.samples += 1

    @property
    def parent(self) -> int:
        return self.hwm.get(self.pid, 0)

    @property
    def worker_peaks(self) -> list[int]:
        return [h for p, h in self.hwm.items() if self.kind.get(p) == "worker"]


# ---------------------------------------------------------------------------
# Running stmarket
# ---------------------------------------------------------------------------

def run_cli(args: list[str], memory: bool = False,
            interval: float = 0.1) -> tuple[float, TreeMemory | None]:
    """Wall time (s) of ``stmarket`` with ``args``; with ``memory``, its tree's peaks."""
    cmd = [sys.executable, "-m", "stmarket.experiments.cli.main", *args]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    mem = TreeMemory(proc.pid) if memory else None
    while True:
        pid, status, _ = os.wait4(proc.pid, os.WNOHANG if memory else 0)
        if pid:
            break
        mem.sample()  # the child is a zombie only after wait4 has seen it: /proc is alive
        time.sleep(interval)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"stmarket {' '.join(args)} failed ({proc.returncode}): {err}")
    return wall, mem


def sweep(design: Path, out: Path, workers: int, memory: bool = False):
    return run_cli(["sweep", str(design), "--out", str(out), "--workers", str(workers),
                    "--no-progress"], memory=memory)


def startup() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import stmarket.experiments.sweeps.runner"],
                   cwd=ROOT, check=True)
    return time.perf_counter() - t0


def chunk_bytes(out: Path) -> int:
    return sum(f.stat().st_size for f in (out / "chunks").glob("chunk-*.parquet"))


def mib(b: float) -> str:
    return f"{b / MIB:,.0f} MiB"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs-throughput", type=int, default=10_000,
                    help="runs of the design timed in 1 and 2 (rounded to 200 points x seeds)")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--skip-memory", action="store_true",
                    help="leave out the 10,000- and 100,000-run sweeps")
    args = ap.parse_args(argv)

    from stmarket.experiments.sweeps.design import SweepPlan, load_design
    from stmarket.experiments.sweeps.runner import chunk_range, n_chunks, summarise
    from stmarket.model.core import run_batch

    tmp = Path(tempfile.mkdtemp(prefix="stmarket-bench-sweep-"))
    try:
        design = tmp / "bench_lhs.toml"
        n = lhs_design(design, args.runs_throughput)
        plan = SweepPlan.load(load_design(design))
        prof = plan.profile
        nc = n_chunks(plan)
        print(f"design: {plan.design.n_points} LHS points x {plan.design.seeds} seeds = {n} "
              f"runs in {nc} chunks of {plan.design.chunk}; {os.cpu_count()} cores, shared "
              "with other work", flush=True)

        # 4. warm-up: numba's cache (in a worker and here), pyarrow, the page cache
        warm = tmp / "warm.toml"
        factorial_design(warm, 4, values=(0.0, 1.0), chunk=4)
        sweep(warm, tmp / "warm", 2)
        P, LEV, seeds, runs, *_ = plan.run_inputs(0, 2)
        run_batch(prof, P, LEV, seeds, runs, n_threads=1)
        summarise(SweepPlan.load(load_design(warm)), tmp / "warm")

        def core() -> float:
            t0 = time.perf_counter()
            for i in range(nc):
                P, LEV, seeds, runs, _, _, errors = plan.run_inputs(*chunk_range(plan, i))
                if any(errors):  # runs the sweep cannot make are not made here either
                    ok = np.array([not e for e in errors])
                    P, LEV, seeds, runs = P[ok], LEV[ok], seeds[ok], runs[ok]
                run_batch(prof, P, LEV, seeds, runs, n_threads=1)
            return time.perf_counter() - t0

        # 1-2. alternating: 1 worker, 2 workers, bare core (reversed every other repeat)
        t1, t2, tc, ts, tsum = [], [], [], [], []
        sizes: dict[str, int] = {}
        for k in range(args.repeats):
            order = ["w1", "w2", "core"] if k % 2 == 0 else ["core", "w2", "w1"]
            for what in order:
                if what == "core":
                    tc.append(core())
                    continue
                out = tmp / f"{what}-{k}"
                w, _ = sweep(design, out, 1 if what == "w1" else 2)
                (t1 if what == "w1" else t2).append(w)
                if what == "w1":
                    t0 = time.perf_counter()
                    summarise(plan, out)
                    tsum.append(time.perf_counter() - t0)
                    sizes["chunks"] = chunk_bytes(out)
                    man = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
                    sizes["summary"] = int(man["summary_bytes"])
                    failed = int(man["failed_runs"])
                shutil.rmtree(out)
            ts.append(startup())
            print(f"repeat {k + 1}: sweep 1 worker {t1[-1]:.1f} s, 2 workers {t2[-1]:.1f} s, "
                  f"bare core {tc[-1]:.1f} s; start + imports {ts[-1]:.2f} s, summarise "
                  f"{tsum[-1]:.2f} s", flush=True)
        s1, s2, c = (float(np.median(x)) for x in (t1, t2, tc))
        st, su = float(np.median(ts)), float(np.median(tsum))
        r1, r2 = n / s1, n / s2
        overhead = s1 / c
        print(f"throughput ({n} runs, medians of {args.repeats}): 1 worker {s1:.1f} s "
              f"({r1:,.0f} runs/s), 2 workers {s2:.1f} s ({r2:,.0f} runs/s): {r2 / r1:.2f}x")
        print(f"bare core (run_inputs + run_batch, 1 thread, same chunks): {c:.1f} s "
              f"({n / c:,.0f} runs/s); sweep on 1 worker / bare core: {overhead:.2f}x")
        print(f"of the 1-worker sweep's {s1:.1f} s: start + imports {st:.2f} s, summarise "
              f"{su:.2f} s; without the start: {(s1 - st) / c:.2f}x the bare core; "
              f"{failed} failed runs")
        print(f"outputs: chunks {sizes['chunks'] / MIB:.1f} MiB on disk "
              f"({sizes['chunks'] / n:,.0f} bytes a run), summary {mib(sizes['summary'])} "
              f"in memory ({plan.design.n_points} points)")

        # 3. peak memory of the whole tree at 10,000 and 100,000 runs
        peaks: dict[int, TreeMemory] = {}
        if not args.skip_memory:
            for seeds_ in (2500, 25000):
                d = tmp / f"mem{seeds_}.toml"
                nr = factorial_design(d, seeds_)
                out = tmp / f"mem{seeds_}"
                w, m = sweep(d, out, 2, memory=True)
                man = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
                peaks[nr] = m
                wp = m.worker_peaks
                print(f"{nr:,} runs on 2 workers: {w:.1f} s ({nr / w:,.0f} runs/s); peak "
                      f"memory: parent {mib(m.parent)} (while workers live "
                      f"{mib(m.parent_with_workers)}, after {mib(m.parent_alone)}), workers "
                      f"{', '.join(mib(h) for h in wp)}; tree sum RSS {mib(m.rss_sum)}, "
                      f"PSS {mib(m.pss_sum)} ({m.samples} samples); summary "
                      f"{man['summary_bytes'] / MIB:.2f} MiB, chunks "
                      f"{chunk_bytes(out) / MIB:.1f} MiB on disk in {man['n_chunks']} files",
                      flush=True)
                shutil.rmtree(out)
            a, b = peaks[10_000], peaks[100_000]
            print(f"peak memory 100k / 10k: tree RSS {b.rss_sum / a.rss_sum:.2f}x, tree PSS "
                  f"{b.pss_sum / a.pss_sum:.2f}x, parent {b.parent / a.parent:.2f}x, largest "
                  f"worker {max(b.worker_peaks) / max(a.worker_peaks):.2f}x (required: within "
                  f"1.5x: {'yes' if b.rss_sum <= 1.5 * a.rss_sum else 'NO'})")

        mem = "skipped"
        if peaks:
            a, b = peaks[10_000], peaks[100_000]
            mem = (f"10k: {a.rss_sum / MIB:.0f} MiB, 100k: {b.rss_sum / MIB:.0f} MiB "
                   f"({b.rss_sum / a.rss_sum:.2f}x)")
        print(f"sweep: 1 vs 2 workers: {r1:,.0f} runs/s vs {r2:,.0f} runs/s ({r2 / r1:.2f}x); "
              f"overhead vs bare core: {overhead:.2f}x; peak memory {mem}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
