"""The numba core: every behavioural rule of the model, as ``@njit`` kernels.

This package is the one truth for behaviour. The Mesa model
(:class:`stmarket.model.market.STMarket`) and the batch core (:func:`run_batch`) call
the same phase kernels (:func:`month_begin`, :func:`research_step`,
:func:`intermediary_step`, :func:`enterprise_step`, :func:`month_end`) on the same
state, so the two paths cannot drift apart.

The state of a run is a :class:`RunState`: one structured array per kind of agent or
table, a record per agent (``s.ent[i].tech``: buyer ``i``'s technology level; see
:mod:`.layout`). Kernels take the state, the parameter vector ``p`` (indices
``P_*``), the yearly budgets ``lev`` (float64[6, years], billion VND), the run's key
(uint64[2], from (seed, run)), the month ``t`` and the acting agent.

Modules, by responsibility:

``layout``       parameter indices, codes, the records of the state, scalars, accumulators
``rng``          counter-based random numbers and numerical helpers
``areas``        the province's areas: markets relative to the buyer, the programme's
                 reach, scored areas, a merger of markets
``offers``       the offer table, prices, results entering the market
``enterprises``  buyers' needs, search, choice and purchase; vendors
``province``     capability stocks, the year, provincial tasks, events, research
                 organisations, the buyers' order
``intermediaries`` the public and private intermediaries as businesses
``run``          set-up, one month, whole runs, batches

Every name is re-exported here (``from stmarket.model import kernels as K;
K.step_month``). Kernels are compiled on first use and cached; the cache of every
kernel is keyed on the whole package's source (:mod:`._cache`), since kernels inline
kernels from the other files. Importing the package registers that cache key and
compiles nothing.
"""

from stmarket.model.kernels import _cache

_cache.install()

from stmarket.model.kernels.areas import *  # noqa: E402,F403
from stmarket.model.kernels.enterprises import *  # noqa: E402,F403
from stmarket.model.kernels.intermediaries import *  # noqa: E402,F403
from stmarket.model.kernels.layout import *  # noqa: E402,F403
from stmarket.model.kernels.offers import *  # noqa: E402,F403
from stmarket.model.kernels.province import *  # noqa: E402,F403
from stmarket.model.kernels.rng import *  # noqa: E402,F403
from stmarket.model.kernels.run import *  # noqa: E402,F403
