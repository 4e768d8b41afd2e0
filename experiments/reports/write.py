"""The assessment's output folder: tables, run records, fan charts and the report.

>>> from stmarket.experiments.assessment.assess import assess          # doctest: +SKIP
>>> from stmarket.experiments.reports.write import fan_chart, write_assessment
>>> a = assess(runs=2000, seed=1)                                     # doctest: +SKIP
>>> fan_chart(a, lang="vi")          # matplotlib figure            # doctest: +SKIP
>>> write_assessment(a, "out", lang="vi")                             # doctest: +SKIP
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from stmarket.experiments.assessment.assess import LANGS, Assessment
from stmarket.experiments.outputs import folder as output
from stmarket.experiments.reports import fanchart
from stmarket.experiments.reports.report import write_report
from stmarket.model.errors import InputError


def fan_chart(a: Assessment, lang: str = "en"):
    """Fan charts (median, 50 % and 90 % bands) of each target's indicator against the
    target, one panel per indicator, with the scenarios' names in ``lang``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    names = {s.id: (s.name_vi if lang == "vi" else s.name) for s in a.scenarios}
    return fanchart.fan_chart(a.fan(), a.target_set, lang=lang, scenario_names=names)


def write_assessment(a: Assessment, out_dir: str | Path, lang: str = "en",
                     parquet: bool = True) -> dict[str, Path]:
    """Write the output folder of an assessment.

    ``targets.csv``, ``comparisons.csv`` and ``value_difference.csv`` (with two or more
    scenarios), ``fan.csv``, ``runs.parquet`` (unless ``parquet`` is false),
    ``fan_charts.png``, ``report.md``, ``report.html`` and, last, ``manifest.json``.
    Each file is written atomically; files of an earlier run are removed first.

    Returns
    -------
    dict mapping each file's name to its path.
    """
    if lang not in LANGS:
        raise InputError("argument", "--lang", f"must be one of {', '.join(LANGS)}, "
                                               f"got {lang!r}")
    import matplotlib.pyplot as plt

    out = output.begin(out_dir)
    files: dict[str, Path] = {}
    files["targets.csv"] = output.write_csv(out / "targets.csv", a.targets())
    cmp = vdiff = None
    if len(a.scenarios) > 1:
        cmp, vdiff = a.comparisons(), a.value_difference()
        files["comparisons.csv"] = output.write_csv(out / "comparisons.csv", cmp)
        files["value_difference.csv"] = output.write_csv(out / "value_difference.csv", vdiff)
    files["fan.csv"] = output.write_csv(out / "fan.csv", a.fan())
    if a.history is not None:  # a run from a stated year: targets before it are history
        files["history.csv"] = output.write_csv(out / "history.csv", a.history)
    if parquet:
        files["runs.parquet"] = output.write_parquet_chunks(out / "runs.parquet",
                                                            a.run_chunks())
    fig = fan_chart(a, lang)
    files["fan_charts.png"] = output.save_figure(fig, out / "fan_charts.png")
    plt.close(fig)
    md, html = write_report(out, lang=lang, meta=a.meta(), targets=a.target_set,
                            target_table=a.targets(), comparisons=cmp,
                            value_difference=vdiff,
                            figures={"fan_charts": files["fan_charts.png"]})
    files["report.md"], files["report.html"] = md, html
    man = a.manifest()
    man["lang"] = lang
    man["written"] = datetime.now(UTC).isoformat(timespec="seconds")
    files["manifest.json"] = output.finish(out, man, list(files.values()))
    return files
