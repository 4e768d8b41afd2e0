"""The budget-optimal mix of a plan's instruments (Decision 2257's six task groups by
default), and the budget frontier.

The room's modules, from the bottom up:

* :mod:`.allocations`: allocations as points of the simplex (screens, moves) and the
  base scenario's schedule that turns shares into yearly budgets;
* :mod:`.noise`: deciding beyond noise on paired runs (compare, rank, intervals);
* :mod:`.optimiser`: the search over any evaluator (racing, held-out acceptance,
  confirmation on fresh runs, frontier, smallest budget);
* :mod:`.objective`: the model as an evaluator, and the objectives' names;
* :mod:`.result`: the result object and its text summary;
* :mod:`.search`: :func:`~.search.optimise`, the search on the model (the Python API);
* :mod:`.plots` (charts) and :mod:`.write` (the output folder), which read results;
  no algorithm module imports them.
"""
