"""Probabilities in words: the IPCC AR6 calibrated likelihood scale.

The scale of the IPCC Sixth Assessment Report (AR6 WGI, Summary for Policymakers,
footnote 4; Mastrandrea et al. 2010, the AR5 guidance note it keeps) names ranges of
probability:

================================  ==============  =========================================
key                               probability     Vietnamese
================================  ==============  =========================================
``virtually_certain``             >= 0.99         gần như chắc chắn
``very_likely``                   >= 0.90         rất có khả năng
``likely``                        >= 0.66         có khả năng
``about_as_likely_as_not``        0.33 to 0.66    khả năng ngang nhau
``unlikely``                      <= 0.33         ít có khả năng
``very_unlikely``                 <= 0.10         rất ít có khả năng
``exceptionally_unlikely``        <= 0.01         hầu như không có khả năng
================================  ==============  =========================================

The IPCC's ranges nest (``very_likely`` is inside ``likely``); a probability takes the
narrowest range that holds it, so the bounds are inclusive on the named side: exactly 0.66
is ``likely``, exactly 0.33 ``unlikely``, exactly 0.10 ``very_unlikely``. The term is
applied to the estimate; the report prints the 95 % interval beside it, so a reader sees
when the interval straddles a boundary. (The AR6 also has "extremely likely" >= 0.95 and
"more likely than not" > 0.5 as optional extras; they are not used, so the scale has one
term for every probability.)

No Vietnamese translation of the AR6 scale was found in the sources consulted; the
Vietnamese terms are plain, natural renderings (docs/DECISIONS.md).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

#: (key, lower bound) of the upper terms, (key, upper bound) of the lower terms, in the
#: order they are tried; a probability in neither list is ``about_as_likely_as_not``.
UPPER = (("virtually_certain", 0.99), ("very_likely", 0.90), ("likely", 0.66))
LOWER = (("exceptionally_unlikely", 0.01), ("very_unlikely", 0.10), ("unlikely", 0.33))
MIDDLE = "about_as_likely_as_not"
#: Every term, from most to least likely.
KEYS = ("virtually_certain", "very_likely", "likely", MIDDLE, "unlikely", "very_unlikely",
        "exceptionally_unlikely")
#: key -> (English, Vietnamese)
TERMS: dict[str, tuple[str, str]] = {
    "virtually_certain": ("virtually certain", "gần như chắc chắn"),
    "very_likely": ("very likely", "rất có khả năng"),
    "likely": ("likely", "có khả năng"),
    MIDDLE: ("about as likely as not", "khả năng ngang nhau"),
    "unlikely": ("unlikely", "ít có khả năng"),
    "very_unlikely": ("very unlikely", "rất ít có khả năng"),
    "exceptionally_unlikely": ("exceptionally unlikely", "hầu như không có khả năng"),
}
#: key -> the range as text (the scale stated on the page)
RANGES: dict[str, str] = {
    "virtually_certain": "0.99-1", "very_likely": "0.90-1", "likely": "0.66-1",
    MIDDLE: "0.33-0.66", "unlikely": "0-0.33", "very_unlikely": "0-0.10",
    "exceptionally_unlikely": "0-0.01",
}
#: Tolerance for a probability computed as a ratio (k / n) meeting a bound exactly.
_EPS = 1e-9


def likelihood(p: float) -> str:
    """The scale's key for a probability.

    Parameters
    ----------
    p : float
        A probability in [0, 1].

    Returns
    -------
    str
        One of :data:`KEYS`; ``""`` for NaN.

    Raises
    ------
    ValueError
        For a number outside [0, 1].
    """
    if p is None or not math.isfinite(float(p)):
        return ""
    p = float(p)
    if not -_EPS <= p <= 1.0 + _EPS:
        raise ValueError(f"a probability must be in [0, 1], got {p}")
    for key, low in UPPER:
        if p >= low - _EPS:
            return key
    for key, high in LOWER:
        if p <= high + _EPS:
            return key
    return MIDDLE


def likelihoods(p) -> np.ndarray:
    """:func:`likelihood` of each element (an array of keys)."""
    return np.array([likelihood(x) for x in np.asarray(p, dtype=float).ravel()], dtype=object)


def term(key: str, lang: str = "en") -> str:
    """The words of a key in ``"en"`` or ``"vi"``."""
    if lang not in ("en", "vi"):
        raise ValueError(f"unknown language {lang!r}; one of en, vi")
    if key not in TERMS:
        raise ValueError(f"unknown likelihood {key!r}; one of {', '.join(KEYS)}")
    return TERMS[key][0 if lang == "en" else 1]


def describe(p: float, lang: str = "en") -> str:
    """The words for a probability (``""`` for NaN)."""
    k = likelihood(p)
    return term(k, lang) if k else ""


def with_likelihood(table: pd.DataFrame, column: str = "probability") -> pd.DataFrame:
    """A copy of ``table`` with a last column ``likelihood``: the key of ``column``."""
    out = table.copy()
    out["likelihood"] = likelihoods(out[column].to_numpy())
    return out
