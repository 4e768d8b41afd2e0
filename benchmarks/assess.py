"""Benchmark: ``stmarket run`` against the bare core doing the same runs.

1. ``stmarket run --runs N --workers 2 --seed 1`` (the two default scenarios,
   no_programme and plan_2257) runs as a subprocess and is timed from start to
   exit: interpreter start, imports, loading the compiled kernels, the runs,
   scoring, the tables, runs.parquet, the charts, the report and the manifest. Its
   peak resident memory comes from the kernel's accounting of that child
   (``os.wait4``).
2. The bare core runs exactly the same runs in this process: the same design
   (``make_design``), both scenarios, ``run_batch`` on 2 threads, nothing else.
3. The two are timed alternately (``--repeats`` times) after a warm-up that fills
   numba's cache, and the ratio of the medians is the overhead of everything the
   command does beyond the core.

Run: ``python benchmarks/assess.py`` (default 10,000 runs per scenario).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def run_cli(args: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak RSS (MiB) of ``stmarket`` with ``args``."""
    cmd = [sys.executable, "-m", "stmarket.experiments.cli.main", *args]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"stmarket {' '.join(args)} failed ({proc.returncode}): {err}")
    return wall, usage.ru_maxrss / 1024.0


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10_000, help="runs per scenario")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args(argv)

    from stmarket.experiments.assessment.montecarlo import make_design
    from stmarket.model import load_profile, load_scenario
    from stmarket.model.core import run_batch

    profile = load_profile("bac_kan")
    scenarios = [load_scenario(s) for s in ("no_programme", "plan_2257")]
    out = Path(tempfile.mkdtemp(prefix="stmarket-bench-"))
    try:
        common = ["run", "--seed", "1", "--workers", str(args.workers), "--no-progress"]
        run_cli([*common, "--runs", "20", "--out", str(out / "warm")])  # fill numba's cache

        def core() -> float:
            t0 = time.perf_counter()
            d = make_design(profile, args.runs, seed=1)
            for sc in scenarios:
                run_batch(profile, d.P, sc.budgets(profile.years), d.seeds, d.runs,
                          n_threads=args.workers)
            return time.perf_counter() - t0

        core_t, cli_t, rss = [], [], []
        for k in range(args.repeats):
            w, m = run_cli([*common, "--runs", str(args.runs), "--out", str(out / f"r{k}")])
            cli_t.append(w)
            rss.append(m)
            core_t.append(core())
            print(f"repeat {k + 1}: stmarket run {w:.1f} s (peak {m:.0f} MiB); "
                  f"bare core {core_t[-1]:.1f} s", flush=True)
        size = sum(f.stat().st_size for f in (out / "r0").iterdir()) / 2**20
        c, s = float(np.median(core_t)), float(np.median(cli_t))
        n = 2 * args.runs
        print(f"{args.runs} runs x 2 scenarios on {args.workers} workers: stmarket run "
              f"{s:.1f} s, bare core {c:.1f} s ({n / c:.0f} runs/s); outputs {size:.0f} MiB")
        print(f"overhead ratio (stmarket run / bare core): {s / c:.2f}x; "
              f"peak memory of stmarket run: {max(rss):.0f} MiB")
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
