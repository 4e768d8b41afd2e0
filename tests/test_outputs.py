"""Output folders never lose work (issue 13): each command's own manifest-listed files;
another command's folder refused; a rerun refused without --force, replaced with it; files
the command does not write left alone."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from stmarket.experiments.cli.main import main
from stmarket.experiments.outputs import folder as output
from stmarket.model.errors import InputError
from stmarket.model.profile import scenarios_dir

PROFILE = scenarios_dir() / "profiles" / "bac_kan.toml"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Bắc Kạn with every group's count divided by 25: a fast province."""
    text = re.sub(r"^count = (\d+)$", lambda m: f"count = {max(1, int(m.group(1)) // 25)}",
                  PROFILE.read_text(encoding="utf-8"), flags=re.M)
    path = tmp_path_factory.mktemp("tiny") / "tiny.toml"
    path.write_text(text.replace('id = "bac_kan"', 'id = "bac_kan_tiny"', 1), encoding="utf-8")
    return path


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _run(tiny, out, *extra):
    return ["run", "--profile", tiny, "--runs", "12", "--no-parquet", "--no-progress",
            "--out", out, *extra]


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _listed_exactly(out: Path, foreign: tuple[str, ...] = ()) -> None:
    man = _manifest(out)
    for name, info in man["files"].items():
        assert output.sha256(out / name) == info["sha256"], name
    on_disk = sorted(p.name for p in out.iterdir() if p.is_file())
    assert on_disk == sorted([*man["files"], "manifest.json", *foreign])


def test_each_command_writes_its_own_listed_files(tiny, tmp_path, capsys):
    code, out, err = run(_run(tiny, tmp_path / "run"), capsys)
    assert code == 0, err
    assert _manifest(tmp_path / "run")["stmarket_command"] == "run"
    _listed_exactly(tmp_path / "run")
    code, out, err = run(["single", "no_programme", "plan_2257", "--profile", tiny,
                          "--out", tmp_path / "single"], capsys)
    assert code == 0, err
    man = _manifest(tmp_path / "single")
    assert man["stmarket_command"] == "single"
    assert {"single_run.png", "single_indicators.csv", "single_targets.csv"} == set(man["files"])
    _listed_exactly(tmp_path / "single")
    ind = pd.read_csv(tmp_path / "single" / "single_indicators.csv")
    assert set(ind["scenario"]) == {"no_programme", "plan_2257"} and "year" in ind


def test_another_commands_folder_is_refused_even_with_force(tiny, tmp_path, capsys):
    out = tmp_path / "shared"
    assert run(_run(tiny, out), capsys)[0] == 0
    before = {p.name: output.sha256(p) for p in out.iterdir()}
    for argv in (["single", "--profile", tiny, "--out", out],
                 ["single", "--profile", tiny, "--out", out, "--force"],
                 ["compare", "no_programme", "plan_2257", "--profile", tiny, "--runs", "12",
                  "--no-progress", "--out", out, "--force"],
                 ["sweep", "tg4_by_tg1", "--out", out]):
        code, stdout, err = run(argv, capsys)
        assert code == 2, (argv, err)
        assert len(err.strip().splitlines()) == 1, err
        assert "holds the results of 'stmarket run'" in err and "choose another folder" in err
    assert {p.name: output.sha256(p) for p in out.iterdir()} == before  # nothing touched


def test_rerun_refused_without_force_and_replaced_with_it(tiny, tmp_path, capsys):
    out = tmp_path / "out"
    assert run(_run(tiny, out), capsys)[0] == 0
    first = _manifest(out)
    before = {p.name: output.sha256(p) for p in out.iterdir()}
    code, stdout, err = run(_run(tiny, out), capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "earlier 'stmarket run'" in err and "--force" in err
    assert {p.name: output.sha256(p) for p in out.iterdir()} == before
    # with --force: replaced, and no file of the earlier run stays beside the new manifest
    code, stdout, err = run(["run", "plan_2257", "--profile", tiny, "--runs", "12",
                             "--no-parquet", "--no-progress", "--out", out, "--force"], capsys)
    assert code == 0, err
    second = _manifest(out)
    assert "comparisons.csv" in first["files"] and "comparisons.csv" not in second["files"]
    _listed_exactly(out)


def test_foreign_files_are_left_alone_and_never_replaced_silently(tiny, tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("the advisor's notes", encoding="utf-8")
    (out / "sub").mkdir()
    (out / "sub" / "keep.csv").write_text("a\n1\n", encoding="utf-8")
    code, stdout, err = run(_run(tiny, out), capsys)
    assert code == 0, err
    assert (out / "notes.txt").read_text(encoding="utf-8") == "the advisor's notes"
    assert (out / "sub" / "keep.csv").exists()
    assert "notes.txt" not in _manifest(out)["files"]
    _listed_exactly(out, foreign=("notes.txt",))
    # a file with the name of an output that no manifest lists: refused without --force
    other = tmp_path / "other"
    other.mkdir()
    (other / "report.html").write_text("<p>someone else's report</p>", encoding="utf-8")
    code, stdout, err = run(_run(tiny, other), capsys)
    assert code == 2 and "report.html" in err and "--force" in err
    assert len(err.strip().splitlines()) == 1
    assert (other / "report.html").read_text(encoding="utf-8") == "<p>someone else's report</p>"
    assert run(_run(tiny, other, "--force"), capsys)[0] == 0
    assert "report.html" in _manifest(other)["files"]


def test_the_claim_rules_directly(tmp_path):
    out = tmp_path / "f"
    assert output.claim(out, "sensitivity") == out and out.is_dir()  # new: fine
    output.write_folder(out, {"t": pd.DataFrame({"a": [1]})}, {}, {}, command="sensitivity")
    assert output.folder_owner(out)[0] == "sensitivity"
    with pytest.raises(InputError, match="earlier 'stmarket sensitivity'"):
        output.claim(out, "sensitivity")
    assert output.claim(out, "sensitivity", force=True) == out
    with pytest.raises(InputError, match="'stmarket sensitivity'"):
        output.claim(out, "discover", force=True)
    with pytest.raises(InputError, match="earlier"):  # the writer checks too
        output.write_folder(out, {"t": pd.DataFrame({"a": [2]})}, {}, {},
                            command="sensitivity")
    # a manifest older than stmarket_command: the command word of its command line
    old = tmp_path / "old"
    old.mkdir()
    (old / "manifest.json").write_text(json.dumps({"command": ["/x/stmarket", "run"]}))
    assert output.folder_owner(old)[0] == "run"
    (old / "manifest.json").write_text("not json")
    with pytest.raises(InputError, match="another program's manifest.json"):
        output.claim(old, "run", force=True)
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "sweep.json").write_text("{}")
    with pytest.raises(InputError, match="a sweep"):
        output.claim(sweep, "run", force=True)


def test_yearly_probability_of_the_intermediary_matches_the_target_table(tiny):
    """The fan chart's intermediary line: in the target's year it is the target's
    probability, and its interval is the target table's."""
    from stmarket.experiments.assessment.assess import assess
    from stmarket.experiments.assessment.yearly import YEARLY_COLUMNS, yearly_probability

    a = assess(["no_programme", "plan_2257"], profile=tiny, runs=40, seed=2)
    yp = yearly_probability(a.result)
    assert tuple(yp.columns) == YEARLY_COLUMNS
    assert set(yp["target"]) == {tg.id for tg in a.target_set.targets if tg.kind == "level"}
    table = a.targets().set_index(["scenario", "target"])
    for tg in a.target_set.targets:
        if tg.kind != "level":
            continue
        for sc in ("no_programme", "plan_2257"):
            row = yp[(yp.scenario == sc) & (yp.target == tg.id) & (yp.year == tg.year)]
            assert len(row) == 1
            ref = table.loc[(sc, tg.id)]
            for col in ("probability", "ci_low", "ci_high"):
                assert row[col].iloc[0] == pytest.approx(ref[col]), (sc, tg.id, col)
    years = yp[yp.target == "intermediary_2030"].groupby("scenario")["year"].apply(list)
    assert all(v == list(a.profile.years) for v in years)
