"""Shared fixtures of the stmarket test suite.

The fixtures are session-scoped so that the profile's TOML is read once; tests
must treat them as read-only (the core copies every array it mutates).
"""

from __future__ import annotations

import pytest

from stmarket.model import Profile, Scenario, load_profile, load_scenario

#: The bundled policy scenarios the tests run.
BUNDLED_SCENARIOS = ("no_programme", "plan_2257")


@pytest.fixture(scope="session")
def profile() -> Profile:
    """The bundled Bắc Kạn province profile at full size."""
    return load_profile("bac_kan")


@pytest.fixture(scope="session")
def small_profile() -> Profile:
    """Bắc Kạn scaled to 5% of every group (about 66 buyers): fast to simulate."""
    return load_profile("bac_kan").scaled(0.05)


@pytest.fixture(scope="session")
def scenarios() -> dict[str, Scenario]:
    """The bundled scenarios ``no_programme`` and ``plan_2257``, by id."""
    return {name: load_scenario(name) for name in BUNDLED_SCENARIOS}
