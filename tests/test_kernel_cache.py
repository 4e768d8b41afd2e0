"""The kernels' compiled-code cache is keyed on the whole kernel package, so a change
to a kernel in one file recompiles the kernels that inline it from another."""

from __future__ import annotations

import shutil

from numba.core import caching

from stmarket.model import kernels as K
from stmarket.model.kernels import _cache


def test_the_package_locator_is_installed_first_for_kernel_files():
    impl = getattr(caching, "CacheImpl", None) or caching._CacheImpl
    first = impl._locator_classes[0]
    assert getattr(first, "_stmarket", False)
    # every kernel's cache uses it, and its stamp is the package's
    loc = K.step_month._cache._impl.locator
    assert getattr(type(loc), "_stmarket", False)
    assert loc.get_source_stamp()[0] == _cache.package_stamp()
    # functions outside the package keep numba's own locators
    assert first.from_function(test_the_package_locator_is_installed_first_for_kernel_files,
                               __file__) is None


def test_the_stamp_changes_when_any_kernel_file_changes(tmp_path):
    copy = tmp_path / "kernels"
    shutil.copytree(_cache.HERE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = _cache.package_stamp(copy)
    assert before == _cache.package_stamp()
    rng = copy / "rng.py"
    rng.write_text(rng.read_text(encoding="utf-8").replace("33", "31", 1), encoding="utf-8")
    assert _cache.package_stamp(copy) != before
