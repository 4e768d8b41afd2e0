"""The map of the codebase (docs/ARCHITECTURE.md), kept true.

Every import in the project's source, at module level or inside a function, is read
from the syntax tree (nothing is imported), resolved to the project module it names,
and checked against the rooms' order: no module imports one that imports it back
(directly or through others), no room imports a room above it, and no algorithm
module imports its plots or its command line. The package list in pyproject.toml
names every package folder, and in a fresh interpreter only ``stmarket`` is
importable from outside the source tree.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The folders of the package ``stmarket`` (the repository's root is its __init__).
PACKAGE_FOLDERS = ("model", "agents", "scenarios", "experiments")

#: The reports' string tables: a room of their own below the assessment.
STRINGS = ("stmarket.experiments.reports.i18n", "stmarket.experiments.reports.words")
#: Rooms from the bottom up, each with the rooms it may import (besides itself and the
#: package root ``stmarket``, which holds only the version). A module belongs to the
#: room with the longest matching prefix. Keep in step with docs/ARCHITECTURE.md.
ROOMS: dict[str, tuple[str, ...]] = {
    "stmarket.model": (),
    "stmarket.agents": ("stmarket.model",),
    "stmarket.model.market": ("stmarket.model", "stmarket.agents"),
    "stmarket.scenarios": (),
    "stmarket.experiments": (),
    "stmarket.experiments.outputs": ("stmarket.model",),
    # the string tables and number formats in English and Vietnamese: no project imports,
    # so the assessment's summary speaks both languages with the reports' words
    "stmarket.experiments.reports.i18n": (),
    "stmarket.experiments.reports.words": ("stmarket.experiments.reports.i18n",),
    "stmarket.experiments.assessment": ("stmarket.model", "stmarket.experiments.outputs",
                                        *STRINGS),
    "stmarket.experiments.reports": ("stmarket.model", "stmarket.experiments.outputs",
                                     *STRINGS, "stmarket.experiments.assessment"),
    "stmarket.experiments.sweeps": ("stmarket.model", "stmarket.experiments.outputs",
                                    "stmarket.experiments.assessment"),
    "stmarket.experiments.analysis": ("stmarket.model", "stmarket.experiments.outputs",
                                      "stmarket.experiments.assessment"),
    **{f"stmarket.experiments.{a}": ("stmarket.model", "stmarket.experiments.outputs",
                                     "stmarket.experiments.assessment",
                                     "stmarket.experiments.analysis")
       for a in ("sensitivity", "discovery", "optimisation", "calibration")},
    "stmarket.experiments.dashboard": ("stmarket.model", "stmarket.experiments.outputs",
                                       *STRINGS, "stmarket.experiments.assessment",
                                       "stmarket.experiments.reports"),
    "stmarket.experiments.cli": ("stmarket.model", "stmarket.experiments.outputs", *STRINGS,
                                 "stmarket.experiments.assessment",
                                 "stmarket.experiments.reports",
                                 "stmarket.experiments.sweeps",
                                 "stmarket.experiments.analysis",
                                 "stmarket.experiments.sensitivity",
                                 "stmarket.experiments.discovery",
                                 "stmarket.experiments.optimisation",
                                 "stmarket.experiments.calibration",
                                 "stmarket.experiments.dashboard"),
    "stmarket.__main__": ("stmarket.experiments.cli",),
}
#: Rooms whose modules present results: they may import their room's plots.
PRESENTERS = ("stmarket.experiments.reports", "stmarket.experiments.dashboard",
              "stmarket.experiments.cli")
#: In the other rooms, the modules that turn results into figures and files.
WRITERS = ("plots", "write")


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["stmarket", *parts])


def source_files() -> dict[str, Path]:
    files = {"stmarket": ROOT / "__init__.py", "stmarket.__main__": ROOT / "__main__.py"}
    for folder in PACKAGE_FOLDERS:
        for p in sorted((ROOT / folder).rglob("*.py")):
            files[module_name(p)] = p
    return files


def imports_of(name: str, path: Path, modules: set[str]) -> set[str]:
    """Project modules that module ``name`` imports anywhere in its source."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()

    def add(target: str) -> None:
        while target and target not in modules:  # a name inside a module: the module
            target = target.rpartition(".")[0]
        if target:
            out.add(target)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in ("stmarket", *PACKAGE_FOLDERS):
                    add(a.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_pkg else 0)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] not in ("stmarket", *PACKAGE_FOLDERS):
                continue
            for a in node.names:
                full = f"{mod}.{a.name}"
                add(full if full in modules else mod)
    out.discard(name)
    return out


def room_of(name: str) -> str:
    best = ""
    for room in ROOMS:
        if (name == room or name.startswith(room + ".")) and len(room) > len(best):
            best = room
    return best


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    files = source_files()
    modules = set(files)
    return {name: imports_of(name, path, modules) for name, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_checker_sees_imports_of_every_form(tmp_path):
    """The reader resolves absolute, relative, function-level and module imports."""
    modules = {"stmarket.experiments.reports", "stmarket.experiments.reports.report",
               "stmarket.experiments.reports.i18n", "stmarket.experiments.assessment.assess",
               "stmarket.model.kernels", "stmarket.model"}
    src = tmp_path / "__init__.py"
    src.write_text("from . import i18n\n"
                   "def f():\n    from stmarket.experiments.assessment.assess import x\n"
                   "import stmarket.model.kernels as K\nfrom stmarket.model import kernels\n")
    got = imports_of("stmarket.experiments.reports", src, modules)
    assert got == {"stmarket.experiments.reports.i18n", "stmarket.experiments.assessment.assess",
                   "stmarket.model.kernels"}


def test_the_cycle_finder_finds_a_circle():
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(g) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles(graph):
    found = cycles(graph)
    assert not found, "import circles: " + "; ".join(" <-> ".join(c) for c in found)


def test_every_module_is_in_a_room(graph):
    assert [m for m in graph if not room_of(m) and m != "stmarket"] == []


def test_no_room_imports_one_above_it(graph):
    bad = []
    for mod, targets in graph.items():
        r = room_of(mod)
        for t in targets:
            rt = room_of(t)
            if t == "stmarket" or rt == r or rt in ROOMS.get(r, ()):
                continue
            bad.append(f"{mod} -> {t}")
    assert not bad, "imports across rooms that the map does not allow:\n" + "\n".join(bad)


def test_rooms_form_a_ladder():
    """The allowed imports are themselves acyclic: each room lists only rooms before it."""
    order = list(ROOMS)
    for i, (room, allowed) in enumerate(ROOMS.items()):
        assert all(order.index(a) < i for a in allowed), room


def test_algorithms_import_neither_their_plots_nor_a_command_line(graph):
    bad = []
    for mod, targets in graph.items():
        room = room_of(mod)
        leaf = mod.rsplit(".", 1)[-1]
        if room in PRESENTERS or leaf in WRITERS or room == "stmarket.__main__":
            continue
        for t in targets:
            if t.rsplit(".", 1)[-1] in WRITERS and room_of(t) not in PRESENTERS:
                bad.append(f"{mod} -> {t}")
            if room_of(t) == "stmarket.experiments.cli":
                bad.append(f"{mod} -> {t}")
    assert not bad, "\n".join(bad)


def test_modules_stay_near_600_lines():
    """Split by responsibility where a module grows: none above 650 lines."""
    long = {m: n for m, p in source_files().items()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 650}
    assert not long, long


def test_pyproject_lists_every_package_folder():
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(conf["tool"]["setuptools"]["packages"])
    found = {"stmarket"} | {module_name(p) for f in PACKAGE_FOLDERS
                            for p in (ROOT / f).rglob("__init__.py")}
    assert listed == found
    assert conf["tool"]["setuptools"]["package-dir"] == {"stmarket": "."}


@pytest.mark.parametrize("cwd", ["outside", "root"])
def test_only_stmarket_is_importable(tmp_path, cwd):
    """Installed, the project provides ``stmarket`` and nothing else at the top level,
    from any folder; in the source tree the bare folder names refuse to import."""
    code = ("import importlib, stmarket, stmarket.model, stmarket.experiments.cli.main\n"
            "bad = []\n"
            "for n in ('model', 'agents', 'scenarios', 'experiments'):\n"
            "    try:\n        importlib.import_module(n)\n        bad.append(n)\n"
            "    except ImportError:\n        pass\n"
            "print(','.join(bad))\n")
    where = tmp_path if cwd == "outside" else ROOT
    r = subprocess.run([sys.executable, "-c", code], cwd=where, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""
