"""The terminal summary of an assessment, in English or Vietnamese: each target's
probability with its interval and its likelihood in words, the paired comparisons, the
targets met per run and P(all) under the readings, and the task groups' attribution."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stmarket.experiments.assessment import likelihood as lk
from stmarket.experiments.assessment.assess import Assessment
from stmarket.experiments.reports import i18n
from stmarket.experiments.reports.words import t

ALL = "all_targets"


def _name(tid: str, lang: str) -> str:
    """Target ids in English (as in the CSV files), plain labels in Vietnamese."""
    return tid if lang == "en" else i18n.target_label(tid, lang)


def _targets(a: Assessment, lang: str) -> str:
    tab = a.targets()
    tab["cell"] = [f"{i18n.prob_interval(p, lo, hi, lang)} {lk.describe(p, lang)}" for p, lo, hi
                   in zip(tab.probability, tab.ci_low, tab.ci_high, strict=True)]
    order = list(dict.fromkeys(tab.target))
    wide = tab.pivot(index="target", columns="scenario", values="cell")
    wide = wide.loc[order, list(dict.fromkeys(tab.scenario))]
    wide.index = [_name(x, lang) for x in wide.index]
    wide.columns.name = None
    return wide.to_string()


def _comparisons(a: Assessment, lang: str) -> list[str]:
    lines: list[str] = []
    n = a.n_runs
    for (sa, sb), g in a.comparisons().groupby(["a", "b"], sort=False):
        lines += ["", t("con.paired", lang, a=sa, b=sb, n=i18n.integer(n, lang))]
        show = pd.DataFrame({
            t("col.target", lang): [_name(x, lang) for x in g.target],
            t("col.a_only", lang): g.a_only.to_numpy(),
            t("col.b_only", lang): g.b_only.to_numpy(),
            t("col.difference", lang): [i18n.signed_interval(d, lo, hi, lang, 3) for d, lo, hi
                                        in zip(g.difference, g.ci_low, g.ci_high, strict=True)],
            t("col.mcnemar_p", lang): [i18n.pvalue(p, lang) for p in g.mcnemar_p]})
        lines.append(show.to_string(index=False))
        m, lo, hi = a.result.targets_met(sa, sb)
        ci = (t("range_to", lang, lo=i18n.number(lo, lang, sign=True),
                hi=i18n.number(hi, lang, sign=True)) if np.isfinite(lo)
              else t("con.no_interval", lang))
        lines.append(t("con.met_diff", lang, a=sa, b=sb, m=i18n.number(m, lang, sign=True),
                       ci=ci))
    return lines


def _headline(a: Assessment, lang: str) -> list[str]:
    r = a.readings()
    allr = r[r.target == ALL].set_index(["scenario", "reading"]).probability
    lines = [""]
    for row in a.met_count_mean().itertuples(index=False):
        sc = row.scenario
        lines.append(t("con.met_mean", lang, scenario=sc, m=i18n.number(row.mean, lang),
                       n=row.targets, lo=i18n.number(row.ci_low, lang),
                       hi=i18n.number(row.ci_high, lang),
                       p=i18n.prob(allr[(sc, "as_scored")], lang),
                       ps=i18n.prob(allr[(sc, "strictest")], lang),
                       pl=i18n.prob(allr[(sc, "most_lenient")], lang)))
    return lines


def _attribution(a: Assessment, lang: str) -> list[str]:
    attr = a.attribution()
    if not len(attr):
        return []
    cells = attr.assign(cell=[f"{d:+.2f}{'*' if lo > 0 or hi < 0 else ''}" for d, lo, hi in
                              zip(attr.difference, attr.ci_low, attr.ci_high, strict=True)])
    if lang == "vi":
        cells["cell"] = cells["cell"].str.replace(".", ",", regex=False)
    wide = cells.pivot(index="target", columns="task_group", values="cell")
    order = [x for x in [*a.target_set.ids, ALL] if x in wide.index]
    wide = wide.loc[order, list(dict.fromkeys(attr.task_group))]
    wide.index = [_name(x, lang) for x in wide.index]
    wide.columns.name = None
    return ["", t("con.attr", lang, plan=attr.attrs.get("plan"),
                  runs=i18n.integer(int(attr.attrs.get("runs", 0)), lang)), wide.to_string()]


def format_summary(a: Assessment, lang: str = "en") -> str:
    """The terminal summary in ``lang`` (``"en"`` or ``"vi"``)."""
    i18n._check_lang(lang)
    n = a.n_runs
    how = t("con.runs", lang, n=i18n.integer(n, lang))
    if a.stopping:
        st = a.stopping
        hw = i18n.plain(st["half_width"], lang)
        how += (t("con.stop", lang, hw=hw) if st["reached"] else
                t("con.capped", lang, hw=hw, cap=i18n.integer(int(st["max_runs"]), lang)))
    world = a._world_meta()["name_vi" if lang == "vi" else "name"]
    profile = a.profile.name_vi if lang == "vi" and a.profile.name_vi else a.profile.name
    lines = [t("con.head", lang, profile=profile, world=world, seed=a.seed, how=how),
             t("con.targets", lang), _targets(a, lang)]
    if len(a.scenarios) > 1:
        lines += _comparisons(a, lang)
    lines += _headline(a, lang)
    lines += _attribution(a, lang)
    return "\n".join(lines)
