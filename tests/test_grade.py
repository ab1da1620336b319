"""scripts/grade.py: batch grading with the instructor's checks, on a folder of broken submissions.

The submissions are built here from the student edition of notebook 03 (about 10 s per run):
correct answers (the instructor's solution cells pasted into the exercise cells), untouched stubs,
not JSON, JSON that is not a notebook, a notebook number the course does not have, a syntax error,
deleted check cells, checks "answered" by editing the check cell (and by patching the checker or
printing a fake ✓ from the exercise cell), a student who writes into the instructor's folder and
into another student's folder, an infinite loop (short timeout) and a kernel crash.
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import grade  # noqa: E402
import make_student  # noqa: E402

NOTEBOOK = "03_padding_stride_arithmetic.ipynb"
LABELS = ["3.1", "3.2", "3.3"]
SHORT = 40  # seconds: the short batch's timeout (notebook 03 reaches exercise 3.1 in about 5 s)


def instructor_notebook() -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "notebooks" / NOTEBOOK, as_version=4)


def solutions() -> dict[str, str]:
    """{exercise cell id: the instructor's solution source} for notebook 03."""
    cells = instructor_notebook().cells
    out = {}
    for i, cell in enumerate(cells):
        if "exercise" in grade.tags(cell):
            solution = next(c for c in cells[i + 1:] if "solution" in grade.tags(c))
            out[cell.id] = solution.source
    return out


def edition() -> nbformat.NotebookNode:
    return make_student.student_edition(instructor_notebook())


def exercise_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if "exercise" in grade.tags(c)]


def check_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    cells = nb.cells
    return [next(c for c in cells[i + 1:] if c.cell_type == "code")
            for i, c in enumerate(cells) if "exercise" in grade.tags(c)]


def answered(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` with every exercise cell holding the instructor's solution."""
    sols = solutions()
    for cell in exercise_cells(nb):
        cell.source = sols[cell.id]
    return nb


def save(folder: Path, student: str, nb_or_bytes, name: str = NOTEBOOK) -> Path:
    path = folder / student / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(nb_or_bytes, bytes):
        path.write_bytes(nb_or_bytes)
    else:
        nbformat.write(nb_or_bytes, path)
    return path


def build_main_batch(folder: Path, instructor: Path) -> None:
    """Submissions that run to the end (timeout 300 s)."""
    save(folder, "correct", answered(edition()))
    save(folder, "stub", edition())
    save(folder, "not_json", b"{ this is not JSON")
    save(folder, "not_notebook", json.dumps({"name": "my homework"}).encode())
    save(folder, "wrong_number", edition(), name="99_not_in_the_course.ipynb")

    nb = answered(edition())
    exercise_cells(nb)[0].source = "def output_size(n, f, p, s)\n    return 0"
    save(folder, "syntax_error", nb)

    nb = answered(edition())
    checks = {c.id for c in check_cells(nb)}
    nb.cells = [c for c in nb.cells if c.id not in checks]
    save(folder, "deleted_checks", nb)

    nb = edition()  # stubs left as they are; the checks "answered" instead
    first, second, third = check_cells(nb)
    first.source = 'print("✓ Exercise 3.1: correct")'
    ex2, ex3 = exercise_cells(nb)[1:]
    ex2.source += '\nex.check_layer_answer = lambda a: ex.report("3.2", True)'
    ex3.source += '\nprint("✓ Exercise 3.3: correct")'
    save(folder, "faked_checks", nb)

    victim = folder / "zoe" / NOTEBOOK
    nb = answered(edition())
    first = exercise_cells(nb)[0]
    first.source = vandal(instructor, victim) + first.source
    save(folder, "mallory", nb)
    save(folder, "zoe", edition())  # graded after mallory: must stay all ✗


def vandal(instructor: Path, victim: Path) -> str:
    """Source that overwrites an instructor notebook, adds a file next to it and replaces another
    student's submission by a correct one (each write tried separately)."""
    correct = nbformat.writes(answered(edition()))
    return (
        "from pathlib import Path as _P\n"
        f"for _path, _text in [({str(instructor / NOTEBOOK)!r}, '{{}}'),\n"
        f"                     ({str(instructor / 'pwned.txt')!r}, 'pwned'),\n"
        f"                     ({str(victim)!r}, {correct!r})]:\n"
        "    try:\n"
        "        _P(_path).write_text(_text)\n"
        "    except OSError as _exc:\n"
        "        print('write refused:', _exc)\n"
    )


def build_short_batch(folder: Path, instructor: Path) -> None:
    """Submissions for a short timeout, graded without the sandbox."""
    nb = edition()
    exercise_cells(nb)[0].source = "while True:\n    pass"
    save(folder, "infinite_loop", nb)

    nb = edition()
    exercise_cells(nb)[0].source = "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"
    save(folder, "kernel_crash", nb)

    nb = edition()
    exercise_cells(nb)[0].source = vandal(instructor, folder / "zz_victim" / NOTEBOOK) + \
        exercise_cells(nb)[0].source
    save(folder, "mallory", nb)
    save(folder, "zz_victim", b"not JSON either")  # would be a correct notebook if writes stuck


def read_rows(out: Path) -> dict[tuple[str, str], dict[str, str]]:
    with open(out / "grades.csv", encoding="utf-8") as f:
        return {(r["student"], r["exercise"]): r for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def instructor_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("instructor")
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, folder / NOTEBOOK)
    return folder


@pytest.fixture(scope="module")
def main_batch(tmp_path_factory, instructor_dir):
    subs, out = tmp_path_factory.mktemp("submissions"), tmp_path_factory.mktemp("grades")
    build_main_batch(subs, instructor_dir)
    before = {p: p.read_bytes() for p in [*instructor_dir.rglob("*"), *subs.rglob("*")]
              if p.is_file()}
    assert grade.main([str(subs), "--out", str(out), "--instructor", str(instructor_dir)]) == 0
    after = {p: p.read_bytes() for p in [*instructor_dir.rglob("*"), *subs.rglob("*")]
             if p.is_file()}
    return read_rows(out), before, after, out


@pytest.fixture(scope="module")
def short_batch(tmp_path_factory, instructor_dir):
    subs, out = tmp_path_factory.mktemp("short"), tmp_path_factory.mktemp("short_grades")
    build_short_batch(subs, instructor_dir)
    before = {p: p.read_bytes() for p in [*instructor_dir.rglob("*"), *subs.rglob("*")]
              if p.is_file()}
    assert grade.main([str(subs), "--out", str(out), "--instructor", str(instructor_dir),
                       "--timeout", str(SHORT), "--no-sandbox"]) == 0
    after = {p: p.read_bytes() for p in [*instructor_dir.rglob("*"), *subs.rglob("*")]
             if p.is_file()}
    return read_rows(out), before, after


# --- fast: the parts that need no kernel ----------------------------------------------------------
def test_exercises_come_from_the_instructor_notebook():
    found = grade.find_exercises(instructor_notebook(), 3)
    assert [e.label for e in found] == LABELS
    nb = instructor_notebook()
    ids = {c.id: c for c in nb.cells}
    assert all("exercise" in grade.tags(ids[e.exercise_id]) for e in found)
    assert all(ids[e.check_id].source.lstrip().startswith("ex.check_") for e in found)


@pytest.mark.parametrize("source", sorted(ROOT.glob("notebooks/[0-9][0-9]*_*.ipynb")),
                         ids=lambda p: p.name[:2])
def test_every_course_notebook_has_gradable_exercises(source):
    nb = nbformat.read(source, as_version=4)
    number = int(source.name[:2])
    found = grade.find_exercises(nb, number)
    labels = [e.label for e in found]
    assert len(set(labels)) == len(labels) >= 2
    assert all(e.label.startswith(f"{number}.") for e in found if e.label_known)
    checks = {c.id: c for c in nb.cells}
    assert all("check" in checks[e.check_id].source for e in found)
    assert "exercises" in grade.checker_imports(nb)
    student = make_student.student_edition(nbformat.read(source, as_version=4))
    plan = grade.assemble(nb, student, number)  # the untouched student edition as a submission
    assert len(plan.notebook.cells) == len(student.cells) + len(found)  # + one grader cell each
    assert [c.source for c in plan.notebook.cells if "grader" not in grade.tags(c)] == [
        c.source for c in student.cells]
    assert plan.notes == {e.label: [] for e in found}


def test_assemble_keeps_only_exercise_cells_of_the_student():
    nb = edition()
    for cell in nb.cells:
        if "exercise" not in grade.tags(cell):
            cell.source = "raise SystemExit('student text')"
    exercise_cells(nb)[0].source = "def output_size(n, f, p, s):\n    return 1"
    plan = grade.assemble(instructor_notebook(), nb, 3)
    sources = [c.source for c in plan.notebook.cells]
    assert "def output_size(n, f, p, s):\n    return 1" in sources
    assert not any("student text" in s for s in sources)
    assert plan.notes == {"3.1": [grade.EDITED], "3.2": [grade.EDITED], "3.3": [grade.EDITED]}
    graders = [c for c in plan.notebook.cells if "grader" in grade.tags(c)]
    assert len(graders) == 3 and "exercises as ex" in graders[0].source
    assert not any("solution" in grade.tags(c) for c in plan.notebook.cells)


def test_load_submission_says_why_a_file_is_not_a_notebook():
    assert grade.load_submission(b"\xff\xfe").startswith("not JSON")
    assert grade.load_submission(b"[1, 2]").startswith("not a notebook")
    nb = grade.load_submission(nbformat.writes(edition()).encode())
    assert isinstance(nb, nbformat.NotebookNode)


def test_grader_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="timeout must be a positive"):
        grade.Grader(ROOT / "notebooks", tmp_path, tmp_path / "out", timeout=0)
    with pytest.raises(ValueError, match="SUBMISSIONS must be a folder"):
        grade.Grader(ROOT / "notebooks", tmp_path / "missing", tmp_path / "out")
    with pytest.raises(ValueError, match="no instructor notebooks"):
        grade.Grader(tmp_path, tmp_path, tmp_path / "out")


def test_restore_undoes_created_changed_and_deleted_files(tmp_path):
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("b")
    saved = grade.snapshot([tmp_path])
    (tmp_path / "a.txt").write_text("changed")
    (tmp_path / "sub" / "b.txt").unlink()
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "c.txt").write_text("c")
    changes = grade.restore([tmp_path], saved)
    assert (tmp_path / "a.txt").read_text() == "a"
    assert (tmp_path / "sub" / "b.txt").read_text() == "b"
    assert not (tmp_path / "new").exists()
    assert any(c.startswith("changed") for c in changes)
    assert any(c.startswith("deleted") for c in changes)
    assert any(c.startswith("created") for c in changes)


# --- slow: the batch runs -------------------------------------------------------------------------
@pytest.mark.slow
def test_correct_answers_pass_and_stubs_fail(main_batch):
    rows = main_batch[0]
    for label in LABELS:
        assert rows["correct", label]["result"] == "✓", rows["correct", label]
        assert rows["correct", label]["note"] == ""
        assert rows["stub", label]["result"] == "✗"
    assert "not implemented yet" in rows["stub", "3.1"]["hint"]
    assert "no answer yet" in rows["stub", "3.2"]["hint"]


@pytest.mark.slow
def test_files_that_are_not_notebooks_are_recorded_for_every_exercise(main_batch):
    rows = main_batch[0]
    for label in LABELS:
        assert rows["not_json", label]["result"] == "✗"
        assert rows["not_json", label]["hint"].startswith("not JSON")
        assert rows["not_notebook", label]["hint"].startswith("not a notebook")
    assert rows["wrong_number", "-"]["hint"].startswith("not a course notebook")


@pytest.mark.slow
def test_a_syntax_error_fails_its_exercise_only(main_batch):
    rows = main_batch[0]
    assert rows["syntax_error", "3.1"]["result"] == "✗"
    assert "your exercise cell raised SyntaxError" in rows["syntax_error", "3.1"]["hint"]
    assert rows["syntax_error", "3.2"]["result"] == rows["syntax_error", "3.3"]["result"] == "✓"


@pytest.mark.slow
def test_deleted_checks_are_run_from_the_instructor_notebook(main_batch):
    rows = main_batch[0]
    for label in LABELS:
        assert rows["deleted_checks", label]["result"] == "✓"
        assert rows["deleted_checks", label]["note"] == grade.DELETED


@pytest.mark.slow
def test_edited_checks_patched_checkers_and_fake_lines_do_not_pass(main_batch):
    rows = main_batch[0]
    for label in LABELS:
        assert rows["faked_checks", label]["result"] == "✗", rows["faked_checks", label]
    assert rows["faked_checks", "3.1"]["note"] == grade.EDITED
    assert rows["faked_checks", "3.2"]["note"] == rows["faked_checks", "3.3"]["note"] == ""


@pytest.mark.slow
def test_writes_outside_the_working_copy_change_nothing(main_batch):
    rows, before, after, _ = main_batch
    assert after == before  # instructor notebook, other submissions: byte for byte
    for label in LABELS:
        assert rows["zoe", label]["result"] == "✗"  # mallory's "correct" copy did not count
        assert rows["mallory", label]["result"] == "✓"  # her own answers still graded


@pytest.mark.slow
def test_html_summary_has_a_table_per_student(main_batch):
    rows, _, _, out = main_batch
    page = (out / "grades.html").read_text(encoding="utf-8")
    students = {student for student, _ in rows}
    assert page.count("<table>") == len(students)
    assert "correct: 3 of 3 exercises passed" in page
    assert "http" not in page and "<script" not in page


@pytest.mark.slow
def test_infinite_loop_and_kernel_crash_are_recorded_and_the_batch_goes_on(short_batch):
    rows, before, after = short_batch
    for label in LABELS:
        assert rows["infinite_loop", label]["result"] == "✗"
        assert rows["infinite_loop", label]["hint"] == (
            f"timeout: ran past the {SHORT} s limit in your cell of exercise 3.1")
        assert rows["kernel_crash", label]["result"] == "✗"
        assert rows["kernel_crash", label]["hint"].startswith("kernel died")
        assert rows["kernel_crash", label]["hint"].endswith("in your cell of exercise 3.1")
    assert after == before
    assert all("undone" in rows["mallory", label]["note"] for label in LABELS)
    assert "pwned.txt" in rows["mallory", "3.1"]["note"]
    assert all(rows["zz_victim", label]["hint"].startswith("not JSON") for label in LABELS)


def test_a_notebook_that_cannot_be_graded_does_not_stop_the_batch(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("answer = None", metadata={"tags": ["exercise"]})]
    (tmp_path / "instructor").mkdir()
    nbformat.write(nb, tmp_path / "instructor" / "05_no_check.ipynb")
    save(tmp_path / "subs", "ada", nb, name="05_no_check.ipynb")
    save(tmp_path / "subs", "bob", b"not JSON", name="05_no_check.ipynb")
    grader = grade.Grader(tmp_path / "instructor", tmp_path / "subs", tmp_path / "out")
    rows = grader.grade_all()
    assert [r["student"] for r in rows] == ["ada", "bob"]
    assert all(r["hint"].startswith("not graded: ValueError: exercise cell") for r in rows)
