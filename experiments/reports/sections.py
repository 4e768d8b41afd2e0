"""The report's sections that answer beyond one probability per target: the likelihood
scale, the number of targets met per run, the readings of the interpreted targets, what
each task group does, the drivers of the sensitivity analysis, and the assumptions.

Each function returns blocks (:mod:`~stmarket.experiments.reports.report`); the caller
places them (:func:`answer_sections`). Every number comes from the tables passed in.
"""

from __future__ import annotations

import contextvars
from pathlib import Path

import pandas as pd

from stmarket.experiments.assessment import likelihood as lk
from stmarket.experiments.assessment.readings import ALL, WITHOUT_PLAN_AT, Reading, by_target
from stmarket.experiments.reports import glossary, i18n, words
from stmarket.experiments.reports.report import Block, Bullets, Heading, Note, Paragraph, Table
from stmarket.experiments.reports.words import t

#: the report's targets by id while its sections are built (:func:`answer_sections`), so a
#: target id in a table reads as the targets file's label
_TARGETS: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "stmarket_report_targets", default=None)


def _tl(tid: str, lang: str) -> str:
    """A target's label: the targets file's (see :data:`_TARGETS`), else the id's."""
    return i18n.target_label((_TARGETS.get() or {}).get(tid, tid), lang)


def _p(p: float, lo: float, hi: float, lang: str) -> str:
    return f"{i18n.prob_interval(p, lo, hi, lang)} {lk.describe(p, lang)}".strip()


def scale_section(lang: str) -> list[Block]:
    """The likelihood scale, stated."""
    rows = tuple((lk.term(k, lang), i18n._localise(lk.RANGES[k], lang).replace(
        i18n.MINUS, i18n.DASH)) for k in lk.KEYS)
    return [Heading(3, t("h.scale", lang)), Paragraph(t("scale.intro", lang)),
            Table((t("col.term", lang), t("col.range", lang)), rows, ("l", "r"))]


def met_count_section(met_count: pd.DataFrame, met_mean: pd.DataFrame, scenarios: list[str],
                      names: dict[str, str], lang: str) -> list[Block]:
    """Distribution of the number of targets met per run, its mean and P(all)."""
    wide = met_count.pivot(index="targets_met", columns="scenario", values="probability")
    body = [tuple([i18n.integer(int(k), lang)] + [i18n.prob(wide.at[k, s], lang)
                                                  for s in scenarios]) for k in wide.index]
    mm = met_mean.set_index("scenario")
    body.append(tuple([t("met.mean_row", lang)] + [
        f"{i18n.number(mm.at[s, 'mean'], lang)} ({i18n.number(mm.at[s, 'ci_low'], lang)}"
        f"{i18n.DASH}{i18n.number(mm.at[s, 'ci_high'], lang)})" for s in scenarios]))
    body.append(tuple([t("met.all_row", lang)] + [i18n.prob(mm.at[s, "p_all"], lang)
                                                  for s in scenarios]))
    header = (t("col.targets_met", lang), *(names.get(s, s) for s in scenarios))
    return [Heading(2, t("h.met_count", lang)), Paragraph(t("met.intro", lang)),
            Table(header, tuple(body), ("l",) + ("r",) * len(scenarios))]


def _reading_label(r: Reading, lang: str) -> str:
    return r.label_vi if lang == "vi" and r.label_vi else r.label


def _combo_label(cid: str, groups: dict[str, list[Reading]], lang: str) -> str:
    if cid in ("as_scored", "strictest", "most_lenient", "without_interpretations"):
        return t(f"combo.{cid}", lang)
    if cid.startswith("without_"):
        return t("combo.without", lang, target=_tl(cid[8:], lang))
    tid, rid = cid.split("=", 1)
    r = next((x for x in groups.get(tid, []) if x.id == rid), None)
    return t("combo.swap", lang, target=_tl(tid, lang),
             reading=_reading_label(r, lang) if r else rid)


def readings_section(table: pd.DataFrame, readings: list[Reading], scenarios: list[str],
                     names: dict[str, str], lang: str) -> list[Block]:
    """Each interpreted target under each reading, P(all) under each combination, and the
    targets met without the plan."""
    groups = by_target(readings)
    rows = {(r.scenario, r.target, r.reading): r for r in table.itertuples(index=False)}
    out: list[Block] = [Heading(2, t("h.readings", lang)), Paragraph(t("readings.intro", lang))]
    sc_head = tuple(names.get(s, s) for s in scenarios)
    for tid, rs in groups.items():
        if len(rs) < 2:
            continue
        body = []
        for r in rs:
            label = _reading_label(r, lang) + (f" ({t('scored', lang)})" if r.scored else "")
            cells = [label]
            for s in scenarios:
                x = rows.get((s, tid, r.id))
                cells.append(t("missing", lang) if x is None else
                             _p(x.probability, x.ci_low, x.ci_high, lang))
            flag = rows.get((scenarios[0], tid, r.id))
            f = None if flag is None else flag.met_without_plan
            cells.append(t("missing", lang) if f is None or pd.isna(f) else
                         t("yes" if f else "no", lang))
            body.append(tuple(cells))
        out.append(Heading(3, _tl(tid, lang), code=tid))
        out.append(Table((t("col.reading", lang), *sc_head, t("col.without_plan", lang)),
                         tuple(body), ("l",) + ("r",) * len(scenarios) + ("l",)))
    combos = list(dict.fromkeys(r.reading for r in table.itertuples(index=False)
                                if r.target == ALL))
    body = []
    for cid in combos:
        cells = [_combo_label(cid, groups, lang)]
        for s in scenarios:
            x = rows.get((s, ALL, cid))
            cells.append(t("missing", lang) if x is None else
                         _p(x.probability, x.ci_low, x.ci_high, lang))
        body.append(tuple(cells))
    out += [Heading(3, t("h.combinations", lang)), Paragraph(t("combinations.intro", lang)),
            Table((t("col.combination", lang), *sc_head), tuple(body),
                  ("l",) + ("r",) * len(scenarios))]
    flagged = [r for r in readings if (x := rows.get((scenarios[0], r.target, r.id)))
               is not None and not pd.isna(x.met_without_plan) and bool(x.met_without_plan)]
    at = i18n.prob(WITHOUT_PLAN_AT, lang)
    if flagged:
        items = t("list_sep", lang).join(
            _tl(r.target, lang)
            + ("" if len(groups[r.target]) < 2 else f" ({_reading_label(r, lang)})")
            for r in flagged)
        out.append(Note(t("without_plan.note", lang, items=items, at=at)))
    elif not table["met_without_plan"].isna().all():
        out.append(Paragraph(t("without_plan.none", lang, at=at)))
    return out


def _group_name(g: str, lang: str, titles: dict | None = None) -> str:
    """A task group's (a plan instrument's) name: ``titles`` (id -> (en, vi), from the
    table's ``attrs``), else Decision 2257's plan, else the id."""
    if not titles or g not in titles:
        from stmarket.model.plan import load_plan

        titles = load_plan().titles
    en, vi = titles.get(g, (g, g))
    n = g[2] if g.startswith("tg") and g[2:3].isdigit() else ""
    head = (f"TG{n}" if lang == "en" else f"Nhóm {n}") if n else ""
    return f"{head} {en if lang == 'en' else vi}".strip()


def _compact(d: float, lo: float, hi: float, lang: str) -> str:
    """``+0.63 * (0.59–0.67)``: a difference, * when its interval excludes 0, and the
    interval, which may wrap onto a second line (its own parts held together)."""
    mark = "\u00a0*" if (lo > 0 or hi < 0) else ""
    interval = f"{i18n.number(lo, lang)}\u2013{i18n.number(hi, lang)}".replace(" ", "\u00a0")
    return f"{i18n.number(d, lang, sign=True)}{mark} ({interval})"


def _short_group(g: str, lang: str, titles: dict | None) -> str:
    """A column heading for a task group: ``TG4`` (``Nhóm 4``) for Decision 2257's, else
    the instrument's name."""
    n = g[2] if g.startswith("tg") and g[2:3].isdigit() else ""
    if n:
        return f"TG{n}" if lang == "en" else f"Nhóm {n}"
    return _group_name(g, lang, titles)


def attribution_section(attr: pd.DataFrame, target_ids: list[str], names: dict[str, str],
                        lang: str) -> list[Block]:
    """Rows targets, columns task groups: the drop in P(target) when the group is left
    out, with its interval; * where the interval excludes 0; then the groups' names and
    which groups carry which target. (Targets as rows keep the table within a page: a
    plan has few instruments and may have many targets.)"""
    if attr is None or not len(attr):
        return []
    plan, runs = attr.attrs.get("plan"), attr.attrs.get("runs", 0)
    titles = attr.attrs.get("titles")
    cols = [x for x in [*target_ids, ALL] if x in set(attr.target)]
    cell = {(r.task_group, r.target): r for r in attr.itertuples(index=False)}
    groups = list(dict.fromkeys(attr.task_group))
    body = []
    for tid in cols:
        cells = [_tl(tid, lang)]
        for g in groups:
            r = cell[(g, tid)]
            cells.append(_compact(r.difference, r.ci_low, r.ci_high, lang))
        body.append(tuple(cells))
    header = (t("col.target", lang), *(_short_group(g, lang, titles) for g in groups))
    legend = t("list_sep", lang).join(
        f"{sh}: {_group_name(g, lang, titles).removeprefix(sh).strip()}"
        for g in groups if (sh := _short_group(g, lang, titles)) != _group_name(g, lang, titles))
    carries = []
    for tid in cols:
        gs = [_group_name(g, lang, titles) for g in groups if cell[(g, tid)].ci_low > 0]
        carries.append(t("attr.carries", lang, target=_tl(tid, lang),
                         groups=t("list_sep", lang).join(gs) if gs else t("attr.none", lang)))
    out = [Heading(2, t("h.attribution", lang)),
           Paragraph(t("attr.intro", lang, plan=names.get(plan, plan),
                       runs=i18n.integer(int(runs), lang))),
           Table(header, tuple(body), ("l",) + ("r",) * len(groups))]
    if legend:
        out.append(Paragraph(legend))
    return out + [Paragraph(t("attr.carried_by", lang)), Bullets(tuple(carries))]


def _outcome(name: str, lang: str) -> str:
    if name.startswith("p_") and (name[2:] in (_TARGETS.get() or {})
                                  or i18n.has(f"target.{name[2:]}")):  # labels from the file
        return t("outcome.p", lang, what=_tl(name[2:], lang))
    parts = name.split("_")
    years = [p for p in parts if p.isdigit() and len(p) == 4]
    core = "_".join(p for p in parts if p not in years)
    when = i18n.DASH.join(years)
    if core.startswith("p_"):
        what = core[2:]
        if what == "all":
            return t("outcome.p", lang, what=t("outcome.all", lang, year=when))
        text = i18n.indicator_name(what, lang)
        return t("outcome.p", lang, what=f"{text} {when}".strip())
    return f"{i18n.indicator_name(core, lang)} {when}".strip()


def drivers_section(ranking: pd.DataFrame, folder: str, method: str, lang: str,
                    top: int = 10) -> list[Block]:
    """The top inputs of a sensitivity ranking (``ranking.csv``), in plain words."""
    if ranking is None or not len(ranking):
        return []
    kinds = {k for k in words.keys() if k.startswith("kind.")}
    body = []
    for r in ranking.sort_values("rank").head(top).itertuples(index=False):
        kind = t(f"kind.{r.kind}", lang) if f"kind.{r.kind}" in kinds else str(r.kind)
        body.append((i18n.integer(int(r.rank), lang), glossary.label(str(r.input), lang), kind,
                     _outcome(str(r.outcome), lang)))
    return [Heading(2, t("h.drivers", lang)),
            Paragraph(t("drivers.intro", lang, folder=folder, method=method)),
            Table((t("col.rank", lang), t("col.input", lang), t("col.kind", lang),
                   t("col.outcome", lang)), tuple(body), ("r", "l", "l", "l"))]


def read_drivers(folder: str | Path) -> tuple[pd.DataFrame | None, str]:
    """``ranking.csv`` of a sensitivity output folder and its method (from the manifest),
    or ``(None, "")`` when the folder holds no sensitivity result."""
    import json

    folder = Path(folder)
    f = folder / "ranking.csv"
    if not f.is_file():
        return None, ""
    method = ""
    man = folder / "manifest.json"
    if man.is_file():
        try:
            method = str(json.loads(man.read_text(encoding="utf-8")).get("method", ""))
        except (OSError, ValueError):
            method = ""
    return pd.read_csv(f), method


def budgets_section(budgets: pd.DataFrame, names: dict[str, str], lang: str) -> list[Block]:
    """The yearly budget of every task group in every scenario: one compact table per
    scenario (rows groups, columns years), a sentence for a scenario with no budget."""
    out: list[Block] = [Heading(3, t("h.budgets", lang)), Paragraph(t("budgets.intro", lang))]
    titles = budgets.attrs.get("titles")
    for sc, g in budgets.groupby("scenario", sort=False):
        name = names.get(sc, sc)
        if float(g.budget.abs().sum()) == 0.0:
            out.append(Paragraph(t("budgets.none", lang, scenario=name)))
            continue
        wide = g.pivot(index="task_group", columns="year", values="budget")
        wide = wide.loc[list(dict.fromkeys(g.task_group))]
        wide = wide.loc[wide.abs().sum(axis=1) > 0]
        years = list(wide.columns)
        body = tuple(tuple([_group_name(grp, lang, titles)] + [
            i18n.number(v, lang) if v else t("missing", lang) for v in wide.loc[grp]])
            for grp in wide.index)
        total = wide.sum(axis=0)
        body += (tuple([t("budgets.total", lang)] + [i18n.number(v, lang) for v in total]),)
        out.append(Paragraph(name))
        out.append(Table((t("col.task_group", lang), *(str(y) for y in years)), body,
                         ("l",) + ("r",) * len(years)))
    return out


def assumptions_section(budgets: pd.DataFrame, readings: list[Reading],
                        calibration: dict | None, posterior: str | None,
                        names: dict[str, str], lang: str,
                        reading_table: pd.DataFrame | None = None,
                        areas: dict | None = None) -> list[Block]:
    """Budgets, interpretations, calibration status, what the intervals cover (and how
    the 2025 merger enters: ``areas``, the profile's areas and merger as the assessment's
    metadata records them), and the limitations."""
    out: list[Block] = [Heading(2, t("h.assumptions", lang))]
    out += budgets_section(budgets, names, lang)
    plan = next((sc for sc, g in budgets.groupby("scenario", sort=False)
                 if float(g.budget.abs().sum()) > 0), None)
    p = ({(r.target, r.reading): r.probability for r in reading_table.itertuples(index=False)
          if r.scenario == plan} if plan is not None and reading_table is not None else {})

    def said(r: Reading) -> str:  # the reading, with its probability under the plan
        x = p.get((r.target, r.id))
        return _reading_label(r, lang) + ("" if x is None else f" ({i18n.prob(x, lang)})")

    items = []
    for tid, rs in by_target(readings).items():
        if len(rs) < 2:
            continue
        scored = next(r for r in rs if r.scored)
        others = t("list_sep", lang).join(said(r) for r in rs if not r.scored)
        items.append(t("interp.item", lang, target=_tl(tid, lang),
                       reading=said(scored), others=others,
                       plan=names.get(plan, plan) if plan else t("missing", lang)))
    if items:
        out += [Heading(3, t("h.interpretations", lang)), Bullets(tuple(items))]
    cal = calibration or {"status": "prior"}
    if cal.get("status") == "posterior":
        fitted = list(cal.get("fitted") or [])
        reached = (t("calib.not_reached", lang) if cal.get("target_reached") is False else "")
        text = t("calib.posterior", lang, n=len(fitted),
                 names=", ".join(glossary.label(x, lang) for x in fitted) or "—",
                 file=Path(str(posterior or "")).name,
                 observations=(Path(cal["observations"]).name if cal.get("observations")
                               else t("calib.unknown_obs", lang)), reached=reached)
    else:
        text = t("calib.prior", lang)
    out += [Heading(3, t("h.calibration", lang)), Paragraph(text)]
    out += [Heading(3, t("h.interval", lang)), Bullets((t("interval.covers", lang),
                                                        t("interval.not", lang),
                                                        merger_statement(areas, lang)))]
    out += [Heading(3, t("h.limitations", lang)),
            Bullets(tuple(t(k, lang) for k in ("lim.data", "lim.small", "lim.budgets",
                                               "lim.attribution")))]
    return out


def merger_statement(areas: dict | None, lang: str) -> str:
    """How the run treats the merger of 1 July 2025: not represented (a profile without
    a ``[merger]``), assumed as declared (its note, and the areas scored), or the
    counterfactual of no merger."""
    a = areas or {}
    scored = i18n.scored_area_names(a, lang) or t("merger.whole", lang)
    if not a.get("merger_declared"):
        return t("merger.none", lang)
    if not a.get("merger"):
        return t("merger.off", lang, scored=scored)
    note = (a.get("merger_note_vi") if lang == "vi" else None) or a.get("merger_note") or ""
    return t("merger.on", lang, month=i18n.month_name(a.get("merger_month") or "", lang),
             note=note, scored=scored)


def answer_sections(*, lang: str, names: dict[str, str], scenarios: list[str],
                    target_ids: list[str], readings: list[Reading] | None = None,
                    reading_table: pd.DataFrame | None = None,
                    met_count: pd.DataFrame | None = None,
                    met_mean: pd.DataFrame | None = None,
                    attribution: pd.DataFrame | None = None,
                    budgets: pd.DataFrame | None = None,
                    drivers: tuple[pd.DataFrame | None, str, str] | None = None,
                    calibration: dict | None = None, posterior: str | None = None,
                    areas: dict | None = None, targets=None) -> dict[str, list[Block]]:
    """The new sections, keyed by where the report places them: ``how_to_read`` (the
    scale), ``after_key_answer`` (targets met per run), ``after_targets`` (readings,
    attribution, drivers) and ``before_definitions`` (assumptions)."""
    token = _TARGETS.set({x.id: x for x in targets.targets} if targets is not None else {})
    try:
        return _answer_sections(lang, names, scenarios, target_ids, readings, reading_table,
                                met_count, met_mean, attribution, budgets, drivers,
                                calibration, posterior, areas)
    finally:
        _TARGETS.reset(token)


def _answer_sections(lang, names, scenarios, target_ids, readings, reading_table, met_count,
                     met_mean, attribution, budgets, drivers, calibration, posterior, areas):
    out: dict[str, list[Block]] = {"how_to_read": scale_section(lang), "after_key_answer": [],
                                   "after_targets": [], "before_definitions": []}
    if met_count is not None and met_mean is not None and len(met_count):
        out["after_key_answer"] += met_count_section(met_count, met_mean, scenarios, names,
                                                     lang)
    if reading_table is not None and readings is not None and len(reading_table):
        out["after_targets"] += readings_section(reading_table, readings, scenarios, names,
                                                 lang)
    if attribution is not None:
        out["after_targets"] += attribution_section(attribution, target_ids, names, lang)
    if drivers is not None and drivers[0] is not None:
        out["after_targets"] += drivers_section(drivers[0], drivers[1], drivers[2], lang)
    if budgets is not None:
        out["before_definitions"] += assumptions_section(budgets, readings or [], calibration,
                                                         posterior, names, lang,
                                                         reading_table, areas)
    return out


__all__ = ["answer_sections", "assumptions_section", "attribution_section",
           "drivers_section", "met_count_section", "read_drivers", "readings_section",
           "scale_section"]
