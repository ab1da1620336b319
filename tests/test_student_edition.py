"""The student edition (cnn-course student) as students get it, built into a temporary folder.

Fast: no outputs, no execution counts, no saved widget state, no solution cells, every exercise
cell kept. Slow: every student notebook runs end to end in the quick profile with nbclient (nothing
raises) and every check cell prints a ✗ line for its exercise, never a ✓, on the untouched stubs.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent

from course_utils.grading import assembly as grade  # noqa: E402
from course_utils.tools import student as make_student  # noqa: E402

NOTEBOOKS = sorted(ROOT.glob("notebooks/[0-9][0-9]*_*.ipynb"))


@pytest.fixture(scope="module")
def instructor_copy(tmp_path_factory) -> Path:
    """The instructor notebooks as they are now (the edition and the expectations agree even if
    notebooks/ changes during the run)."""
    folder = tmp_path_factory.mktemp("instructor")
    for source in NOTEBOOKS:
        (folder / source.name).write_bytes(source.read_bytes())
    return folder


@pytest.fixture(scope="module")
def edition_dir(tmp_path_factory, instructor_copy) -> Path:
    out = tmp_path_factory.mktemp("student")
    sources = [str(instructor_copy / p.name) for p in NOTEBOOKS]
    assert make_student.main(["--out", str(out), *sources]) == 0
    return out


def test_edition_has_every_notebook(edition_dir):
    assert sorted(p.name for p in edition_dir.glob("*.ipynb")) == [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_edition_carries_no_outputs_widgets_or_solutions(edition_dir, instructor_copy, source):
    nb = nbformat.read(edition_dir / source.name, as_version=4)
    instructor = nbformat.read(instructor_copy / source.name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] for c in code)
    assert all(c.execution_count is None for c in code)
    assert "widgets" not in nb.metadata
    assert not any("solution" in grade.tags(c) for c in nb.cells)
    exercises = [c.id for c in instructor.cells if "exercise" in grade.tags(c)]
    assert exercises and [c.id for c in nb.cells if "exercise" in grade.tags(c)] == exercises
    size = (edition_dir / source.name).stat().st_size
    assert size < 200_000, f"{source.name}: {size} bytes (saved state left behind?)"


@pytest.mark.slow
@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_student_notebook_runs_and_every_check_says_not_yet(edition_dir, instructor_copy, source):
    from nbclient import NotebookClient

    path = edition_dir / source.name
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=900, kernel_name="cnn-course",
                            resources={"metadata": {"path": str(edition_dir)}})
    client.execute()  # raises CellExecutionError (notebook, cell, traceback) if any cell fails
    instructor = nbformat.read(instructor_copy / source.name, as_version=4)
    exercises = grade.find_exercises(instructor, int(source.name[:2]))
    by_id = {c.id: c for c in nb.cells}
    for ex in exercises:
        lines = grade.verdicts(by_id[ex.check_id])
        assert lines, f"{source.name}: the check of exercise {ex.label} printed no ✓/✗ line"
        assert all(mark == "✗" for mark, _, _ in lines), (source.name, ex.label, lines)
        if ex.label_known:  # else the instructor's check has no stored output to name it
            assert ex.label in {label for _, label, _ in lines}, (source.name, ex.label, lines)
