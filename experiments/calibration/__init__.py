"""Calibration of the model to what is observed of a province, by ABC-SMC.

The room's modules, from the bottom up:

* :mod:`.observations`: the observed statistics (files in ``scenarios/observations/``),
  each statistic computed from simulated indicators, and the distance of a simulation
  from the observations;
* :mod:`.smc`: ABC-SMC in the unit cube of the priors, generic (any simulator);
* :mod:`.result`: the calibration's result (the posterior, its summary and fit tables);
* :mod:`.abc`: :func:`~.abc.calibrate`, ABC-SMC on the model (the Python API);
* :mod:`.plots` (charts) and :mod:`.write` (the output folder), which read results;
  no algorithm module imports them.

The posterior's file, reading and resampling are the assessment's
(:mod:`stmarket.experiments.assessment.posterior`): a calibration writes what an
assessment reads.
"""
