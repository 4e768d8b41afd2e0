"""stmarket model: the province as data, the numba core, and the Mesa model over it.

Importing this package has no side effects: kernels compile on first use.
"""

if __name__ != "stmarket.model":  # the source folder imported by its bare name
    raise ImportError(
        "this folder is the package stmarket.model: install the project "
        "(pip install -e .) and import stmarket.model"
    )


from stmarket.model.errors import InputError
from stmarket.model.profile import Profile, load_profile
from stmarket.model.scenario import Scenario, load_scenario
from stmarket.model.targets import TargetSet, load_targets

__all__ = [
    "InputError",
    "Profile",
    "Scenario",
    "TargetSet",
    "load_profile",
    "load_scenario",
    "load_targets",
]
