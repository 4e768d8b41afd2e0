"""The dashboard's answer beyond the target table, as HTML: the readings of the targets the
plan does not fix, and what each task group does in your settings.

Both are compact tables in English or Vietnamese, with stable classes and ``data-``
attributes for tests and scripts:

* :func:`readings_html`: each reading of each interpreted target, and P(all targets)
  under the combinations that matter, for the starting scenario and your settings
  (:meth:`~stmarket.experiments.dashboard.refresh.Refresh.readings`);
* :func:`attribution_html`: for each task group, the targets whose probability drops
  clearly when it is left out of your settings, and the drop of P(all)
  (:func:`~stmarket.experiments.dashboard.refresh.attribution`).

Names come from the files where they have them (a target's ``label``/``label_vi``, a
reading's, a scenario's ``name_vi``), else from the reports' strings.
"""

from __future__ import annotations

import html

import pandas as pd

from stmarket.experiments.dashboard import i18n as di
from stmarket.experiments.dashboard.refresh import Refresh
from stmarket.experiments.dashboard.settings import CUSTOM_ID, scenario_name
from stmarket.experiments.reports import i18n

ALL = "all_targets"
#: The combinations of readings the page shows P(all) under (of those the readings
#: table has; the report lists every one).
COMBINATIONS = ("as_scored", "strictest", "most_lenient", "without_interpretations")


def target_name(r: Refresh, target_id: str, lang: str) -> str:
    """A target's label in ``lang``: the targets file's ``label``/``label_vi`` where it has
    them, else the reports' label (else the id)."""
    tg = next((t for t in r.result.targets.targets if t.id == target_id), None)
    return i18n.target_label(tg or target_id, lang)


def group_name(g: str, lang: str, plan=None) -> str:
    """A task group's (a plan instrument's) number and title: ``TG4: Intermediary
    organisations`` (Decision 2257's plan by default)."""
    if plan is None:
        from stmarket.model.plan import load_plan

        plan = load_plan()
    en, vi = plan.titles.get(g, (g, g))
    n = plan.ids.index(g) + 1 if g in plan.ids else None
    title = vi if lang == "vi" else en
    if n is None:
        return title
    return f"{'TG' if lang == 'en' else 'Nhóm '}{n}: {title}"


def _reading_label(reading, lang: str) -> str:
    return (reading.label_vi if lang == "vi" and reading.label_vi else reading.label) or \
        reading.id


def _p(x, lang: str) -> str:
    return i18n.prob_interval(x.probability, x.ci_low, x.ci_high, lang)


def readings_html(r: Refresh, lang: str) -> str:
    """The readings of the interpreted targets and P(all) under the main combinations,
    both scenarios side by side."""
    from stmarket.experiments.assessment.readings import by_target, load_readings

    e = html.escape
    table = r.readings()
    rows = {(x.scenario, x.target, x.reading): x for x in table.itertuples(index=False)}
    scen = (r.base.id, CUSTOM_ID)
    head = [di.t("col.reading", lang), scenario_name(r.base, lang), di.t("col.custom", lang)]
    body = []
    for tid, rs in by_target(load_readings(r.result.targets)).items():
        if len(rs) < 2:
            continue
        body.append(f'<tr class="stm-reading-target"><td colspan="3"><b>'
                    f"{e(target_name(r, tid, lang))}</b></td></tr>")
        for rd in rs:
            label = _reading_label(rd, lang) + (f" ({di.t('scored', lang)})" if rd.scored
                                                else "")
            cells = "".join(f"<td>{e(_p(rows[(s, tid, rd.id)], lang))}</td>" for s in scen)
            body.append(f'<tr data-target="{e(tid)}" data-reading="{e(rd.id)}">'
                        f"<td>{e(label)}</td>{cells}</tr>")
    body.append(f'<tr class="stm-reading-target"><td colspan="3"><b>'
                f"{e(di.t('readings.all', lang))}</b></td></tr>")
    for cid in COMBINATIONS:
        if (scen[0], ALL, cid) not in rows:
            continue
        cells = "".join(f"<td>{e(_p(rows[(s, ALL, cid)], lang))}</td>" for s in scen)
        body.append(f'<tr data-target="{ALL}" data-reading="{cid}">'
                    f"<td>{e(di.t(f'combo.{cid}', lang))}</td>{cells}</tr>")
    ths = "".join(f"<th>{e(h)}</th>" for h in head)
    note = di.t("readings.note", lang, runs=i18n.integer(r.result.n_runs, lang))
    return (f'<table class="stm-readings" data-serial="{r.serial}" data-lang="{lang}">'
            f"<thead><tr>{ths}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f'<p class="stm-note">{e(note)}</p>')


def attribution_html(r: Refresh, attr: pd.DataFrame, lang: str) -> str:
    """For each task group of your settings: the targets it carries (their probability
    drops when it is left out, the interval above zero) and the drop of P(all)."""
    e = html.escape
    cell = {(x.task_group, x.target): x for x in attr.itertuples(index=False)}
    head = [di.t("col.task_group", lang), di.t("attr.col_carries", lang),
            di.t("attr.col_all", lang)]
    body = []
    for g in dict.fromkeys(attr["task_group"]):
        carried = sorted((x for (gg, t), x in cell.items() if gg == g and t != ALL
                          and x.ci_low > 0), key=lambda x: -x.difference)
        items = "; ".join(
            f"{target_name(r, x.target, lang)} "
            f"{i18n.signed_interval(x.difference, x.ci_low, x.ci_high, lang)}"
            for x in carried) or di.t("attr.nothing", lang)
        a = cell[(g, ALL)]
        all_txt = i18n.signed_interval(a.difference, a.ci_low, a.ci_high, lang)
        plan = r.custom.plan
        k = plan.ids.index(g) if g in plan.ids else -1
        level = r.settings.levels[k] if k >= 0 else float("nan")
        budget = di.t("attr.budget", lang, level=i18n.number(level, lang, 2))
        body.append(f'<tr data-task-group="{e(g)}" data-carries="{len(carried)}">'
                    f"<td>{e(group_name(g, lang, plan))}<br><span class=\"stm-unit\">"
                    f"{e(budget)}</span></td><td>{e(items)}</td>"
                    f'<td class="stm-nowrap">{e(all_txt)}</td></tr>')
    ths = "".join(f"<th>{e(h)}</th>" for h in head)
    note = di.t("attr.note", lang, runs=i18n.integer(int(attr.attrs.get("runs", 0)), lang),
                all_runs=i18n.integer(r.settings.runs, lang))
    return (f'<table class="stm-attribution" data-serial="{r.serial}" data-lang="{lang}">'
            f"<thead><tr>{ths}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f'<p class="stm-note">{e(note)}</p>')
