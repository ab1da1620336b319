"""course_utils.tools.run_notebooks (make run) prints its progress lines and table, nothing
else, unless a notebook fails: then the notebook, the cell and its traceback."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from course_utils.tools import run_notebooks


def notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "cnn-course", "display_name": "cnn", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_a_passing_run_prints_progress_and_table_only(tmp_path, capfd):
    noise = "import os\nos.write(2, b'C++ start-up noise\\n')\nos.write(1, b'raw stdout\\n')"
    noisy = notebook(tmp_path / "01_noisy.ipynb", noise,
                     "print('cell output stays in the notebook')")
    assert run_notebooks.main([str(noisy), "--html-dir", str(tmp_path / "html")]) == 0
    out, err = capfd.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[0].startswith("profile: ")
    assert lines[1].startswith("  01_noisy.ipynb: ok in ")
    assert lines[2] == "" and lines[3].startswith("notebook") and lines[4].startswith("01_noisy")
    assert len(lines) == 5, out


@pytest.mark.slow
def test_a_failing_run_prints_notebook_cell_and_traceback(tmp_path, capfd):
    bad = notebook(tmp_path / "02_bad.ipynb", "x = 1", "def f():\n    return 1 / 0\nf()")
    assert run_notebooks.main([str(bad), "--html-dir", str(tmp_path / "html")]) == 1
    out, err = capfd.readouterr()
    assert "FAILED: 02_bad.ipynb" in err
    assert "cell 1:" in err and "def f():" in err
    assert "ZeroDivisionError" in err and "----> 3 f()" in err
    assert "\x1b[" not in err  # no ANSI colours in the terminal report
    assert "WARNING" not in out + err
