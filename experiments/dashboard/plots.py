"""Figures of the dashboard (plotting only): the fan charts of a
:class:`~stmarket.experiments.dashboard.refresh.Refresh`, one run's network of buyers and
sellers, and a figure as PNG bytes. matplotlib is imported when a figure is drawn.

The page (:mod:`stmarket.experiments.dashboard.app`) imports this module; this module
never imports the page.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from stmarket.experiments.dashboard import i18n as di
from stmarket.experiments.dashboard.refresh import Refresh
from stmarket.experiments.dashboard.settings import CUSTOM_ID, scenario_name
from stmarket.experiments.reports import i18n
from stmarket.model import kernels as K
from stmarket.model.profile import Profile

#: Colour of each kind of good in the network figure.
KIND_COLORS = {"technology": "#1f77b4", "ip": "#d62728", "research_result": "#2ca02c",
               "service": "#ff7f0e"}


def fan_figure(r: Refresh, lang: str):
    """Fan charts of both scenarios against the targets
    (:func:`stmarket.experiments.reports.fanchart.fan_chart`)."""
    from stmarket.experiments.reports.fanchart import fan_chart, target_indicators

    fan = r.result.fan(tuple(target_indicators(r.result.targets)))
    names = {r.base.id: scenario_name(r.base, lang), CUSTOM_ID: di.t("custom", lang)}
    return fan_chart(fan, r.result.targets, lang=lang, scenario_names=names)


def _seller_groups(profile: Profile, lang: str) -> list[tuple[str, str, np.ndarray]]:
    """(seller type, label, indices) of each group of sellers, by kind and location."""
    out = []
    scopes = [x.scope for x in profile.locations]

    def label(kind: str, loc: int) -> str:
        # by scope; the location's own name when several locations share the scope
        x = profile.locations[loc]
        text = di.t(f"seller.{kind}.{x.scope}", lang)
        if scopes.count(x.scope) > 1:
            text += f" ({x.label_vi if lang == 'vi' else x.label})"
        return text

    loc_r = profile.RI0[:, K.RS_LOC]
    for loc in range(len(profile.locations)):
        idx = np.flatnonzero(loc_r == loc)
        if idx.size:
            out.append(("research_organisation", label("research", loc), idx))
    vend = np.arange(profile.n_buyers, profile.EI0.shape[0])
    loc_v = profile.EI0[vend, K.S_LOC]
    for loc in range(len(profile.locations)):
        idx = vend[loc_v == loc]
        if idx.size:
            out.append(("enterprise", label("vendor", loc), idx))
    return out


def _stack(groups: list[np.ndarray], gap: float = 0.08) -> list[np.ndarray]:
    """Vertical positions in [0, 1] of groups of nodes, top to bottom, with gaps."""
    n = sum(len(g) for g in groups)
    step = (1.0 - gap * (len(groups) - 1)) / max(n - len(groups), 1)
    ys, y = [], 1.0
    for g in groups:
        ys.append(y - step * np.arange(len(g)))
        y -= step * max(len(g) - 1, 0) + gap
    return ys


def network_figure(tx: pd.DataFrame, profile: Profile, lang: str):
    """Who trades with whom in one run: buyers (left, by sector) and sellers (right, by
    kind and location), a line per transaction coloured by the kind of good, and each
    node sized by its number of transactions (grey: none)."""
    import textwrap

    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    nb = profile.n_buyers
    sector = profile.EI0[:nb, K.S_SECTOR]
    b_groups = [(s.label_vi if lang == "vi" else s.label, np.flatnonzero(sector == k))
                for k, s in enumerate(profile.sectors) if (sector == k).any()]
    s_groups = _seller_groups(profile, lang)
    y_b = np.zeros(nb)
    for (_, idx), ys in zip(b_groups, _stack([g for _, g in b_groups]), strict=True):
        y_b[idx] = ys
    y_s: dict[tuple[str, int], float] = {}
    for (kind, _, idx), ys in zip(s_groups, _stack([g for *_, g in s_groups]), strict=True):
        y_s.update({(kind, int(i)): float(y) for i, y in zip(idx, ys, strict=True)})

    fig = Figure(figsize=(10, 6.2))  # fixed margins: constrained layout costs a second
    ax = fig.add_axes((0.01, 0.07, 0.98, 0.87))
    sy = np.array([y_s.get((str(k), int(s)), np.nan) for k, s in
                   zip(tx["seller_type"], tx["seller"], strict=True)])
    by = y_b[tx["buyer"].to_numpy(dtype=int)] if len(tx) else np.zeros(0)
    handles = []
    for kind in ("service", "research_result", "technology", "ip"):  # rarest on top
        m = (tx["kind"] == kind).to_numpy() & np.isfinite(sy)
        segs = np.stack([np.column_stack([np.zeros(m.sum()), by[m]]),
                         np.column_stack([np.ones(m.sum()), sy[m]])], axis=1)
        ax.add_collection(LineCollection(segs, colors=KIND_COLORS[kind],
                                         linewidths=0.6 if kind == "service" else 0.9,
                                         alpha=0.3 if kind == "service" else 0.6))
        label = f"{di.t(f'kind.{kind}', lang)} ({i18n.integer(m.sum(), lang)})"
        handles.append(Line2D([], [], color=KIND_COLORS[kind], lw=2, label=label))
    deals_b = np.bincount(tx["buyer"].to_numpy(dtype=int), minlength=nb)
    ax.scatter(np.zeros(nb), y_b, s=1 + 6 * np.sqrt(deals_b),
               c=np.where(deals_b > 0, "0.15", "0.75"), linewidths=0, zorder=3)
    per_seller = tx.groupby(["seller_type", "seller"], observed=True).size()
    keys = list(y_s)
    n_s = np.array([per_seller.get(k, 0) for k in keys])
    ax.scatter(np.ones(len(keys)), [y_s[k] for k in keys], s=6 + 12 * np.sqrt(n_s),
               c=np.where(n_s > 0, "0.15", "0.75"), linewidths=0, zorder=3)
    for x, sign, groups in ((0.0, -1, [(lab, y_b[idx]) for lab, idx in b_groups]),
                            (1.0, 1, [(lab, np.array([y_s[(k, int(i))] for i in idx]))
                                      for k, lab, idx in s_groups])):
        for label, ys in groups:
            xb = x + sign * 0.03
            ax.plot([xb, xb], [ys.min(), ys.max()], color="0.5", lw=1)
            ax.text(x + sign * 0.05, float(ys.mean()), "\n".join(textwrap.wrap(label, 28)),
                    ha="right" if sign < 0 else "left", va="center", fontsize=8)
    ax.text(0, 1.05, di.t("net.buyers", lang), ha="center", fontsize=9, weight="bold")
    ax.text(1, 1.05, di.t("net.sellers", lang), ha="center", fontsize=9, weight="bold")
    ax.set_xlim(-0.55, 1.6)
    ax.set_ylim(-0.03, 1.1)
    ax.set_axis_off()
    ax.legend(handles=handles[::-1], loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=4,
              fontsize=8, frameon=False)
    ax.set_title(di.t("net.title", lang, y0=profile.start_year, y1=profile.end_year))
    return fig


def png(fig, dpi: int = 80) -> bytes:
    """A figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()

