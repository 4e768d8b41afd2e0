"""Cache invalidation for kernels that call kernels in other files.

numba's ``cache=True`` keys a function's cached machine code on the stamp of the
function's own source file only. A kernel compiled with a kernel from another module
inlined would keep the old code after that module changed. The kernels of this package
are split over several files, so their cache stamp is the stamp of the whole package:
a change to any kernel file recompiles every kernel on next use. The stamp is part of
the cache files' names as well, so an index written for other sources is never read.
Such files stay in ``model/kernels/__pycache__`` until deleted (``find model -name
'*.nb?' -delete``): nothing deletes files on import.

:func:`install` registers the locator once (the package's ``__init__`` calls it before
any kernel is decorated). It answers only for this package's files; every other
function keeps numba's own locators. Should numba's private caching API change, the
locator is not installed and a warning says that caches must then be cleared by hand
after editing a kernel file (``find . -name '*.nbi' -delete``).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent


def package_stamp(folder: Path = HERE) -> str:
    """SHA-256 over the names, sizes and contents of the package's ``.py`` files."""
    h = hashlib.sha256()
    for p in sorted(folder.glob("*.py")):
        data = p.read_bytes()
        h.update(p.name.encode())
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def install() -> bool:
    """Put the package-wide locator first among numba's cache locators (once).

    Returns
    -------
    bool
        Whether the locator is in place.
    """
    try:
        from numba.core import caching
    except ImportError:  # pragma: no cover - numba always has it
        return False
    impl = getattr(caching, "CacheImpl", None) or getattr(caching, "_CacheImpl", None)
    mixin = getattr(caching, "_SourceFileBackedLocatorMixin", None)
    classes = getattr(impl, "_locator_classes", None)
    if impl is None or mixin is None or not isinstance(classes, list):
        warnings.warn("numba's cache locators changed: kernel caches are keyed per file; "
                      "clear them after editing a kernel file", stacklevel=2)
        return False
    if any(getattr(c, "_stmarket", False) for c in classes):
        return True
    # numba's own source-file locators (a user's NUMBA_CACHE_DIR, __pycache__ beside the
    # file, the user's cache folder), in numba's order, each with the package's stamp
    ours = [_package_wide(c) for c in classes
            if issubclass(c, mixin) and "Zip" not in c.__name__]
    impl._locator_classes = [*ours, *classes]
    return True


def _package_wide(base: type) -> type:
    """A subclass of numba locator ``base`` that answers for this package's files only
    and stamps them with the whole package's stamp."""

    class PackageLocator(base):
        _stmarket = True

        @classmethod
        def from_function(cls, py_func, py_file):
            try:
                if Path(py_file).resolve().parent != HERE:
                    return None
            except OSError:
                return None
            return super().from_function(py_func, py_file)

        def get_source_stamp(self):
            return (_stamp(), os.stat(self._py_file).st_size)

        def get_disambiguator(self):
            # the stamp in the file name too: an index written by other sources is never
            # read (unpickling it can fail on types that no longer exist)
            return f"{super().get_disambiguator()}-{_stamp()[:16]}"

    PackageLocator.__name__ = PackageLocator.__qualname__ = f"Package{base.__name__}"
    return PackageLocator


_STAMP: list[str] = []


def _stamp() -> str:
    if not _STAMP:
        _STAMP.append(package_stamp())
    return _STAMP[0]
