"""One seeded run of each scenario: yearly indicators and target verdicts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from stmarket.model import indicators
from stmarket.model.core import RunResult, simulate
from stmarket.model.profile import Profile
from stmarket.model.scenario import Scenario
from stmarket.model.targets import TargetSet

#: Indicators printed by default, with their units.
SUMMARY_COLUMNS = {
    "value_nominal": "bn VND",
    "count": "deals",
    "ip_share": "share",
    "tech_share": "share",
    "research_origin_share": "share",
    "digitised_share": "share",
    "intermediaries_active": "orgs",
    "intermediaries_connected": "orgs",
}


@dataclass
class ScenarioRun:
    """A scenario's single run and its scored targets."""

    scenario: Scenario
    result: RunResult
    indicators: pd.DataFrame
    verdicts: pd.DataFrame


def verdict_table(targets: TargetSet, ind: dict[str, np.ndarray], years: np.ndarray,
                  scenario_id: str) -> pd.DataFrame:
    """One row per target: its label (from its targets file), its measure in this run and
    whether it is met."""
    measures, met = targets.score(ind, years)
    return pd.DataFrame({
        "scenario": scenario_id,
        "target": targets.ids,
        "label": [t.label("en") for t in targets.targets],
        "year": [t.year for t in targets.targets],
        "op": [t.op for t in targets.targets],
        "threshold": [t.threshold for t in targets.targets],
        "measured": measures,
        "met": met,
        "interpretation": [t.interpretation for t in targets.targets],
    })


def run_scenarios(profile: Profile, scenarios: list[Scenario], targets: TargetSet,
                  seed: int = 1, params: np.ndarray | None = None) -> list[ScenarioRun]:
    """Run each scenario once with the same seed and parameters (paired runs).

    Parameters
    ----------
    profile : Profile
    scenarios : list of Scenario
    targets : TargetSet
    seed : int
        The same key is used for every scenario, so differences come from the
        levers, not from luck.
    params : float64[NP], optional
        Parameters (the profile's central values by default).
    """
    out = []
    for sc in scenarios:
        res = simulate(profile, sc, seed=seed, run=0, params=params)
        ind = indicators.compute(res.Y, res.inflation)
        out.append(ScenarioRun(sc, res, indicators.to_frame(ind, profile.years),
                               verdict_table(targets, ind, profile.years, sc.id)))
    return out


def format_run(run: ScenarioRun) -> str:
    """Plain-text table of a run's yearly indicators and its target verdicts."""
    df = run.indicators[list(SUMMARY_COLUMNS)].copy()
    lines = [f"== {run.scenario.name} ({run.scenario.id}) =="]
    lines.append(df.to_string(float_format=lambda v: f"{v:.3f}"))
    v = run.verdicts.copy()
    v["met"] = v["met"].map({True: "MET", False: "not met"})
    v["note"] = np.where(run.verdicts["interpretation"], "interpretation", "")
    lines.append("targets:")
    lines.append(v[["target", "year", "op", "threshold", "measured", "met", "note"]]
                 .to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    n_met = int(run.verdicts["met"].sum())
    lines.append(f"{n_met} of {len(v)} targets met in this run "
                 f"({run.result.n_transactions} transactions, {run.result.draws:,} random draws)")
    return "\n".join(lines)

