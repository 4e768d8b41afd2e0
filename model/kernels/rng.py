"""Counter-based random numbers, and the small numerical helpers of the rules.

Every draw is a pure function of (run key, month, agent, purpose, k): the key comes
from (seed, run), so a run's numbers do not depend on batching, thread count or the
order in which other agents act. The generator hashes a 64-bit counter with
MurmurHash3's finaliser, twice, keyed by the run's two words.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from stmarket.model.kernels.layout import G_DRAWS, G_NORMALS

_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_S11 = np.uint64(11)
_TWO53 = 1.0 / 9007199254740992.0


# ----------------------------------------------------------------------------
# Counter-based random numbers
# ----------------------------------------------------------------------------
@njit(cache=True, inline="always", error_model="numpy")
def fmix64(x):
    """MurmurHash3's 64-bit finaliser: a bijective avalanche mix of ``x`` (uint64)."""
    x ^= x >> _S33
    x *= _M1
    x ^= x >> _S33
    x *= _M2
    x ^= x >> _S33
    return x


@njit(cache=True, error_model="numpy")
def make_key(seed, run):
    """Key of one run: two uint64 words derived from ``(seed, run)``.

    Parameters
    ----------
    seed, run : int
        Non-negative integers below 2**63.

    Returns
    -------
    uint64[2]
    """
    key = np.empty(2, dtype=np.uint64)
    a = fmix64(np.uint64(seed) ^ np.uint64(0x9E3779B97F4A7C15))
    b = fmix64(a ^ fmix64(np.uint64(run) + np.uint64(0x632BE59BD9B4E019)))
    key[0] = a ^ b
    key[1] = fmix64(b + np.uint64(0xD6E8FEB86659FD93))
    return key


@njit(cache=True, inline="always", error_model="numpy")
def bits(key, t, agent, purpose, k):
    """64 random bits, a pure function of (key, month, agent, purpose, k).

    ``t`` < 4095 months, ``agent`` < 2**24, ``purpose`` < 256, ``k`` < 2**20.
    """
    c = (np.uint64(t + 1) << np.uint64(52)) | (np.uint64(agent) << np.uint64(28)) \
        | (np.uint64(purpose) << np.uint64(20)) | np.uint64(k)
    return fmix64(fmix64(c ^ key[0]) ^ key[1])


@njit(cache=True, inline="always", error_model="numpy")
def uniform(key, t, agent, purpose, k, G):
    """A uniform draw in [0, 1) keyed by (key, t, agent, purpose, k); counts it in G."""
    G[G_DRAWS] += 1.0
    return (bits(key, t, agent, purpose, k) >> _S11) * _TWO53


@njit(cache=True, error_model="numpy")
def uniform_block(key, t, agent0, purpose, out):
    """``out[j]`` = the draw :func:`uniform` gives for agent ``agent0 + j`` (k = 0),
    for a block of agents at once, uncounted (the caller counts the draws it uses).
    A branch-free loop over the same :func:`bits`, which the compiler can vectorise:
    the core takes the month's routine draws (every buyer's need draw, every
    supplier's output draw) in blocks like this."""
    for j in range(out.shape[0]):
        out[j] = (bits(key, t, agent0 + j, purpose, 0) >> _S11) * _TWO53


@njit(cache=True, error_model="numpy")
def normal_pair(key, t, agent, purpose, k, G):
    """Two independent standard normals from one Box-Muller transform of draws k
    and k + 1; counts it in G as one normal draw."""
    G[G_NORMALS] += 1.0
    u1 = 1.0 - uniform(key, t, agent, purpose, k, G)  # in (0, 1]
    u2 = uniform(key, t, agent, purpose, k + 1, G)
    r = np.sqrt(-2.0 * np.log(u1))
    return r * np.cos(2.0 * np.pi * u2), r * np.sin(2.0 * np.pi * u2)


@njit(cache=True, error_model="numpy")
def normal(key, t, agent, purpose, k, G):
    """A standard normal draw (Box-Muller over draws k and k + 1); counts it in G."""
    G[G_NORMALS] += 1.0
    u1 = 1.0 - uniform(key, t, agent, purpose, k, G)  # in (0, 1]
    u2 = uniform(key, t, agent, purpose, k + 1, G)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


@njit(cache=True, error_model="numpy")
def poisson(lam, u):
    """Poisson(lam) by inversion of one uniform ``u``.

    Below ``lam`` = 500 the terms are summed from 0 (:func:`poisson_e`); above, where
    exp(-lam) underflows, from the mode outwards in logs (:func:`poisson_large`): a
    national profile draws thousands of provincial tasks a year.
    """
    if lam <= 0.0:
        return 0
    if lam > 500.0:
        return poisson_large(lam, u)
    return poisson_e(lam, np.exp(-lam), u)


@njit(cache=True, error_model="numpy")
def poisson_large(lam, u):
    """Poisson(lam) by inversion of ``u`` for a large ``lam``: the cumulative
    distribution summed over ``lam`` +- 12 standard deviations (terms outside weigh
    less than 1e-30), each term from the one before (log-pmf at the start)."""
    sd = np.sqrt(lam)
    lo = max(0, int(lam - 12.0 * sd))
    hi = int(lam + 12.0 * sd) + 1
    term = np.exp(lo * np.log(lam) - lam - math.lgamma(lo + 1.0))
    cdf = term
    n = lo
    while u > cdf and n < hi:
        n += 1
        term *= lam / n
        cdf += term
    return n


@njit(cache=True, error_model="numpy")
def poisson_e(lam, e, u):
    """Poisson(lam) by inversion of ``u``, given ``e = exp(-lam)``."""
    if u <= e or lam <= 0.0:
        return 0
    term = e
    cdf = term
    n = 0
    while u > cdf and n < 1000:
        n += 1
        term *= lam / n
        cdf += term
    return n


@njit(cache=True, error_model="numpy")
def saturating(budget, half):
    """Diminishing-returns effect of a yearly budget: b / (b + h), in [0, 1)."""
    if budget <= 0.0:
        return 0.0
    return budget / (budget + half)


@njit(cache=True, error_model="numpy")
def clip01(x):
    return min(1.0, max(0.0, x))
