"""Scenario discovery: under which conditions does a scenario miss its 2030 targets
(PRIM, with EMA Workbench, on a Monte Carlo over the priors)?

The room's modules:

* :mod:`.choice`: which targets to explain (the default rule, or the ids named, checked
  against the targets file in use) and the analyses' names from the targets' labels;
* :mod:`.prim`: PRIM's boxes on any data (:func:`~.prim.prim_boxes`), the result object,
  and :func:`~.prim.discover` on the model (the Python API);
* :mod:`.plots` (charts) and :mod:`.write` (the output folder), which read results;
  :mod:`.prim` imports neither.
"""
