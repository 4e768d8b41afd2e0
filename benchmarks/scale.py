"""Benchmark: how the cost of a run grows with the province, from Bắc Kạn to Vietnam.

Three profiles under the plan scenario, on the same points of the unit cube mapped
through each profile's own priors:

1. ``bac_kan``: the former province (about 1,300 enterprises);
2. ``thai_nguyen``: the merged province from July 2025 (about seven times bigger);
3. ``vietnam``: a national-size profile (about 900,000 enterprises).

A missing bundled profile (or ``--synthetic``) is replaced by Bắc Kạn with every
group's count, and every count of its parameters (provincial tasks), multiplied by 7 or
700.

Timing: each round times every profile once (its own number of runs, 1 thread, in CPU
time of the process: waiting for a core on a shared machine does not count), the
rounds alternating, so that the machine's speed changing during the benchmark cancels
out of the ratios; the cost per enterprise of each profile relative to Bắc Kạn is the
median of the round-by-round ratios. Memory: each profile's runs are repeated in a
child process, whose peak resident memory above what it held before the runs (the
interpreter, numpy and the compiled kernels) is the memory a run needs; "state MiB" is
the size of the arrays of one run's state (the peak of a small profile is below what the
process already holds).

The last line states the ratio of the national profile's cost per enterprise to Bắc
Kạn's; issue 12 asks for at most 1.5x.
Run: ``python benchmarks/scale.py`` (a few minutes; ``--rounds`` to change).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
#: (profile, factor of the synthetic stand-in, runs per round)
PROFILES = (("bac_kan", 1, 60), ("thai_nguyen", 7, 10), ("vietnam", 700, 1))
#: parameters that are counts of the province (scaled in a synthetic stand-in)
COUNTS = ("new_tasks_per_year", "initial_active_tasks")


def synthetic(profile, factor: int):
    """Bắc Kạn with every enterprise, vendor and research organisation repeated
    ``factor`` times (buyers first, then vendors, as the core needs) and its counts of
    provincial tasks multiplied by ``factor``."""
    import copy

    from stmarket.model import kernels as K

    e = np.repeat(np.arange(profile.EI0.shape[0]), factor)
    buyer = profile.EI0[e, K.S_ROLE] == K.ROLE_BUYER
    e = np.concatenate([e[buyer], e[~buyer]])
    r = np.repeat(np.arange(profile.RI0.shape[0]), factor)
    space = copy.copy(profile.space)  # the same layout and sampling order
    space.specs = dict(space.specs)
    for name in COUNTS:
        spec = space.specs[name]
        space.specs[name] = dataclasses.replace(spec, value=spec.value * factor)
    return dataclasses.replace(
        profile, id=f"{profile.id}_x{factor}", EI0=profile.EI0[e].copy(),
        RI0=profile.RI0[r].copy(), enterprise_labels=[profile.enterprise_labels[i] for i in e],
        research_labels=[profile.research_labels[i] for i in r],
        space=space)


def load(name: str, factor: int, force_synthetic: bool):
    """The bundled profile ``name``, or its synthetic stand-in; and which it is."""
    from stmarket.model import load_profile
    from stmarket.model.profile import scenarios_dir

    if not force_synthetic and (scenarios_dir() / "profiles" / f"{name}.toml").exists():
        return load_profile(name), "bundled"
    if factor == 1:
        return load_profile(name), "bundled"
    return synthetic(load_profile("bac_kan"), factor), f"bac_kan x{factor}"


def design(profile, n: int, seed: int = 7) -> np.ndarray:
    """``n`` parameter vectors: the same unit-cube points for every profile with the
    same uncertain parameters."""
    from scipy.stats import qmc

    d = len(profile.space.uncertain)
    u = qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(n)
    return profile.space.from_unit(u)


def timed_batch(profile, lev, P, first_run: int) -> float:
    """CPU time of ``P.shape[0]`` runs on 1 thread (the process's CPU time, so that
    time spent waiting for a core on a shared machine does not count)."""
    from stmarket.model.core import run_batch

    n = P.shape[0]
    seeds = np.full(n, 7, dtype=np.int64)
    runs = np.arange(first_run, first_run + n, dtype=np.int64)
    t0 = time.process_time()
    run_batch(profile, P, lev, seeds, runs, n_threads=1)
    return time.process_time() - t0


def state_mib(profile, p) -> float:
    """Size of one run's state (MiB): every array ``allocate`` makes, at the starting
    table sizes the batch core would use for parameter vector ``p``."""
    from stmarket.model import kernels as K

    cap = profile.capacity
    sizes = K.start_sizes(p, profile.EI0, profile.RI0, cap["tasks"], cap["intermediaries"],
                          cap["offers"], profile.n_months)
    s = K.allocate(profile.EI0, profile.RI0, profile.XI0, profile.AR0, profile.merge_month,
                   *sizes, profile.n_months, 1)
    return sum(a.nbytes for a in s) / 2**20


def child(name: str, factor: int, n_runs: int, force_synthetic: bool) -> None:
    """Child process: peak memory (MiB) of the runs above what was held before."""
    from stmarket.model import load_profile, load_scenario

    small = load_profile("bac_kan")
    lev = load_scenario("plan_2257").budgets(small.years)
    timed_batch(small, lev, design(small, 1), 0)  # load the compiled kernels
    profile, _ = load(name, factor, force_synthetic)
    P = design(profile, n_runs)
    held = _status_kib("VmRSS")
    try:  # reset the peak (VmHWM) to the present size: only the runs' peak counts
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        peak_key = "VmHWM"
    except OSError:
        peak_key = ""
    timed_batch(profile, lev, P, 0)
    peak = _status_kib(peak_key) if peak_key else \
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_mib": (peak - held) / 1024.0, "held_mib": held / 1024.0}))


def _status_kib(field: str) -> int:
    """A size from /proc/self/status, KiB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def memory(name: str, factor: int, n_runs: int, force_synthetic: bool) -> float:
    """Peak memory of ``n_runs`` runs of a profile (MiB), from a child process."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", name,
           "--factor", str(factor), "--child-runs", str(n_runs)]
    if force_synthetic:
        cmd.append("--synthetic")
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    return float(json.loads(out.stdout.strip().splitlines()[-1])["peak_mib"])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--synthetic", action="store_true",
                    help="use Bắc Kạn scaled x7 and x700 even if the bundled profiles exist")
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--factor", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--child-runs", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child, args.factor, args.child_runs, args.synthetic)
        return

    from stmarket.model import load_scenario

    rows = []
    for name, factor, n_runs in PROFILES:
        profile, kind = load(name, factor, args.synthetic)
        rows.append({"name": name, "factor": factor, "profile": profile, "kind": kind,
                     "runs": n_runs, "P": design(profile, n_runs), "times": []})
    lev = load_scenario("plan_2257").budgets(rows[0]["profile"].years)
    for row in rows:  # warm up: compile or load the kernels, first touch of memory
        timed_batch(row["profile"], lev, row["P"][:1], 10_000)
    for _ in range(args.rounds):
        for row in rows:
            row["times"].append(timed_batch(row["profile"], lev, row["P"], 0) / row["runs"])
    n_ent0 = rows[0]["profile"].EI0.shape[0]
    base = np.array(rows[0]["times"]) / n_ent0
    print(f"{'profile':<13}{'source':<14}{'enterprises':>12}{'research':>10}{'runs':>6}"
          f"{'ms/run':>11}{'us/ent':>8}{'state MiB':>10}{'peak MiB':>10}{'vs bac_kan':>12}")
    ratios = {}
    for row in rows:
        prof = row["profile"]
        n_ent = prof.EI0.shape[0]
        per_ent = np.array(row["times"]) / n_ent
        ratio = float(np.median(per_ent / base))
        ratios[row["name"]] = ratio
        mem = float("nan") if args.no_memory else memory(row["name"], row["factor"], 1,
                                                        args.synthetic)
        print(f"{row['name']:<13}{row['kind']:<14}{n_ent:>12,}{prof.RI0.shape[0]:>10,}"
              f"{row['runs']:>6}{min(row['times']) * 1e3:>11.1f}"
              f"{min(row['times']) / n_ent * 1e6:>8.2f}{state_mib(prof, row['P'][0]):>10.2f}"
              f"{mem:>10.1f}{ratio:>11.2f}x")
    print(f"cost per enterprise, national / Bắc Kạn: {ratios['vietnam']:.2f}x "
          f"(issue 12 asks for at most 1.5x; median of {args.rounds} alternating rounds)")


if __name__ == "__main__":
    main()
