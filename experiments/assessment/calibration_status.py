"""What an assessment's parameters were fitted to: the calibration status the report
states (priors only, or a posterior from ``stmarket calibrate`` and its observations)."""

from __future__ import annotations

import json
from pathlib import Path


def calibration_status(posterior: str | Path | None) -> dict:
    """The calibration status of an assessment.

    Parameters
    ----------
    posterior : str, Path or None
        The ``posterior.csv`` the runs drew from (None: the priors only).

    Returns
    -------
    dict
        ``status`` (``"prior"`` or ``"posterior"``), ``fitted`` (the parameters the
        posterior fitted, from its columns), ``observations`` (the observations file named
        by the ``manifest.json`` beside the posterior, or None) and ``target_reached``
        (whether that calibration's final tolerance reached 1, or None).
    """
    if posterior is None:
        return {"status": "prior", "fitted": [], "observations": None, "target_reached": None}
    path = Path(posterior)
    fitted: list[str] = []
    try:
        head = path.read_text(encoding="utf-8").splitlines()[0]
        fitted = [c.strip() for c in head.split(",") if c.strip() and c.strip() != "weight"]
    except (OSError, IndexError, UnicodeDecodeError):
        pass
    obs = reached = None
    man = path.parent / "manifest.json"
    if man.is_file():
        try:
            m = json.loads(man.read_text(encoding="utf-8"))
            f = m.get("observations_file") or {}
            obs = f.get("path") if isinstance(f, dict) else None
            reached = m.get("target_reached")
        except (OSError, ValueError, AttributeError):
            pass
    return {"status": "posterior", "fitted": fitted, "observations": obs,
            "target_reached": reached}
