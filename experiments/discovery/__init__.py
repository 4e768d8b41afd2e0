"""Scenario discovery: under which conditions does a scenario miss its 2030 targets
(PRIM, with EMA Workbench, on a Monte Carlo over the priors)?

The room's modules:

* :mod:`.prim`: PRIM's boxes on any data (:func:`~.prim.prim_boxes`), the choice of the
  targets to explain, the result object, and :func:`~.prim.discover` on the model (the
  Python API);
* :mod:`.plots` (charts) and :mod:`.write` (the output folder), which read results;
  :mod:`.prim` imports neither.
"""
