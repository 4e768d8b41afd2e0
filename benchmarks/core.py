"""Benchmark: the numba core against the Mesa path and against its own random draws.

On the Bắc Kạn profile under the plan scenario, with parameter vectors sampled from
the priors:

1. the Mesa path (``STMarket``, one agent ``step`` at a time) and the core
   (``run_batch`` on 1 thread) run the same runs; their yearly results must be
   identical. Each Mesa run is timed next to the core on the same run, and the
   median of the run-by-run ratios is the first ratio;
2. the core runs a larger batch on 1 thread, and ``rng_floor`` draws exactly as
   many uniforms and normals for each run through the same generator, the two timed
   alternately: the median ratio is how much the model costs beyond its random
   numbers;
3. throughput of the core on 2 threads against 1;
4. the core on a province ten times bigger (ten times the buyers and the in-province
   research organisations; the same outside suppliers), timed alternately with the
   province itself on the same parameter vectors: the cost per run, bigger over
   smaller (at most 11x is the budget: the model's work per run should grow no faster
   than the province).

Timing side by side makes the ratios robust to the machine's speed changing during
the benchmark (seen here: the same run taking 180 or 330 ms minutes apart).
Run: ``python benchmarks/core.py``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def best_of(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mesa-runs", type=int, default=5)
    ap.add_argument("--core-runs", type=int, default=400)
    ap.add_argument("--throughput-runs", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)

    import numba

    from stmarket.model import kernels as K
    from stmarket.model import load_profile, load_scenario
    from stmarket.model.core import run_batch, threads
    from stmarket.model.market import STMarket

    profile = load_profile("bac_kan")
    scenario = load_scenario("plan_2257")
    lev = scenario.budgets(profile.years)
    n = max(args.core_runs, args.mesa_runs)
    P = profile.space.sample(n, seed=7)
    seeds = np.full(n, 7, dtype=np.int64)
    runs = np.arange(n, dtype=np.int64)
    print(f"profile: {profile.name}; {profile.EI0.shape[0]} enterprises, "
          f"{profile.RI0.shape[0]} research organisations, {profile.n_months} months")
    print(f"numba {numba.__version__}, threads available: {numba.config.NUMBA_NUM_THREADS}")

    # warm up both paths (compile, or load numba's cache) before timing anything
    run_batch(profile, P[:2], lev, seeds[:2], runs[:2], n_threads=1)
    warm = STMarket(profile.scaled(0.05), scenario, seed=0, params=P[0], log=False)
    for _ in range(13):
        warm.step()
    m = args.mesa_runs
    Y_core, _ = run_batch(profile, P[:m], lev, seeds[:m], runs[:m], n_threads=1)

    # 1. Mesa path vs core on the same runs. Each Mesa run is timed right next to
    # the core on the same run (best of several repeats), so that a change in the
    # machine's speed during the benchmark cancels out of each ratio.
    mesa_times, core_times = [], []
    for b in range(m):
        t0 = time.perf_counter()
        model = STMarket(profile, scenario, seed=int(seeds[b]), run=int(runs[b]), params=P[b],
                         log=False)
        model.run_model()
        mesa_times.append(time.perf_counter() - t0)
        if not np.array_equal(model.state.Y, Y_core[b]):
            raise SystemExit(f"Mesa path and core differ on run {b}")
        sl = slice(b, b + 1)
        core_times.append(best_of(lambda sl=sl: run_batch(profile, P[sl], lev, seeds[sl],
                                                          runs[sl], n_threads=1),
                                  args.repeats))
    mesa_ratio = float(np.median(np.array(mesa_times) / np.array(core_times)))
    print(f"mesa path: {np.median(mesa_times) * 1e3:.1f} ms/run; core on the same runs: "
          f"{np.median(core_times) * 1e3:.2f} ms/run (medians of {m}; identical results: "
          f"yes); ratios run by run: "
          + ", ".join(f"{a / c:.0f}x" for a, c in zip(mesa_times, core_times, strict=True)))

    # 2. core vs the bare cost of its random numbers (1 thread), interleaved batches
    nc = args.core_runs
    _, draws = run_batch(profile, P[:nc], lev, seeds[:nc], runs[:nc], n_threads=1)
    out = np.zeros(nc)
    nd = np.ascontiguousarray(draws[:, 0])
    nn = np.ascontiguousarray(draws[:, 1])
    t_core, t_floor = [], []
    with threads(1):
        K.rng_floor(nd[:2], nn[:2], seeds[:2], runs[:2], out[:2])
        for _ in range(args.repeats):
            t_core.append(best_of(lambda: run_batch(profile, P[:nc], lev, seeds[:nc],
                                                    runs[:nc], n_threads=1), 1))
            t_floor.append(best_of(lambda: K.rng_floor(nd, nn, seeds[:nc], runs[:nc], out), 1))
    floor_ratio = float(np.median(np.array(t_core) / np.array(t_floor)))
    print(f"core: {min(t_core) / nc * 1e3:.3f} ms/run over {nc} runs (1 thread); "
          f"{nd.mean():,.0f} uniforms and {nn.mean():,.0f} normals a run")
    print(f"rng floor: {min(t_floor) / nc * 1e3:.3f} ms/run (the same draws, nothing else)")

    # 3. throughput on 2 threads against 1
    nt = args.throughput_runs
    Pt = profile.space.sample(nt, seed=8)
    st = np.full(nt, 8, dtype=np.int64)
    rt = np.arange(nt, dtype=np.int64)
    two = min(2, numba.config.NUMBA_NUM_THREADS)
    run_batch(profile, Pt[:4], lev, st[:4], rt[:4], n_threads=two)
    t_one, t_two = [], []
    for _ in range(max(1, args.repeats // 2)):
        t_one.append(best_of(lambda: run_batch(profile, Pt, lev, st, rt, n_threads=1), 1))
        t_two.append(best_of(lambda: run_batch(profile, Pt, lev, st, rt, n_threads=two), 1))
    print(f"throughput: {nt / min(t_one):,.0f} runs/s on 1 thread, {nt / min(t_two):,.0f} "
          f"runs/s on {two} threads (speed-up {min(t_one) / min(t_two):.2f}x)")
    # 4. a province ten times bigger, on the same parameter vectors, alternately
    big = bigger(profile, 10)
    nb = max(20, args.core_runs // 10)
    run_batch(big, P[:2], lev, seeds[:2], runs[:2], n_threads=1)
    t_small, t_big = [], []
    for _ in range(args.repeats):
        t_small.append(best_of(lambda: run_batch(profile, P[:nb], lev, seeds[:nb], runs[:nb],
                                                 n_threads=1), 1))
        t_big.append(best_of(lambda: run_batch(big, P[:nb], lev, seeds[:nb], runs[:nb],
                                               n_threads=1), 1))
    big_ratio = float(np.median(np.array(t_big) / np.array(t_small)))
    print(f"10x province: {big.n_buyers} buyers, {min(t_big) / nb * 1e3:.2f} ms/run against "
          f"{min(t_small) / nb * 1e3:.2f} ms/run ({big_ratio:.1f}x per run, {nb} runs)")
    print(f"core vs mesa: {mesa_ratio:.0f}x; core vs rng floor: {floor_ratio:.1f}x; "
          f"runs/s (2 threads): {nt / min(t_two):.0f}; 10x province: {big_ratio:.1f}x per run")


def bigger(profile, factor: int):
    """The province with ``factor`` times its buyers and in-province research
    organisations (each repeated), and the same outside suppliers."""
    import dataclasses

    from stmarket.model import kernels as K

    buyers = np.flatnonzero(profile.EI0[:, K.S_ROLE] == K.ROLE_BUYER)
    vendors = np.flatnonzero(profile.EI0[:, K.S_ROLE] != K.ROLE_BUYER)
    e_idx = np.concatenate([np.repeat(buyers, factor), vendors])
    scope = profile.XI0[-len(profile.locations):, K.XS_SCOPE]
    local = scope[profile.RI0[:, K.RS_LOC]] == K.SCOPE_PROVINCE
    r_idx = np.concatenate([np.repeat(np.flatnonzero(local), factor), np.flatnonzero(~local)])
    return dataclasses.replace(
        profile, id=f"{profile.id}_x{factor}", EI0=profile.EI0[e_idx].copy(),
        RI0=profile.RI0[r_idx].copy(),
        enterprise_labels=[profile.enterprise_labels[i] for i in e_idx],
        research_labels=[profile.research_labels[i] for i in r_idx])


if __name__ == "__main__":
    main()
