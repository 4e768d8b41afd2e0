"""stmarket model: the province as data, the numba core, and the Mesa model over it.

Importing this package has no side effects: kernels compile on first use.
"""

from model.errors import InputError
from model.profile import Profile, load_profile
from model.scenario import Scenario, load_scenario
from model.targets import TargetSet, load_targets

__all__ = [
    "InputError",
    "Profile",
    "Scenario",
    "TargetSet",
    "load_profile",
    "load_scenario",
    "load_targets",
]
