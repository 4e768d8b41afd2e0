"""Helpers shared by the command-line tests: run ``stmarket`` in-process, check a
one-line error, and a fast copy of the Bắc Kạn profile."""

from __future__ import annotations

import re

from stmarket.experiments.cli.main import main
from stmarket.model.profile import scenarios_dir

PROFILE = scenarios_dir() / "profiles" / "bac_kan.toml"


def cli(argv, capsys):
    """Run ``stmarket`` in-process on ``argv``; return (exit code, stdout, stderr).

    argparse's usage errors raise ``SystemExit(2)`` where ``main`` returns 2 for bad
    files; both count as the exit code.
    """
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code, err):
    """Exit code 2 and exactly one line on stderr, naming ``stmarket``, no traceback."""
    assert code == 2, err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("stmarket") and "Traceback" not in err, err


def tiny_copy(folder, *, name="tiny.toml", start=None, end=None, targets=None):
    """bac_kan.toml with every count divided by 25, optionally another horizon and
    targets file, written to ``folder / name``."""
    text = PROFILE.read_text(encoding="utf-8")
    text = re.sub(r"^count = (\d+)$", lambda m: f"count = {max(1, int(m.group(1)) // 25)}",
                  text, flags=re.M)
    text = text.replace('id = "bac_kan"', 'id = "bac_kan_tiny"', 1)
    if start is not None:
        text = re.sub(r"^start_year = \d+$", f"start_year = {start}", text, count=1, flags=re.M)
        text = re.sub(r"^end_year = \d+$", f"end_year = {end}", text, count=1, flags=re.M)
    if targets is not None:
        text = text.replace('targets = "targets_2257.toml"', f'targets = "{targets}"', 1)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
