"""A posterior of fitted parameters, as the Monte Carlo reads it.

``stmarket calibrate`` writes ``posterior.csv`` (``weight`` then one column per fitted
parameter); ``stmarket run --posterior FILE`` reads it here and gives run ``r`` the
particle chosen by a uniform that is a pure function of (seed, r), so any range of runs,
in any chunks, gets the same parameters. The calibration imports this module, never the
reverse.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from stmarket.model.errors import MAX_CSV_BYTES, InputError, read_input

#: Separates the posterior's resampling stream from any other use of the seed.
TAG = 0xCA11B


class Posterior(NamedTuple):
    """Weighted particles: ``names`` of the fitted parameters, ``values``
    float64[n, k] in the parameters' units, ``weights`` float64[n] summing to 1."""

    names: list[str]
    values: np.ndarray
    weights: np.ndarray

    def frame(self) -> pd.DataFrame:
        """One row per particle: ``weight`` then the parameters by name."""
        df = pd.DataFrame(self.values, columns=list(self.names))
        df.insert(0, "weight", self.weights)
        return df


def _splitmix(x: np.ndarray) -> np.ndarray:
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def run_uniforms(seed: int, runs: np.ndarray) -> np.ndarray:
    """One uniform in [0, 1) per run index: a pure function of (seed, run)."""
    key = _splitmix(np.array([TAG ^ (int(seed) & 0xFFFFFFFFFFFFFFFF)], dtype=np.uint64))
    z = _splitmix(_splitmix(np.asarray(runs, dtype=np.uint64) ^ key))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def posterior_rows(post: Posterior, seed: int, start: int, stop: int) -> np.ndarray:
    """Parameter rows for runs ``start`` to ``stop - 1``, resampled by weight.

    Run ``r`` takes particle ``choice(seed, r)``: the inverse of the weights' CDF at a
    uniform that is a pure function of (seed, r), so any range of runs, in any chunks,
    gets the same rows.

    Returns
    -------
    float64[stop - start, k], columns in ``post.names`` order.
    """
    return np.asarray(post.values)[resample(post.weights, seed, start, stop)]


def resample(weights: np.ndarray, seed: int, start: int, stop: int) -> np.ndarray:
    """The particle each run ``start`` ... ``stop - 1`` takes: int64[stop - start]."""
    if not 0 <= start <= stop:
        raise ValueError("need 0 <= start <= stop")
    cdf = np.cumsum(weights)
    cdf = cdf / cdf[-1]
    u = run_uniforms(seed, np.arange(start, stop))
    return np.minimum(np.searchsorted(cdf, u, side="right"), cdf.size - 1)


def apply_posterior(P: np.ndarray, profile, post: Posterior, seed: int,
                    start: int = 0) -> np.ndarray:
    """A copy of a design's parameter matrix ``P[n, NP]`` (runs ``start`` ...) with the
    posterior's parameters drawn by :func:`posterior_rows`; the others are kept."""
    P = np.array(P, dtype=np.float64)
    cols = [profile.space.names.index(n) for n in post.names]
    P[:, cols] = posterior_rows(post, seed, start, start + P.shape[0])
    return P


def load_posterior(path: str | Path, profile) -> Posterior:
    """Read ``posterior.csv`` (``weight`` then parameter columns) and validate it
    against a profile: every column an uncertain parameter, every value finite and
    inside its prior's range, weights non-negative with a positive sum.

    Returns
    -------
    Posterior (a named tuple ``(names, values, weights)``), weights normalised.
    """
    import csv
    import io

    from stmarket.model.profile import load_profile

    profile = load_profile(profile) if isinstance(profile, (str, Path)) else profile
    path = Path(path)
    raw = read_input(path, "CSV", MAX_CSV_BYTES)  # refuses pipes, devices, folders
    try:
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(path, "", f"cannot read as CSV ({exc.__class__.__name__})") from None
    rows = [r for r in rows if r]
    if not rows:
        raise InputError(path, "", "file is empty")
    head, body = rows[0], rows[1:]
    if not head or head[0] != "weight":
        raise InputError(path, "header", "the first column must be 'weight'")
    names = head[1:]
    space = profile.space
    for n in names:
        if n not in space.specs:
            raise InputError(path, f"header.{n}", f"not a parameter of profile {profile.id!r}")
        if not space.specs[n].uncertain:
            raise InputError(path, f"header.{n}", f"is fixed in profile {profile.id!r}, "
                                                  "a posterior holds uncertain parameters only")
    if not names or len(set(names)) != len(names):
        raise InputError(path, "header", "needs one or more parameters, each once")
    if not body:
        raise InputError(path, "", "has no particle rows")
    X = np.empty((len(body), len(head)))
    for i, r in enumerate(body):
        if len(r) != len(head):
            raise InputError(path, f"line {i + 2}", f"has {len(r)} fields, the header "
                                                    f"{len(head)}")
        for c, v in enumerate(r):
            try:
                X[i, c] = float(v)
            except ValueError:
                raise InputError(path, f"line {i + 2}.{head[c]}",
                                 f"must be a number, got {v!r}") from None
            if not math.isfinite(X[i, c]):
                raise InputError(path, f"line {i + 2}.{head[c]}", "must be finite")
    w = X[:, 0]
    if (w < 0).any() or not 0 < w.sum() < math.inf:
        raise InputError(path, "weight", "weights must be >= 0 with a positive, finite sum")
    for c, n in enumerate(names):
        s = space.specs[n]
        slack = 1e-12 * (s.high - s.low)
        bad = (X[:, c + 1] < s.low - slack) | (X[:, c + 1] > s.high + slack)
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(path, f"line {i + 2}.{n}", f"must be within the prior's range "
                                                        f"[{s.low:g}, {s.high:g}], "
                                                        f"got {X[i, c + 1]:g}")
    return Posterior(names, X[:, 1:].copy(), w / w.sum())
