"""Global sensitivity analysis: which uncertain parameters and which levers move the 2030
outcomes and the probability of the targets (Sobol and Morris, with SALib).

The room's modules, from the bottom up:

* :mod:`.problem`: the inputs (uniform or log-uniform) and the methods' designs on the
  unit cube;
* :mod:`.replicates`: running a model with seed replicates (common random numbers or
  independent keys), and the noise share of each outcome;
* :mod:`.indices`: Sobol and Morris indices of the per-point means;
* :mod:`.result`: the result object: ranking, summary, tables and manifest;
* :mod:`.market`: the market as a model (its inputs and outcomes);
* :mod:`.methods`: :func:`~.methods.analyse` (any model) and
  :func:`~.methods.sensitivity` (the market), the Python API, and the known answers;
* :mod:`.plots` (charts) and :mod:`.write` (the output folder), which read results;
  no algorithm module imports them.
"""
