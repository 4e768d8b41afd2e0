"""The live dashboard for policy advisors (``stmarket dashboard``): sliders for the plan's
six task groups, a paired Monte Carlo of the settings against the starting scenario at
every change, in English and Vietnamese.

The room's modules, from the bottom up:

* :mod:`.i18n`: the dashboard's strings in English and Vietnamese;
* :mod:`.settings`: what the sliders hold, and the scenario they describe;
* :mod:`.refresh`: the Monte Carlo of both scenarios on the same runs, and its table;
* :mod:`.plots`: the fan charts and one run's network of buyers and sellers;
* :mod:`.app`: the page, the tables and figures as HTML and the Solara page (the module
  Solara serves). It imports the others; none of them imports it.
"""
