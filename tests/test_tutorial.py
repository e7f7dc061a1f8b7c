"""docs/tutorial.ipynb runs from top to bottom on the current code (issue 27: researchers learn
simcomm from an executed notebook, as Mesa's and Starsim's users do)."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "tutorial.ipynb"


@pytest.mark.once  # 15 s (a Jupyter kernel); what it calls runs under 3.12 in test_api and test_experiments
def test_the_tutorial_notebook_runs_and_shows_what_it_says(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "stored without outputs"
    # The kernel is this interpreter's (ipykernel); the notebook writes only in a temporary folder.
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}},
                   ).execute()
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                     if o.get("output_type") == "stream")
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                 for o in c.outputs)
    assert images == 3, images  # the three plots drawn from the returned tables
    assert "paired by seed" in text and "12 runs; versions:" in text, text
    spread = next(line for line in text.splitlines() if line.startswith("spread of the difference"))
    paired, unpaired = (float(w) for w in spread.replace(",", "").split() if w.isdigit())
    assert paired < unpaired, spread  # what section 2 says common random numbers buy
    assert not list(Path(NOTEBOOK.parent).glob("tutorial-turnover*"))
