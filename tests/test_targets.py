"""Targets are scored from behaviour: definitions, and verdicts that vary."""

from __future__ import annotations

import numpy as np
import pytest

from stmarket.model import indicators, load_profile, load_scenario, load_targets
from stmarket.model import kernels as K
from stmarket.model.core import run_batch
from stmarket.model.errors import InputError


def _ind(values: dict[str, list[float]]) -> dict[str, np.ndarray]:
    return {k: np.asarray(v, dtype=float) for k, v in values.items()}


def test_cagr_definition_and_lower_bound_of_ranges():
    targets = load_targets()
    years = np.arange(2021, 2031)
    value = 100.0 * 1.05 ** np.arange(10)  # exactly 5 %/yr throughout
    ind = _ind({
        "value_nominal": value, "ip_share": [0.0] * 4 + [0.05] + [0.0] * 4 + [0.11],
        "tech_share": [0.05] * 10, "research_origin_share": [0.06] * 10,
        "intermediaries_connected": [0.0] * 9 + [1.0], "digitised_share": [0.8] * 10,
    })
    measures, met = targets.score(ind, years)
    m = dict(zip(targets.ids, measures, strict=True))
    ok = dict(zip(targets.ids, met, strict=True))
    assert m["value_growth_2025"] == pytest.approx(0.05)
    assert ok["value_growth_2025"]  # ">=": exactly 5 % passes
    assert not ok["value_growth_2030"]  # 5 %/yr over 2025-2030 is below 10 %
    assert not ok["ip_share_2025"]  # "> 5 %": exactly 5 % does not pass
    assert ok["ip_share_2030"]
    assert ok["tech_share_2025"]  # the range 5-10 % passes at its lower bound
    assert not ok["tech_share_2030"]
    assert ok["research_origin_share_2030"] and ok["intermediary_2030"] and ok["digitised_2030"]


def test_growth_without_a_base_year_market_is_not_met():
    targets = load_targets()
    years = np.arange(2021, 2031)
    ind = {k: np.zeros(10) for k in ("ip_share", "tech_share", "research_origin_share",
                                      "intermediaries_connected", "digitised_share")}
    ind["value_nominal"] = np.r_[0.0, np.ones(9)]
    _, met = targets.score(ind, years)
    assert not met[targets.ids.index("value_growth_2025")]


def test_research_origin_threshold_can_be_changed():
    t = load_targets().with_threshold("research_origin_share_2030", 0.10)
    target = t.targets[t.ids.index("research_origin_share_2030")]
    assert target.threshold == 0.10 and target.interpretation


def test_the_model_does_not_decide_the_answer():
    """Under the plan, verdicts vary across seeds and uncertain parameters: no target
    is met in every run by construction, and several are met in some runs only."""
    profile = load_profile()
    targets = load_targets(years=profile.years)
    plan = load_scenario("plan_2257")
    n = 200
    P = profile.space.sample(n, seed=11)
    Y, _ = run_batch(profile, P, plan.budgets(profile.years), np.full(n, 11), np.arange(n))
    ind = indicators.compute(Y, P[:, K.P_INFLATION])
    _, met = targets.score(ind, profile.years)
    p = met.mean(axis=0)
    varying = [tid for tid, q in zip(targets.ids, p, strict=True) if 0.0 < q < 1.0]
    assert len(varying) >= 5, dict(zip(targets.ids, p, strict=True))
    for tid in ("value_growth_2025", "value_growth_2030", "ip_share_2030", "intermediary_2030"):
        assert tid in varying, dict(zip(targets.ids, p, strict=True))
    # the same parameters with different seeds alone also change verdicts
    P1 = np.tile(profile.space.central(), (n, 1))
    Y1, _ = run_batch(profile, P1, plan.budgets(profile.years), np.full(n, 12), np.arange(n))
    _, met1 = targets.score(indicators.compute(Y1, P1[:, K.P_INFLATION]), profile.years)
    assert ((met1.mean(axis=0) > 0) & (met1.mean(axis=0) < 1)).sum() >= 3


def test_plan_beats_no_programme_on_paired_runs():
    """Common random numbers: the plan's mean 2030 value exceeds the baseline's."""
    profile = load_profile()
    n = 150
    P = profile.space.sample(n, seed=3)
    seeds, runs = np.full(n, 3), np.arange(n)
    Y0, _ = run_batch(profile, P, load_scenario("no_programme").budgets(profile.years), seeds,
                      runs)
    Y1, _ = run_batch(profile, P, load_scenario("plan_2257").budgets(profile.years), seeds, runs)
    d = Y1[:, -1, K.Y_VALUE] - Y0[:, -1, K.Y_VALUE]
    assert d.mean() > 2 * d.std(ddof=1) / np.sqrt(n)


def test_every_indicator_a_target_may_name_is_computed():
    Y = np.zeros((3, 10, K.NY))
    Y[..., K.Y_VALUE] = 1.0
    assert set(indicators.compute(Y, 0.03)) == set(indicators.INDICATORS)


# ---- target kinds, pass marks and their checks (no simulation) ----------------------------

def _plan(tmp_path, *targets: str, extra: str = "") -> object:
    """A targets file with the given [[targets]] bodies."""
    text = '[plan]\nid = "t"\nname = "Test plan"\n' + extra + "".join(
        f"\n[[targets]]\n{body.strip()}\n" for body in targets)
    path = tmp_path / "targets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _one(tmp_path, body: str, years=None):
    return load_targets(_plan(tmp_path, body), years=years).targets[0]


YEARS = np.arange(2021, 2031)


def test_at_most_below_and_ranges(tmp_path):
    x = np.array([0.0, 0.05, 0.07, 0.10, 0.2, np.nan])
    base = 'id = "t"\nindicator = "tech_share"\nkind = "level"\nyear = 2025\n'
    assert list(_one(tmp_path, base + 'op = "<="\nthreshold = 0.1').met(x)) == \
        [True, True, True, True, False, False]
    assert list(_one(tmp_path, base + 'op = "<"\nthreshold = 0.1').met(x)) == \
        [True, True, True, False, False, False]
    both = _one(tmp_path, base + 'op = "between"\nlow = 0.05\nhigh = 0.1')
    assert both.inclusive == "both"  # a plan's "5-10 %" includes its ends
    assert list(both.met(x)) == [False, True, True, True, False, False]
    for inc, want in (("neither", [False, False, True, False, False, False]),
                      ("low", [False, True, True, False, False, False]),
                      ("high", [False, False, True, True, False, False])):
        t = _one(tmp_path, base + f'op = "between"\nlow = 0.05\nhigh = 0.1\ninclusive = "{inc}"')
        assert list(t.met(x)) == want, inc


def test_growth_kinds_and_undefined_growth(tmp_path):
    v = 100.0 * np.array([1.0, 1.1, 0.99, 1.2, 1.3, 1.0, 1.0, 1.0, 1.0, 1.0])
    ind = {"value_nominal": v}
    cagr = _one(tmp_path, 'id = "g"\nindicator = "value_nominal"\nkind = "cagr"\nbase_year = '
                          '2021\nyear = 2025\nop = ">="\nthreshold = 0.05')
    mean = _one(tmp_path, 'id = "g"\nindicator = "value_nominal"\nkind = "mean_growth"\n'
                          'base_year = 2021\nyear = 2025\nop = ">="\nthreshold = 0.05')
    rates = v[1:5] / v[:4] - 1
    assert cagr.measure(ind, YEARS) == pytest.approx(1.3 ** 0.25 - 1)
    assert mean.measure(ind, YEARS) == pytest.approx(rates.mean())
    assert mean.measure(ind, YEARS) > cagr.measure(ind, YEARS)  # the two readings differ
    # a zero in the base (or, for the mean, any earlier year) leaves growth undefined: NaN,
    # which meets no target, not even "at most"
    zero = {"value_nominal": np.r_[0.0, v[1:]]}
    at_most = _one(tmp_path, 'id = "g"\nindicator = "value_nominal"\nkind = "cagr"\n'
                             'base_year = 2021\nyear = 2025\nop = "<="\nthreshold = 0.5')
    for t in (cagr, mean, at_most):
        m = t.measure(zero, YEARS)
        assert np.isnan(m) and not t.met(m)


def test_sums_means_year_counts_and_by_year(tmp_path):
    s = np.array([[0.0, 0.1, 0.0, 0.3, 0.0, 0.0, 0.2, 0.0, 0.0, 0.04],
                  [0.0] * 9 + [0.06]])
    ind = {"ip_share": s, "value": s * 100}
    total = _one(tmp_path, 'id = "s"\nindicator = "value"\nkind = "sum"\nfrom_year = 2026\n'
                           'year = 2030\nop = ">="\nthreshold = 20')
    np.testing.assert_allclose(total.measure(ind, YEARS), [24.0, 6.0])
    assert list(total.met(total.measure(ind, YEARS))) == [True, False]
    mean = _one(tmp_path, 'id = "m"\nindicator = "ip_share"\nkind = "mean"\nfrom_year = 2022\n'
                          'year = 2025\nop = "<"\nthreshold = 0.1')
    np.testing.assert_allclose(mean.measure(ind, YEARS), [0.1, 0.0])
    years = _one(tmp_path, 'id = "y"\nindicator = "ip_share"\nkind = "years"\nfrom_year = 2021'
                           '\nyear = 2030\ncondition = { op = ">", threshold = 0.05 }\nop = ">="'
                           '\nthreshold = 3')
    np.testing.assert_allclose(years.measure(ind, YEARS), [3.0, 1.0])
    assert list(years.met(years.measure(ind, YEARS))) == [True, False]
    by = _one(tmp_path, 'id = "b"\nindicator = "ip_share"\nkind = "by_year"\nyear = 2027\n'
                        'op = ">="\nthreshold = 0.25')
    np.testing.assert_allclose(by.measure(ind, YEARS), [0.3, 0.0])  # the best year so far
    assert list(by.met(by.measure(ind, YEARS))) == [True, False]
    late = _one(tmp_path, 'id = "b"\nindicator = "ip_share"\nkind = "by_year"\nfrom_year = 2025'
                          '\nyear = 2030\nop = "between"\nlow = 0.05\nhigh = 0.1')
    np.testing.assert_allclose(late.measure(ind, YEARS), [0.04, 0.06])  # nearest / first in
    assert list(late.met(late.measure(ind, YEARS))) == [False, True]
    low = _one(tmp_path, 'id = "b"\nindicator = "ip_share"\nkind = "by_year"\nfrom_year = 2024'
                         '\nyear = 2030\nop = "<="\nthreshold = 0.0')
    assert list(low.met(low.measure(ind, YEARS))) == [True, True]


@pytest.mark.parametrize("body, key, fragment", [
    # shares lie in [0, 1]: 5.0 is never met, -0.5 always
    ('indicator = "ip_share"\nkind = "level"\nyear = 2025\nop = ">"\nthreshold = 5.0',
     "threshold", "must be in [0, 1) for op '>' on the level of ip_share (values in [0, 1]); "
                  "got 5, which is never met"),
    ('indicator = "ip_share"\nkind = "level"\nyear = 2025\nop = ">="\nthreshold = -0.5',
     "threshold", "got -0.5, which is always met"),
    ('indicator = "ip_share"\nkind = "level"\nyear = 2025\nop = "<="\nthreshold = 1',
     "threshold", "always met"),
    ('indicator = "ip_share"\nkind = "level"\nyear = 2025\nop = "<"\nthreshold = 0',
     "threshold", "never met"),
    # growth is at least -1; counts at least 0
    ('indicator = "value_nominal"\nkind = "cagr"\nbase_year = 2021\nyear = 2025\nop = ">="\n'
     'threshold = -1.5', "threshold", "(-1, inf]"),
    ('indicator = "intermediaries_connected"\nkind = "level"\nyear = 2030\nop = ">="\n'
     'threshold = -1', "threshold", "always met"),
    ('indicator = "ip_share"\nkind = "level"\nyear = 2025\nop = "between"\nlow = -1\nhigh = 2',
     "low", "covers every value"),
    ('indicator = "ip_share"\nkind = "level"\nyear = 2025\nop = "between"\nlow = 2\nhigh = 3',
     "low", "never met"),
    ('indicator = "ip_share"\nkind = "level"\nyear = 2025\nop = "between"\nlow = 0.2\n'
     'high = 0.1', "low", "must be below high"),
    ('indicator = "ip_share"\nkind = "years"\nfrom_year = 2026\nyear = 2030\n'
     'condition = { op = ">", threshold = 0.05 }\nop = ">="\nthreshold = 6', "threshold",
     "never met"),
    ('indicator = "ip_share"\nkind = "years"\nfrom_year = 2026\nyear = 2030\n'
     'condition = { op = ">", threshold = 1.5 }\nop = ">="\nthreshold = 2',
     "condition.threshold", "never met"),
    ('indicator = "ip_share"\nkind = "level"\nyear = 2025\nop = "between"\nthreshold = 0.1\n'
     'high = 0.2', "low", "needs low and high"),
    ('indicator = "ip_share"\nkind = "level"\nyear = 2025\nop = ">"\nthreshold = 0.1\n'
     'high = 0.2', "high", "only for op = 'between'"),
    ('indicator = "ip_share"\nkind = "level"\nbase_year = 2021\nyear = 2025\nop = ">"\n'
     'threshold = 0.1', "base_year", "only for cagr and mean_growth"),
    ('indicator = "value"\nkind = "sum"\nyear = 2025\nop = ">"\nthreshold = 1', "from_year",
     "needs from_year"),
    ('indicator = "value"\nkind = "sum"\nfrom_year = 2026\nyear = 2025\nop = ">"\n'
     'threshold = 1', "from_year", "must be in [1990, 2025]"),
    ('indicator = "value_nominal"\nkind = "cagr"\nbase_year = 2026\nyear = 2025\nop = ">"\n'
     'threshold = 0.1', "base_year", "must be in [1990, 2024]"),
    ('indicator = "value_growth"\nkind = "cagr"\nbase_year = 2021\nyear = 2025\nop = ">"\n'
     'threshold = 0.1', "indicator", "can be negative"),
    ('indicator = "ip_share"\nkind = "years"\nfrom_year = 2026\nyear = 2030\nop = ">="\n'
     'threshold = 2', "condition", "needs condition"),
])
def test_pass_marks_outside_the_indicator_range_are_refused(tmp_path, body, key, fragment):
    path = _plan(tmp_path, 'id = "x"\n' + body)
    with pytest.raises(InputError) as info:
        load_targets(path)
    text = str(info.value)
    assert "\n" not in text and text.startswith(f"{path}: targets[0].{key}: "), text
    assert fragment in text, text


def test_target_years_checked_against_the_horizon(tmp_path):
    body = ('id = "x"\nindicator = "value"\nkind = "sum"\nfrom_year = 2020\nyear = 2025\n'
            'op = ">="\nthreshold = 1')
    path = _plan(tmp_path, body)
    load_targets(path)
    with pytest.raises(InputError, match=r"targets\[0\]\.from_year: must be within the "
                                         r"simulated years 2021-2030, got 2020"):
        load_targets(path, years=YEARS)


def test_labels_from_the_file_or_the_id(tmp_path):
    path = _plan(tmp_path, 'id = "ip_share_2030"\nindicator = "ip_share"\nkind = "level"\n'
                           'year = 2030\nop = ">"\nthreshold = 0.1',
                 'id = "b"\nlabel = "IP share"\nindicator = "ip_share"\nkind = "level"\n'
                 'year = 2030\nop = ">"\nthreshold = 0.2',
                 'id = "c"\nlabel = "IP"\nlabel_vi = "TSTT"\nindicator = "ip_share"\n'
                 'kind = "level"\nyear = 2030\nop = ">"\nthreshold = 0.3')
    a, b, c = load_targets(path).targets
    assert (a.label("en"), a.label("vi")) == ("Ip share 2030", "Ip share 2030")
    assert (b.label("en"), b.label("vi")) == ("IP share", "IP share")
    assert (c.label("en"), c.label("vi")) == ("IP", "TSTT")
    t2257 = load_targets()
    assert t2257.get("ip_share_2030").label("en") == "IP-asset share 2030"
    assert t2257.get("ip_share_2030").label("vi") == "Tỷ trọng giao dịch tài sản trí tuệ 2030"


def test_readings_table_is_accepted_and_ignored(tmp_path):
    path = _plan(tmp_path, 'id = "x"\nindicator = "ip_share"\nkind = "level"\nyear = 2030\n'
                           'op = ">"\nthreshold = 0.1')
    path.write_text(path.read_text("utf-8") + '\n[[readings]]\ntarget = "x"\nanything = 1\n',
                    encoding="utf-8")
    assert load_targets(path).ids == ["x"]


def test_thresholds_changed_by_id(tmp_path):
    t = load_targets()
    assert t.research_origin_id() == "research_origin_share_2030"
    new = t.with_thresholds([("ip_share_2030", 0.2, None), ("tech_share_2025", 0.07, None)])
    assert new.get("ip_share_2030").threshold == 0.2 and new.get("tech_share_2025").threshold \
        == 0.07 and t.get("ip_share_2030").threshold == 0.10  # a copy
    with pytest.raises(InputError, match="unknown target 'nope'"):
        t.with_threshold("nope", 0.1)
    with pytest.raises(InputError, match="never met"):
        t.with_threshold("ip_share_2030", 3.0)
    with pytest.raises(InputError, match="give one number"):
        t.with_threshold("ip_share_2030", 0.1, 0.2)
    rng = load_targets(_plan(tmp_path, 'id = "r"\nindicator = "ip_share"\nkind = "level"\n'
                                       'year = 2030\nop = "between"\nlow = 0.1\nhigh = 0.2'))
    r = rng.with_threshold("r", 0.05, 0.3).get("r")
    assert (r.threshold, r.high) == (0.05, 0.3)
    with pytest.raises(InputError, match="LOW,HIGH"):
        rng.with_threshold("r", 0.1)
    with pytest.raises(InputError, match="needs one research_origin_share target in 2030"):
        rng.research_origin_id()


def test_targets_2257_reads_as_before():
    """The file format is backward compatible: 2257's targets keep kinds, marks, years."""
    t = load_targets()
    assert [(x.kind, x.op, x.threshold, x.year, x.base_year) for x in t.targets] == [
        ("cagr", ">=", 0.05, 2025, 2021), ("level", ">", 0.05, 2025, None),
        ("level", ">=", 0.05, 2025, None), ("cagr", ">=", 0.10, 2030, 2025),
        ("level", ">", 0.10, 2030, None), ("level", ">", 0.05, 2030, None),
        ("level", ">=", 0.10, 2030, None), ("level", ">=", 1.0, 2030, None),
        ("level", ">=", 0.8, 2030, None)]
    assert t.final_year == 2030


def test_indicator_ranges(small_profile):
    assert indicators.indicator_range("ip_share") == (0.0, 1.0)
    assert indicators.indicator_range("research_origin_share_domestic") == (0.0, 1.0)
    assert indicators.indicator_range("value_growth") == (-1.0, np.inf)
    assert indicators.indicator_range("intermediaries_connected") == (0.0, np.inf)
    assert indicators.indicator_range("tech_level_mean") == (0.0, 1.0)
    # every indicator of simulated runs lies in its range
    n = 16
    P = small_profile.space.sample(n, seed=8)
    plan = load_scenario("plan_2257").budgets(small_profile.years)
    Y, _ = run_batch(small_profile, P, plan, np.full(n, 8), np.arange(n))
    ind = indicators.compute(Y, P[:, K.P_INFLATION])
    for name in indicators.INDICATORS:
        lo, hi = indicators.indicator_range(name)
        v = ind[name][np.isfinite(ind[name])]
        assert ((v >= lo) & (v <= hi)).all(), name
