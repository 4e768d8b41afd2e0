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

import pandas as pd

from stmarket.experiments.assessment.assess import LANGS, Assessment
from stmarket.experiments.assessment.yearly import yearly_probability
from stmarket.experiments.outputs import folder as output
from stmarket.experiments.reports import fanchart
from stmarket.experiments.reports.report import write_report
from stmarket.model.errors import InputError


def history_until(a: Assessment) -> int | None:
    """The first year the assessment simulates from today (``--from-year``), if it has
    one: the assessment's ``from_year``, else the earliest of its scenarios'."""
    year = getattr(a, "from_year", None)
    if year is None:
        years = [getattr(s, "from_year", None) for s in a.scenarios]
        years = [int(y) for y in years if y is not None]
        year = min(years) if years else None
    return None if year is None else int(year)


def fan_chart(a: Assessment, lang: str = "en", probabilities: pd.DataFrame | None = None):
    """Fan charts (median, 50 % and 90 % bands) of each target's indicator against the
    target, one panel per indicator, with the scenarios' names in ``lang``; a level target
    on a count (the intermediary) as its probability by year; years before the
    assessment's start year (``--from-year``) shaded as history.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if probabilities is None:
        probabilities = yearly_probability(a.result)
    names = {s.id: (s.name_vi if lang == "vi" else s.name) for s in a.scenarios}
    return fanchart.fan_chart(a.fan(), a.target_set, lang=lang, scenario_names=names,
                              probabilities=probabilities,
                              history_until=history_until(a))


def answer_tables(a: Assessment) -> dict:
    """The tables behind the answer's sections: ``met_count``, ``met_mean``, ``readings``
    (the table), ``reading_list`` (the readings), ``attribution`` and ``budgets``."""
    from stmarket.experiments.assessment.readings import load_readings

    return {"met_count": a.met_count(), "met_mean": a.met_count_mean(),
            "readings": a.readings(), "reading_list": load_readings(a.target_set),
            "attribution": a.attribution(), "budgets": a.budgets()}


def report_sections(a: Assessment, answer: dict, lang: str, drivers: str | Path | None):
    """The answer's report sections (:func:`sections.answer_sections`) for an
    assessment."""
    from stmarket.experiments.reports import sections

    meta = a.meta()
    names = {s["id"]: (s.get("name_vi") if lang == "vi" else None) or s["name"]
             for s in meta["scenarios"]}
    drv = None
    if drivers is not None:
        ranking, method = sections.read_drivers(drivers)
        drv = (ranking, str(drivers), method) if ranking is not None else None
    return sections.answer_sections(
        lang=lang, names=names, scenarios=[s.id for s in a.scenarios],
        target_ids=a.target_set.ids, readings=answer["reading_list"],
        reading_table=answer["readings"], met_count=answer["met_count"],
        met_mean=answer["met_mean"], attribution=answer["attribution"],
        budgets=answer["budgets"], drivers=drv, calibration=meta["calibration"],
        posterior=a.posterior, areas=meta.get("areas"))


def write_assessment(a: Assessment, out_dir: str | Path, lang: str = "en",
                     parquet: bool = True, drivers: str | Path | None = None, *,
                     command: str = "run", force: bool = False) -> dict[str, Path]:
    """Write the output folder of an assessment.

    ``targets.csv``, ``comparisons.csv`` and ``value_difference.csv`` (with two or more
    scenarios), ``fan.csv``, ``target_by_year.csv`` (the probability of each level
    target's criterion in every year, drawn for the intermediary), ``runs.parquet``
    (unless ``parquet`` is false), ``fan_charts.png``, ``met_count.csv``,
    ``readings.csv``, ``attribution.csv`` (each task group left out of the reference
    plan; empty without a plan), ``history.csv`` (a run from a stated year),
    ``report.md``, ``report.html`` and, last, ``manifest.json``. ``drivers`` names a
    sensitivity output folder whose ``ranking.csv`` the report turns into plain words
    (by default ``out_dir/sensitivity`` if it holds one).
    Each file is written atomically. The folder is checked first
    (:func:`stmarket.experiments.outputs.folder.claim`): another command's results are
    refused; ``command``'s earlier results, and unlisted files of the names it writes, are
    replaced (their files removed first) only with ``force``.

    Returns
    -------
    dict mapping each file's name to its path.
    """
    if lang not in LANGS:
        raise InputError("argument", "--lang", f"must be one of {', '.join(LANGS)}, "
                                               f"got {lang!r}")
    import matplotlib.pyplot as plt

    out = output.begin(out_dir, command, force=force)
    files: dict[str, Path] = {}
    files["targets.csv"] = output.write_csv(out / "targets.csv", a.targets())
    answer = answer_tables(a)
    for name in ("met_count", "readings", "attribution"):
        files[f"{name}.csv"] = output.write_csv(out / f"{name}.csv", answer[name])
    cmp = vdiff = None
    if len(a.scenarios) > 1:
        cmp, vdiff = a.comparisons(), a.value_difference()
        files["comparisons.csv"] = output.write_csv(out / "comparisons.csv", cmp)
        files["value_difference.csv"] = output.write_csv(out / "value_difference.csv", vdiff)
    files["fan.csv"] = output.write_csv(out / "fan.csv", a.fan())
    if a.history is not None:  # a run from a stated year: targets before it are history
        files["history.csv"] = output.write_csv(out / "history.csv", a.history)
    yearly = yearly_probability(a.result)
    files["target_by_year.csv"] = output.write_csv(out / "target_by_year.csv", yearly)
    if parquet:
        files["runs.parquet"] = output.write_parquet_chunks(out / "runs.parquet",
                                                            a.run_chunks())
    fig = fan_chart(a, lang, yearly)
    files["fan_charts.png"] = output.save_figure(fig, out / "fan_charts.png")
    plt.close(fig)
    md, html = write_report(out, lang=lang, meta=a.meta(), targets=a.target_set,
                            target_table=a.targets(), comparisons=cmp,
                            value_difference=vdiff,
                            figures={"fan_charts": files["fan_charts.png"]},
                            sections=report_sections(a, answer, lang, drivers or
                                                     Path(out_dir) / "sensitivity"))
    files["report.md"], files["report.html"] = md, html
    man = a.manifest()
    man["lang"] = lang
    man["attribution"] = {"plan": answer["attribution"].attrs.get("plan"),
                          "runs": int(answer["attribution"].attrs.get("runs", 0))}
    man["written"] = datetime.now(UTC).isoformat(timespec="seconds")
    files["manifest.json"] = output.finish(out, man, list(files.values()), command=command)
    return files
