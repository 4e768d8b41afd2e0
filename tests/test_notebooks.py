"""The tutorials in ``notebooks/`` run from top to bottom, and are committed clean.

Each notebook is executed in a fresh Jupyter kernel started with this interpreter
(``sys.executable``), in a temporary working directory, so the committed file is never
touched and the kernel imports the same installed package as the tests. The committed
files must hold no outputs and no execution counts, and no model logic: the notebooks
call the package, they define no functions or classes of their own.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
#: Seconds a single cell may take: the first cell that runs a kernel may compile the numba
#: core (about a minute on a fresh checkout); every notebook then takes well under a minute.
CELL_TIMEOUT = 600
KERNEL = "stmarket-test"
ALLOWED_METADATA = {"kernelspec", "language_info"}


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


@pytest.fixture(scope="module")
def kernel_dirs(tmp_path_factory) -> list[str]:
    """A kernel spec that starts ``sys.executable``, whatever kernels the machine has."""
    root = tmp_path_factory.mktemp("kernels")
    spec = root / KERNEL
    spec.mkdir()
    argv = [sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher",
            "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps(
        {"argv": argv, "display_name": "stmarket tests", "language": "python"}))
    return [str(root)]


def test_the_tutorials_are_there_and_listed():
    names = [p.name for p in NOTEBOOKS]
    assert names == ["01_model_tour.ipynb", "02_scenarios_monte_carlo.ipynb",
                     "03_analysis.ipynb"]
    readme = (NOTEBOOK_DIR / "README.md").read_text(encoding="utf-8")
    for name in names:
        assert name in readme, f"notebooks/README.md does not describe {name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    nbformat.validate(nbformat.reads(path.read_text(encoding="utf-8"), as_version=4))
    assert set(nb["metadata"]) <= ALLOWED_METADATA, sorted(nb["metadata"])
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for k, cell in enumerate(nb["cells"]):
        assert not cell.get("attachments"), f"cell {k} has attachments"
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"cell {k} has outputs"
            assert cell["execution_count"] is None, f"cell {k} has an execution count"
            assert not cell["metadata"], f"cell {k} has metadata {cell['metadata']}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_no_model_logic(path):
    """Code cells call the package; a function or class defined in a notebook would be
    logic that no test of the package covers."""
    nb = nbformat.read(path, as_version=4)
    for k, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines()
                           if not line.lstrip().startswith("%"))
        for node in ast.walk(ast.parse(source)):
            assert not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)), \
                f"cell {k} defines {node.name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs(path, kernel_dirs, tmp_path):
    nb = nbformat.read(path, as_version=4)
    # a last cell, in this in-memory copy only, reports which interpreter ran the kernel
    nb.cells.append(nbformat.v4.new_code_cell("import sys\nprint(sys.executable)"))
    km = KernelManager(kernel_name=KERNEL,
                       kernel_spec_manager=KernelSpecManager(kernel_dirs=kernel_dirs))
    client = NotebookClient(nb, km=km, timeout=CELL_TIMEOUT,
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    for k, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            errors = [o for o in cell.outputs if o.output_type == "error"]
            assert not errors, f"cell {k}: {errors[0].ename}: {errors[0].evalue}"
        if cell.cell_type == "code" and cell.source.splitlines()[-1:] == ["fig"]:
            assert any("image/png" in o.get("data", {}) for o in cell.outputs), \
                f"cell {k} shows no figure"
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs).strip()
    assert Path(printed) == Path(sys.executable)
    assert list(tmp_path.iterdir()) == [], "the notebook wrote files to its working directory"
