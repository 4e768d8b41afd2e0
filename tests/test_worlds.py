"""Worlds restrict the sampled part of the priors; the favourable end is checked."""

from __future__ import annotations

import numpy as np
import pytest

from stmarket.experiments.assessment.montecarlo import MonteCarlo, make_design
from stmarket.model import load_scenario, load_targets
from stmarket.model.errors import InputError
from stmarket.model.world import PRIORS, load_world


def test_bundled_worlds_load_and_name_only_uncertain_parameters(profile):
    for name in ("priors", "pessimistic", "optimistic"):
        w = load_world(name, profile.space.uncertain)
        assert w.id == name and set(w.quantiles) <= set(profile.space.uncertain)
    pes = load_world("pessimistic", profile.space.uncertain)
    opt = load_world("optimistic", profile.space.uncertain)
    assert set(pes.quantiles) == set(opt.quantiles) and len(pes.quantiles) >= 15
    for name, (lo, hi) in pes.quantiles.items():  # mirror images of each other
        assert opt.quantiles[name] == pytest.approx((1 - hi, 1 - lo), abs=1e-9)


def test_world_samples_stay_in_their_quantile_range(profile):
    pes = load_world("pessimistic", profile.space.uncertain)
    P = make_design(profile, 500, seed=3, world=pes).P
    Pfull = make_design(profile, 500, seed=3).P
    for name, (lo, hi) in pes.quantiles.items():
        spec = profile.space.specs[name]
        col = P[:, profile.space.index(name)]
        a, b = spec.ppf(np.array([lo, hi]))
        assert (col >= a - 1e-12).all() and (col <= b + 1e-12).all()
    free = [n for n in profile.space.uncertain if n not in pes.quantiles]
    idx = [profile.space.index(n) for n in free]
    np.testing.assert_array_equal(P[:, idx], Pfull[:, idx])  # the rest is untouched


@pytest.mark.parametrize("body, fragment", [
    ('[world]\nid = "w"\nname = "w"\n[quantiles]\nno_such = [0.0, 0.5]\n',
     "quantiles.no_such: unknown key"),
    ('[world]\nid = "w"\nname = "w"\n[quantiles]\nneed_rate = [0.5, 0.2]\n',
     "quantiles.need_rate: low quantile must be below high"),
    ('[world]\nid = "w"\nname = "w"\n[quantiles]\nneed_rate = [0.0, 1.5]\n',
     "quantiles.need_rate[1]: must be in [0, 1]"),
    ('[world]\nid = "w"\nname = "w"\n[quantiles]\nneed_rate = 0.3\n',
     "quantiles.need_rate: must be a pair"),
    ('[world]\nid = "w"\n', "world.name: missing required key"),
    ('[world]\nid = "w"\nname = "w"\nmood = "grim"\n', "world.mood: unknown key"),
])
def test_broken_world_files_are_one_line_errors(tmp_path, profile, body, fragment):
    path = tmp_path / "w.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_world(path, profile.space.uncertain)
    assert str(e.value).startswith(f"{path}: ") and fragment in str(e.value)
    assert "\n" not in str(e.value)


def test_worlds_are_ordered_on_the_market_size_and_the_plan_targets(profile):
    """Pessimistic < full priors < optimistic, target by target, where the world should
    decide: the 2030 value, the shares and the intermediary. The growth targets are left
    out on purpose: they measure growth from a base that the same parameters move too
    (docs/ASSESSMENT.md, "Worlds")."""

    targets = load_targets(years=profile.years)
    scs = [load_scenario("no_programme"), load_scenario("plan_2257")]
    prob, value = {}, {}
    for name in ("pessimistic", "priors", "optimistic"):
        w = PRIORS if name == "priors" else load_world(name, profile.space.uncertain)
        mc = MonteCarlo(profile, scs, targets, seed=5, world=w)
        mc.extend(400)
        r = mc.result()
        prob[name] = r.target_table().set_index(["scenario", "target"]).probability
        value[name] = {s.id: np.median(r.indicators(s.id)["value_nominal"][:, -1]) for s in scs}
    order = ("pessimistic", "priors", "optimistic")
    for sc in ("no_programme", "plan_2257"):
        v = [value[w][sc] for w in order]
        assert v[0] < v[1] < v[2], (sc, v)
    for key in [("plan_2257", t) for t in ("ip_share_2025", "ip_share_2030", "tech_share_2025",
                                           "intermediary_2030")] + [
                ("no_programme", "tech_share_2030")]:
        p = [prob[w][key] for w in order]
        assert p[0] < p[1] < p[2], (key, p)
