"""Every notebook in notebooks/ runs from top to bottom and is stored without outputs.

The notebooks make their own quantitative checks with ``assert`` (principal angles, loss gaps, ranks), so
executing one is a test: a failed check raises ``CellExecutionError``. They run in a ``python3`` kernel
with ``notebooks/`` as the working directory, as a reader would run them.
"""

from pathlib import Path

import pytest

pytestmark = pytest.mark.extra

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
IDS = [path.name for path in NOTEBOOKS]

#: Seconds allowed for one cell (the notebooks take seconds in total; this only stops a hung kernel).
CELL_TIMEOUT = 300


def _read(path):
    nbformat = pytest.importorskip("nbformat")
    return nbformat.read(path, as_version=4)


def _check_derivations(nb):
    """derivations.ipynb: every derivation is reported verified and rendered as a Markdown section."""
    from spectral_ssl import symbolic

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    n = len(symbolic.NAMES)
    assert f"{n}/{n} derivations verified" in text
    rendered = [o for o in outputs if o.output_type == "display_data" and "text/markdown" in o.data]
    assert sum(o.data["text/markdown"].startswith("### ") for o in rendered) == n


#: Checks of the executed outputs beyond "no cell raised", by notebook name.
OUTPUT_CHECKS = {"derivations.ipynb": _check_derivations}


def test_every_notebook_is_found():
    names = {path.name for path in NOTEBOOKS}
    assert len(NOTEBOOKS) >= 5
    assert {"01_quickstart.ipynb", "02_vicreg_is_laplacian_eigenmaps.ipynb",
            "03_contrastive_is_global.ipynb", "04_what_the_relation_graph_does.ipynb",
            "derivations.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_stored_without_outputs(path):
    nb = _read(path)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert len(code) >= 1
    assert [i for i, cell in enumerate(code) if cell.outputs != []] == []
    assert [i for i, cell in enumerate(code) if cell.execution_count is not None] == []
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_makes_a_quantitative_check(path):
    nb = _read(path)
    lines = [line.strip() for cell in nb.cells if cell.cell_type == "code" for line in cell.source.splitlines()]
    assert sum(line.startswith("assert ") for line in lines) >= 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_runs(path):
    nb = _read(path)
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    client.execute()  # raises CellExecutionError on the first failing cell (a failed assert included)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    check = OUTPUT_CHECKS.get(path.name)
    if check is not None:
        check(nb)
