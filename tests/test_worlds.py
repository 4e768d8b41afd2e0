"""Worlds restrict the sampled part of the priors; the favourable end is checked."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.montecarlo import MonteCarlo, make_design
from model import kernels as K
from model import load_scenario, load_targets
from model.errors import InputError
from model.world import PRIORS, load_world


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
        col = P[:, K.PARAM_NAMES.index(name)]
        a, b = spec.ppf(np.array([lo, hi]))
        assert (col >= a - 1e-12).all() and (col <= b + 1e-12).all()
    free = [n for n in profile.space.uncertain if n not in pes.quantiles]
    idx = [K.PARAM_NAMES.index(n) for n in free]
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


def test_worlds_are_ordered_by_targets_met(profile):
    """The optimistic world meets more of the plan's targets on average than the full
    priors, and those more than the pessimistic world (same seed, 300 runs each)."""
    targets = load_targets(years=profile.years)
    plan = [load_scenario("plan_2257")]
    means = {}
    for name in ("pessimistic", "priors", "optimistic"):
        w = PRIORS if name == "priors" else load_world(name, profile.space.uncertain)
        mc = MonteCarlo(profile, plan, targets, seed=5, world=w)
        mc.extend(300)
        means[name], lo, hi = mc.result().targets_met("plan_2257")
    assert means["pessimistic"] < means["priors"] < means["optimistic"], means
