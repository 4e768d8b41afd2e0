"""Monte Carlo statistics and the paired engine (known answers, determinism, CRN)."""

from __future__ import annotations

import numpy as np
import pytest

from stmarket.experiments.assessment.montecarlo import ALL, make_design, run_monte_carlo
from stmarket.experiments.assessment.stats import mcnemar, paired_difference, wilson
from stmarket.model import load_scenario, load_targets


def test_wilson_known_values():
    p, lo, hi = wilson(5, 10)
    assert p == 0.5 and lo == pytest.approx(0.2366, abs=1e-4) and hi == pytest.approx(0.7634,
                                                                                        abs=1e-4)
    _, lo0, hi0 = wilson(0, 10)
    assert lo0 == 0.0 and hi0 == pytest.approx(0.2775, abs=1e-4)
    _, lo1, hi1 = wilson(10, 10)
    assert hi1 == pytest.approx(1.0) and lo1 == pytest.approx(0.7225, abs=1e-4)
    with pytest.raises(ValueError):
        wilson(3, 0)


def test_wilson_covers_about_95_percent():
    rng = np.random.default_rng(5)
    k = rng.binomial(200, 0.3, size=4000)
    _, lo, hi = wilson(k, 200)
    assert 0.93 < ((lo <= 0.3) & (0.3 <= hi)).mean() < 0.97


def test_mcnemar_and_paired_difference():
    assert mcnemar(0, 0) == 1.0
    assert mcnemar(10, 10) == pytest.approx(1.0)
    assert mcnemar(20, 2) < 0.001
    assert mcnemar(3, 9) == pytest.approx(mcnemar(9, 3))
    a = np.array([1, 1, 1, 0, 1] * 40, dtype=bool)
    b = np.array([1, 0, 0, 0, 1] * 40, dtype=bool)
    d, lo, hi = paired_difference(a, b)
    assert d == pytest.approx(0.4) and lo < 0.4 < hi


def test_monte_carlo_is_paired_deterministic_and_thread_independent(small_profile):
    targets = load_targets(years=small_profile.years)
    scs = [load_scenario("no_programme"), load_scenario("plan_2257")]
    design = make_design(small_profile, 60, seed=4, n_seeds=2)
    assert design.P.shape[0] == 60 and (design.P[0] == design.P[1]).all()
    r1 = run_monte_carlo(small_profile, scs, targets, design, n_threads=1)
    r2 = run_monte_carlo(small_profile, scs, targets, make_design(small_profile, 60, 4, 2),
                         n_threads=2)
    t1, t2 = r1.target_table(), r2.target_table()
    assert t1.equals(t2)
    assert set(t1["target"]) == set(targets.ids) | {ALL}
    assert ((t1.ci_low <= t1.probability) & (t1.probability <= t1.ci_high)).all()
    assert (t1.runs == 60).all()
    # 2021 is before any lever acts: paired runs agree exactly that year
    np.testing.assert_array_equal(r1.Y["no_programme"][:, 0], r1.Y["plan_2257"][:, 0])
    cmp = r1.compare("plan_2257", "no_programme")
    row = cmp[cmp.target == "intermediary_2030"].iloc[0]
    assert row.b_only == 0  # no public intermediary without the programme
    assert r1.value_difference("plan_2257", "no_programme").shape == (60,)


def test_design_is_one_extensible_sequence(small_profile):
    """Runs a..b of the sequence do not depend on how it is cut (across LHS blocks)."""
    from stmarket.experiments.assessment.montecarlo import BLOCK, Design, design_runs

    whole = make_design(small_profile, BLOCK + 40, seed=9, n_seeds=2)
    parts = Design.concat([design_runs(small_profile, 9, a, b, 2) for a, b in
                           ((0, 7), (7, BLOCK + 1), (BLOCK + 1, BLOCK + 40))])
    for f in ("P", "sample", "replicate", "seeds", "runs"):
        np.testing.assert_array_equal(getattr(whole, f), getattr(parts, f))
    assert whole.sample[-1] == (BLOCK + 39) // 2
    # each block is a Latin hypercube: one sample per stratum in every column
    d = make_design(small_profile, BLOCK, seed=9)
    for name in small_profile.space.uncertain[:10]:
        spec = small_profile.space.specs[name]
        x = d.P[:, small_profile.space.index(name)]
        u = (np.log(x / spec.low) / np.log(spec.high / spec.low) if spec.prior == "loguniform"
             else (x - spec.low) / (spec.high - spec.low))
        strata = np.minimum((u * BLOCK + 1e-9).astype(int), BLOCK - 1)
        assert np.unique(strata).size == BLOCK, name
    other = make_design(small_profile, 10, seed=10)
    assert not np.array_equal(other.P, d.P[:10])


def test_stopping_rule_reaches_the_width_and_equals_a_fixed_run(small_profile):
    from stmarket.experiments.assessment.montecarlo import MonteCarlo

    targets = load_targets(years=small_profile.years)
    scs = [load_scenario("no_programme"), load_scenario("plan_2257")]
    seen = []
    mc = MonteCarlo(small_profile, scs, targets, seed=2)
    assert mc.run_until(0.05, max_runs=5000, first=100,
                        progress=lambda done, total: seen.append((done, total)))
    r = mc.result()
    assert r.max_half_width() <= 0.05 and 100 < r.n_runs < 5000
    assert seen[-1][0] == r.n_runs and all(d <= t for d, t in seen)
    fixed = MonteCarlo(small_profile, scs, targets, seed=2, n_threads=1)
    fixed.extend(r.n_runs, chunk=137)
    assert fixed.result().target_table().equals(r.target_table())
    capped = MonteCarlo(small_profile, scs, targets, seed=2)
    assert not capped.run_until(0.01, max_runs=150, first=100)
    assert capped.n_runs == 150


def test_paired_interval_is_not_degenerate_for_rare_events():
    a = np.zeros(2000, dtype=bool)
    a[0] = True
    d, lo, hi = paired_difference(a, np.zeros(2000, dtype=bool))
    assert d == 0.0005 and lo < 0 < hi and hi > 0.001
    d, lo, hi = paired_difference(np.ones(50, dtype=bool), np.ones(50, dtype=bool))
    assert d == 0 and -0.1 < lo < 0 < hi < 0.1


def test_paired_interval_covers_about_95_percent():
    rng = np.random.default_rng(8)
    hits = 0
    for _ in range(2000):
        u = rng.random(150)
        x = u < 0.3
        y = (u < 0.2) | (rng.random(150) < 0.1)
        _, lo, hi = paired_difference(x, y)
        hits += lo <= 0.3 - (0.2 + 0.8 * 0.1) <= hi
    assert 0.93 < hits / 2000 < 0.97


def test_design_effect_known_cases():
    from stmarket.experiments.assessment.stats import design_effect

    rng = np.random.default_rng(3)
    cluster = np.repeat(np.arange(300), 4)
    independent = rng.random(1200) < 0.4
    assert design_effect(independent, cluster) < 1.3
    shared = np.repeat(rng.random(300) < 0.4, 4)  # every replicate agrees: deff = 4
    assert design_effect(shared, cluster) == pytest.approx(4.0, rel=0.01)
    assert design_effect(np.zeros(1200), cluster) == 1.0
    assert design_effect(independent, np.arange(1200)) == 1.0


def test_clustered_intervals_cover_about_95_percent():
    """Runs sharing a sample (p varies by sample): the design-effect Wilson interval
    covers the true mean about 95 % of the time; the naive one would not."""
    from stmarket.experiments.assessment.stats import design_effect

    rng = np.random.default_rng(4)
    cluster = np.repeat(np.arange(100), 5)
    hits = naive = 0
    for _ in range(1000):
        p_sample = rng.beta(0.6, 0.9, size=100)  # mean 0.4, strongly varying
        x = rng.random(500) < np.repeat(p_sample, 5)
        de = design_effect(x, cluster)
        _, lo, hi = wilson(x.sum() / de, 500 / de)
        hits += lo <= 0.4 <= hi
        _, lo, hi = wilson(int(x.sum()), 500)
        naive += lo <= 0.4 <= hi
    assert 0.92 < hits / 1000 < 0.975 and naive / 1000 < 0.88
