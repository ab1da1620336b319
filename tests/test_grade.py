"""course_utils.grading: the parts of ``cnn-course grade`` that need no sandboxed run.

The hostile class (real runs of notebook 03 in bubblewrap) is in ``test_grade_attacks.py``.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import numpy as np
import pytest
from grading_helpers import (
    LABELS,
    NOTEBOOK,
    ROOT,
    answered,
    edition,
    exercise_cells,
    instructor_notebook,
    save,
    tree_digest,
)

from course_utils.grading import (
    assembly,
    cli,
    emit,
    judging,
    pool,
    records,
    reports,
    running,
    sandbox,
    staging,
)
from course_utils.grading.task import Graded, Settings, Task

COURSE_NOTEBOOKS = sorted(ROOT.glob("notebooks/[0-9][0-9]*_*.ipynb"))


# --- records -------------------------------------------------------------------------------------
def test_rows_are_bounded_and_results_checked():
    r = records.row("a" * 500, "n.ipynb", "3.1", records.FAIL, "h" * 10_000, "line\nbreak")
    assert len(r["student"]) == records.MAX_NAME and r["student"].endswith("…")
    assert len(r["hint"]) == records.MAX_HINT and r["note"] == "line break"
    with pytest.raises(ValueError, match="result must be"):
        records.row("a", "n", "3.1", "passed")
    assert records.join_notes("", "x", "", "y") == "x; y"
    assert records.shorten("short") == "short"
    assert records.printable("ada\x1b[2J\x07") == "ada?[2J?"


# --- staging -------------------------------------------------------------------------------------
def test_read_regular_refuses_links_fifos_and_large_files(tmp_path):
    (tmp_path / "ok.ipynb").write_bytes(b"{}")
    (tmp_path / "link.ipynb").symlink_to(tmp_path / "ok.ipynb")
    os.mkfifo(tmp_path / "fifo.ipynb")
    (tmp_path / "big.ipynb").write_bytes(b"x" * 100)
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        assert staging.read_regular("ok.ipynb", fd) == b"{}"
        with pytest.raises(staging.Rejected, match="symbolic link"):
            staging.read_regular("link.ipynb", fd)
        with pytest.raises(staging.Rejected, match="not a regular file"):
            staging.read_regular("fifo.ipynb", fd)
        with pytest.raises(staging.Rejected, match="larger than"):
            staging.read_regular("big.ipynb", fd, limit=10)
        with pytest.raises(FileNotFoundError):
            staging.read_regular("missing.ipynb", fd)
    finally:
        os.close(fd)


def test_scan_records_links_fifos_and_duplicates_and_changes_nothing(tmp_path):
    subs = tmp_path / "subs"
    save(subs, "ada", b"{}", "03_a.ipynb")
    old = save(subs, "ada", b"[]", "03_b.ipynb")
    os.utime(old, (1e9, 1e9))
    save(subs, "ada", b"notes", "readme.txt")
    (subs / "eve").symlink_to(subs / "ada")
    (subs / "bob").mkdir()
    (subs / "bob" / "04_x.ipynb").symlink_to("/etc/passwd")
    (subs / "stray.ipynb").write_text("{}")
    before = tree_digest(subs)
    found = staging.scan(subs)
    assert tree_digest(subs) == before
    assert [(s.student, s.name) for s in found] == [("ada", "03_a.ipynb"), ("bob", "04_x.ipynb"),
                                                    ("eve", "")]
    ada, bob, eve = found
    assert ada.data == b"{}" and ada.number == "03"
    assert ada.note == "duplicate notebook 03: graded '03_a.ipynb' (the newest), ignored " \
                       "'03_b.ipynb'"
    assert bob.rejected == "a symbolic link (not followed)" and bob.data == b""
    assert eve.rejected.startswith("the student folder is a symbolic link")


def test_scan_copies_into_a_fresh_private_folder_and_keeps_no_outputs(tmp_path):
    nb = answered(edition())
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="x" * 100_000)]
    full = save(tmp_path / "subs", "=1+1", nb).read_bytes()
    save(tmp_path / "subs", "bob", b"not JSON", "03_x.ipynb")
    found = staging.scan(tmp_path / "subs", tmp_path / "staging")
    copies = sorted((tmp_path / "staging").glob("*/*"))
    assert [p.read_bytes() for p in copies] == [full, b"not JSON"]
    assert (tmp_path / "staging").stat().st_mode & 0o777 == 0o700
    assert len(found[0].data) < len(full) - 100_000 and found[1].data == b"not JSON"
    graded = assembly.load_submission(found[0].data)
    assert [c.source for c in graded.cells] == [c.source for c in nb.cells]
    with pytest.raises(FileExistsError):
        staging.scan(tmp_path / "subs", tmp_path / "staging")


# --- assembly ------------------------------------------------------------------------------------
def test_check_call_reads_the_checkers_name_and_arguments():
    assert assembly.check_call("ex.check_output_size(output_size);") == (
        "check_output_size", ["output_size"])
    assert assembly.check_call("x = 1\nex.check_new_feature(f, x[:5], y)") == (
        "check_new_feature", ["f", "x[:5]", "y"])
    with pytest.raises(ValueError, match="expected a call ex.check_"):
        assembly.check_call("print('no check here')")


def test_exercises_come_from_the_instructor_notebook():
    found = assembly.find_exercises(instructor_notebook(), 3)
    assert [e.label for e in found][:3] == LABELS
    assert [e.check for e in found][:3] == ["check_output_size", "check_layer_answer",
                                            "check_conv_ops"]
    assert found[0].args == ["output_size"]


def test_verdicts_reads_the_stored_check_lines():
    cell = nbformat.v4.new_code_cell("ex.check_x(x)")
    cell.outputs = [nbformat.v4.new_output("stream", text="✗ Exercise 3.1: no\n✓ Exercise 3.1: ok"),
                    nbformat.v4.new_output("error", ename="E", evalue="v", traceback=[])]
    assert assembly.verdicts(cell) == [("✗", "3.1", "no"), ("✓", "3.1", "ok")]
    assert assembly.verdicts(nbformat.v4.new_code_cell("x")) == []


@pytest.mark.parametrize("source", COURSE_NOTEBOOKS, ids=lambda p: p.name[:2])
def test_every_course_notebook_assembles(source):
    nb = nbformat.read(source, as_version=4)
    number = int(source.name[:2])
    found = assembly.find_exercises(nb, number)
    assert len({e.label for e in found}) == len(found) >= 2
    student = edition(nbformat.read(source, as_version=4))
    plan = assembly.assemble(nb, student, number, lambda ex: f"# grader {ex.label}")
    assert len(plan.notebook.cells) == len(student.cells)  # each check cell replaced
    graders = [c.source for c in plan.notebook.cells if "grader" in assembly.tags(c)]
    assert graders == [f"# grader {e.label}" for e in found]
    assert plan.notes == {e.label: [] for e in found}
    assert not any("solution" in assembly.tags(c) for c in plan.notebook.cells)


def test_assemble_takes_only_the_students_exercise_cells_and_notes_edits():
    nb = edition()
    for cell in nb.cells:
        if "exercise" not in assembly.tags(cell):
            cell.source = "raise SystemExit('student text')"
    exercise_cells(nb)[0].source = "def output_size(n, f, p, s):\n    return 1"
    extra = nbformat.v4.new_code_cell("helper = 2")
    nb.cells.insert(nb.cells.index(exercise_cells(nb)[0]) + 1, extra)
    checks = [c.id for c in assembly.assemble(instructor_notebook(), edition(), 3, str).notebook
              .cells if "grader" in assembly.tags(c)]
    nb.cells = [c for c in nb.cells if c.id != checks[1]]
    plan = assembly.assemble(instructor_notebook(), nb, 3, lambda ex: "GRADER")
    sources = [c.source for c in plan.notebook.cells]
    assert "def output_size(n, f, p, s):\n    return 1" in sources and "helper = 2" in sources
    assert not any("student text" in s for s in sources)
    assert {label: plan.notes[label] for label in LABELS} == {
        "3.1": [assembly.EDITED], "3.2": [assembly.DELETED], "3.3": [assembly.EDITED]}
    assert sources.count("GRADER") == len(plan.exercises)


def test_load_submission_says_why_a_file_is_not_a_notebook():
    assert assembly.load_submission(b"\xff\xfe").startswith("not JSON")
    assert assembly.load_submission(b"[" * 100_000).startswith("not JSON")
    assert assembly.load_submission(b"[1, 2]").startswith("not a notebook")
    assert assembly.load_submission(b'{"cells": [{"source": 1}]}').startswith("not a notebook")
    nb = assembly.load_submission(nbformat.writes(edition()).encode())
    assert isinstance(nb, nbformat.NotebookNode)


# --- the grader cell and the judge ---------------------------------------------------------------
def run_grader_cell(source: str, namespace: dict, out: Path, monkeypatch) -> dict:
    monkeypatch.setenv(emit.OUT_VARIABLE, str(out))
    exec(source, namespace)  # noqa: S102 - the grader cell, as the kernel would run it
    return json.loads((out / emit.answers_name(1)).read_text())


def test_grader_cell_writes_the_probes_outcomes_and_the_judge_decides(tmp_path, monkeypatch):
    exercises = assembly.find_exercises(instructor_notebook(), 3)
    drawn = judging.draw(exercises, np.random.default_rng(0))
    again = judging.draw(exercises, np.random.default_rng(1))
    assert len(drawn["3.1"].cases) == 80 and drawn["3.1"].cases != again["3.1"].cases
    source = judging.grader_cell(exercises[0], drawn)
    right = run_grader_cell(source, {"output_size": lambda n, f, p, s: (n + 2 * p - f) // s + 1},
                            tmp_path, monkeypatch)
    assert judging.verdict(drawn["3.1"], right) == (True, "80 cases")
    wrong = run_grader_cell(source, {"output_size": lambda n, f, p, s: 1}, tmp_path, monkeypatch)
    assert judging.verdict(drawn["3.1"], wrong)[0] is False
    missing = run_grader_cell(source, {}, tmp_path, monkeypatch)
    assert "name 'output_size' is not defined" in judging.verdict(drawn["3.1"], missing)[1]


def test_only_checks_whose_cases_the_grader_draws_itself_are_gradable():
    class NeedsImages:
        context = ("images",)

    assert not judging.gradable(None) and not judging.gradable(NeedsImages())
    NeedsImages.grading_context = staticmethod(lambda rng: (np.zeros(3),))
    assert judging.gradable(NeedsImages())
    assert judging.gradable(judging.spec_of("check_output_size"))
    assert judging.spec_of("check_no_such_thing") is None


def test_checks_on_notebook_values_are_drawn_on_the_context_the_grader_rebuilds(
        tmp_path, monkeypatch):
    setup = nbformat.read(ROOT / "notebooks" / "00_setup.ipynb", as_version=4)
    exercises = assembly.find_exercises(setup, 0)
    drawn = judging.draw(exercises, np.random.default_rng(0))
    layout = drawn["0.1"]
    assert layout.spec.name == "check_keras_layout" and layout.note == ""
    (images,) = layout.context
    assert images.shape == (4000, 28, 28) and layout.cases[0][0] is images
    source = judging.grader_cell(exercises[0], drawn)
    assert len(source) < 1000  # a value probe reads no case: the images stay out of the cell
    right = run_grader_cell(source, {"x": (images / np.float32(255))[..., None]}, tmp_path,
                            monkeypatch)
    assert judging.verdict(layout, right) == (True, "")
    wrong = run_grader_cell(source, {"x": images[..., None] / np.float32(1)}, tmp_path,
                            monkeypatch)
    assert judging.verdict(layout, wrong)[0] is False


def test_the_grader_sends_its_own_text_whole():
    from course_utils.exercises import probes, wire

    config = {"keras_config": "{" + "x" * 10_000 + "}"}  # a model's JSON config, say
    assert len(probes.to_data(config)["__dict__"][0][1]) <= wire.MAX_TEXT + 2
    sent = json.loads(json.dumps(probes.to_data([[config]], whole_text=True)))
    assert probes.from_data(sent) == [[config]]


def test_a_context_the_grader_cannot_build_leaves_the_exercise_ungraded_saying_why(monkeypatch):
    from course_utils.exercises import framework

    setup = nbformat.read(ROOT / "notebooks" / "00_setup.ipynb", as_version=4)
    exercises = assembly.find_exercises(setup, 0)
    real = judging.spec_of("check_keras_layout")

    def broken(rng):
        raise FileNotFoundError("data/mnist_5k.npz")

    fakes = {"check_keras_layout": framework.contextual(
                 "x", "0.1", "value", ("images",), real.bind, grading_context=broken),
             "check_class_counts": framework.contextual(
                 "y", "0.2", "value", ("labels",), real.bind, grading_note="graded without X")}
    monkeypatch.setattr(judging, "spec_of", fakes.get)
    drawn = judging.draw(exercises)
    assert drawn["0.1"].spec is None and drawn["0.1"].why == (
        "the grader could not rebuild this check's context (FileNotFoundError: "
        "data/mnist_5k.npz)")
    assert drawn["0.2"].spec is None and drawn["0.2"].why == judging.NO_CONTEXT.format(
        names="labels")
    assert "cannot be graded in the sandbox: the grader could not" in judging.grader_cell(
        exercises[0], drawn)
    odd = {"0.1": judging.Drawn(None, [], 1, why="a\rprint(1)\nb")}  # stays one comment line
    assert len(judging.grader_cell(exercises[0], odd).splitlines()) == 1
    plan = assembly.assemble(setup, edition(setup), 0, lambda ex: judging.grader_cell(ex, drawn))
    rows = judging.rows_for("ada", "00.ipynb", plan, drawn, {"status": "ok"}, {})
    assert [(r["result"], r["hint"]) for r in rows] == [
        ("✗", drawn["0.1"].why), ("✗", drawn["0.2"].why)]


def test_the_note_of_a_grading_context_is_on_every_graded_row():
    setup = nbformat.read(ROOT / "notebooks" / "00_setup.ipynb", as_version=4)
    exercises = assembly.find_exercises(setup, 0)
    drawn = judging.draw(exercises, np.random.default_rng(0))
    drawn["0.2"].note = "graded without context labels because …"
    plan = assembly.assemble(setup, edition(setup), 0, lambda ex: judging.grader_cell(ex, drawn))
    rows = judging.rows_for("ada", "00.ipynb", plan, drawn, {"status": "ok"}, {}, note="n")
    assert [r["note"] for r in rows] == ["n", "n; graded without context labels because …"]


@pytest.mark.parametrize("forged", [{"result": "✓"}, {"outcomes": "✓"}, ["✓"],
                                    {"outcomes": [{"__object__": "x"}] * 80},
                                    {"outcomes": [{"value": {"__ndarray__": "!!"}}]}])
def test_forged_answer_files_fail(forged):
    exercises = assembly.find_exercises(instructor_notebook(), 3)
    drawn = judging.draw(exercises)
    assert judging.verdict(drawn["3.1"], forged)[0] is False


def test_rows_say_why_an_exercise_has_no_answer():
    exercises = assembly.find_exercises(instructor_notebook(), 3)
    drawn = judging.draw(exercises)
    plan = assembly.assemble(instructor_notebook(), edition(), 3,
                             lambda ex: judging.grader_cell(ex, drawn))
    stub_at = next(i for i, c in enumerate(plan.notebook.cells) if "exercise" in assembly.tags(c))
    status = {"status": "timeout", "cell": stub_at, "detail": "ran past the 5 s limit",
              "errors": {str(stub_at): ["ValueError", "bad (x.py, line 3)"]}}
    rows = judging.rows_for("ada", NOTEBOOK, plan, drawn, status, {}, note="n")
    assert [r["exercise"] for r in rows][:3] == LABELS and {r["result"] for r in rows} == {"✗"}
    assert rows[0]["hint"] == ("your exercise cell raised ValueError: bad (line 3); timeout: ran "
                               "past the 5 s limit in your cell of exercise 3.1")
    assert rows[1]["note"] == "n"
    grader_at = next(i for i, c in enumerate(plan.notebook.cells) if "grader" in assembly.tags(c))
    assert judging.where_stopped(plan, grader_at) == \
        " in the check of exercise 3.1 (running your answer)"
    assert judging.where_stopped(plan, 0).startswith(" in the instructor's cell '# 03 · Padding")
    assert judging.where_stopped(plan, None) == ""


# --- running: what comes back from the sandbox ---------------------------------------------------
def test_collect_reads_only_bounded_regular_json(tmp_path):
    (tmp_path / "run.json").write_text(json.dumps({"status": "ok"}))
    (tmp_path / "answers-1.json").symlink_to("/etc/passwd")
    os.mkfifo(tmp_path / "answers-2.json")
    (tmp_path / "answers-3.json").write_text("[" + "1, " * (running.MAX_ANSWERS // 3) + "1]")
    (tmp_path / "answers-4.json").write_text('{"outcomes": []}')
    result = running.collect(tmp_path, 5)
    assert result.status == {"status": "ok"}
    assert result.answers == {4: {"outcomes": []}}


# --- reports -------------------------------------------------------------------------------------
def test_csv_fields_are_defused():
    assert [reports.defuse(t) for t in ("=1+1", "+1", "-1", "@x", "\tx", "\rx", "ok", "")] == [
        "'=1+1", "'+1", "'-1", "'@x", "'\tx", "'\rx", "ok", ""]
    text = reports.csv_text([records.row("=HYPERLINK(1)", "n", "3.1", records.PASS)])
    assert text.splitlines()[1].startswith("'=HYPERLINK(1)")


def test_reports_replace_a_planted_link_and_refuse_a_linked_folder(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    (out / "grades.csv").symlink_to(victim)
    rows = [records.row("<b>ada</b>", "n", "3.1", records.PASS, "80 cases")]
    csv_path, html_path = reports.write_reports(rows, out)
    assert victim.read_text() == "precious" and not csv_path.is_symlink()
    assert "&lt;b&gt;ada&lt;/b&gt;: 1 of 1 exercises passed" in html_path.read_text()
    assert "<script" not in html_path.read_text() and "http" not in html_path.read_text()
    (tmp_path / "linked").symlink_to(out)
    with pytest.raises(ValueError, match="must be a folder"):
        reports.write_reports(rows, tmp_path / "linked")


# --- sandbox -------------------------------------------------------------------------------------
def test_the_student_package_has_no_reference_and_no_notebook(tmp_path):
    copy = sandbox.student_package(tmp_path)
    names = {p.relative_to(copy).as_posix() for p in copy.rglob("*")}
    assert "exercises/probes.py" in names and "grading/emit.py" in names
    assert {f"exercises/{n}" for n in sandbox.student_side(sandbox.package_dir() / "exercises")
            } <= names
    assert not {"exercises/framework.py", "exercises/nb03.py", "exercises/legacy.py"} & names
    assert not any("__pycache__" in n or n.startswith("_notebooks/") for n in names)
    assert "probes" in (copy / "exercises" / "__init__.py").read_text()


def test_the_shared_student_package_is_built_once():
    with ThreadPoolExecutor(4) as executor:
        built = set(executor.map(lambda _: sandbox.shared_student_package(), range(8)))
    assert len(built) == 1 and (built.pop() / "exercises" / "probes.py").is_file()


def test_student_side_follows_the_probes_imports_and_refuses_the_checks(tmp_path):
    (tmp_path / "probes.py").write_text("from .wire import x\nfrom . import helpers\n")
    (tmp_path / "wire.py").write_text("import json\nfrom course_utils.exercises.codec import y\n")
    (tmp_path / "helpers.py").write_text("")
    (tmp_path / "codec.py").write_text("from ..validation import is_int\n")
    (tmp_path / "nb03.py").write_text("from .framework import Spec\n")
    assert sandbox.student_side(tmp_path) == {"probes.py", "wire.py", "helpers.py", "codec.py"}
    (tmp_path / "helpers.py").write_text("from .nb03 import REFERENCE\n")
    with pytest.raises(ValueError, match=r"must not import the checks.*nb03.py"):
        sandbox.student_side(tmp_path)


def test_bwrap_command_isolates_the_run(tmp_path):
    out = tmp_path / "out"
    (tmp_path / "_data").mkdir()  # as in sandbox.student_package
    args = sandbox.bwrap_args(tmp_path / "in", out, tmp_path, sandbox.Limits(),
                              ("run.json", "answers-1.json"))
    for flag in ("--unshare-all", "--die-with-parent", "--disable-userns", "--clearenv",
                 "--new-session"):
        assert flag in args
    assert args[args.index("--cap-drop") + 1] == "ALL"
    writable = [args[i + 1:i + 3] for i, a in enumerate(args) if a == "--bind"]
    assert writable == [[str(out / "run.json"), f"{sandbox.OUT}/run.json"],
                        [str(out / "answers-1.json"), f"{sandbox.OUT}/answers-1.json"]]
    assert [str(out), sandbox.OUT] in [args[i + 1:i + 3] for i, a in enumerate(args)
                                       if a == "--ro-bind"]
    assert str(ROOT / "notebooks") not in args and args[-1] == "--"
    # the bundled data where the package's loaders look first (course_utils/_data), also in a
    # clone whose data/ lies beside the package: data.load_mnist works inside
    assert [str(sandbox.data_dir()), str(sandbox.package_dir() / "_data")] in [
        args[i + 1:i + 3] for i, a in enumerate(args) if a == "--ro-bind"]
    # the package here lies under /tmp (pytest's tmp_path): the private /tmp must be mounted
    # before it, or the tmpfs would hide it (a clone under /tmp graded nothing)
    assert args.index("--tmpfs") < args.index(str(tmp_path))
    limits = sandbox.prlimit_prefix(sandbox.Limits(memory=2**30))
    assert "--as=1073741824" in limits and "--core=0" in limits
    assert isinstance(sandbox.unavailable(), str)


# --- pool ----------------------------------------------------------------------------------------
def fake_grade(task: Task) -> Graded:
    return Graded([records.row(task.student, task.name, "3.1", records.PASS)], 0.0)


def tasks(n: int) -> list[Task]:
    return [Task(f"s{i}", NOTEBOOK, b"{}", 3, "{}", Settings()) for i in range(n)]


def test_pool_keeps_the_order_of_the_tasks():
    seen = []
    with ThreadPoolExecutor(3) as executor:
        graded = pool.grade_all(tasks(7), executor, lambda t, g: seen.append(t.student),
                                function=fake_grade)
    assert [g.rows[0]["student"] for g in graded] == [f"s{i}" for i in range(7)]
    assert sorted(seen) == sorted(f"s{i}" for i in range(7))
    assert pool.throughput(6, 90.0) == pytest.approx(4.0)
    with pytest.raises(ValueError, match="seconds must be positive"):
        pool.throughput(1, 0)


def test_dask_local_cluster_runs_the_same_function():
    pytest.importorskip("dask.distributed")
    with pool.executor(2, "local") as executor:
        graded = pool.grade_all(tasks(4), executor, function=fake_grade)
    assert [g.rows[0]["student"] for g in graded] == ["s0", "s1", "s2", "s3"]
    with pytest.raises(ValueError, match="jobs must be at least 1"), pool.executor(0):
        pass


# --- the command line ----------------------------------------------------------------------------
@pytest.mark.parametrize("argv, message", [
    (["/no/such/folder"], "expected an existing folder"),
    (["{tmp}", "--timeout", "soon"], "expected a number"),
    (["{tmp}", "--jobs", "0"], "expected a number ≥ 1"),
    ([], "the following arguments are required"),
])
def test_bad_arguments_give_one_line_and_status_2(argv, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main([a.format(tmp=tmp_path) for a in argv])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_without_bubblewrap_the_grader_refuses_unless_unsafe(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sandbox, "unavailable", lambda: "bwrap not found")
    assert cli.main([str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "cannot sandbox the notebooks: bwrap not found" in err and "--unsafe" in err
    assert not (tmp_path / "out").exists()
    assert "no sandbox" in cli.isolation(unsafe=True) and "reference answers" in \
        cli.isolation(unsafe=True)


def test_files_that_cannot_run_are_rows_without_a_run(tmp_path):
    subs = tmp_path / "subs"
    save(subs, "ada", b"{}", "99_x.ipynb")
    (subs / "eve").symlink_to(subs / "ada")
    save(subs, "bob", answered(edition()))
    found = staging.scan(subs)
    todo, rows = cli.plan_tasks(found, {"03": instructor_notebook()}, Settings())
    assert [(t.student, t.number) for t in todo] == [("bob", 3)]
    assert [(r["student"], r["hint"], r["note"]) for r in rows] == [
        ("ada", cli.NOT_COURSE, ""),
        ("eve", "not graded", "rejected: the student folder is a symbolic link (not followed)")]
    with pytest.raises(ValueError, match="expected instructor notebooks"):
        cli.instructor_notebooks(tmp_path)


@pytest.mark.parametrize("name, number", [
    ("03_padding_stride_arithmetic.ipynb", "03"), ("03_padding (1).ipynb", "03"),
    ("05b_training_recipe.ipynb", "05b"), ("05_cifar10_cnn_callbacks.ipynb", "05"),
    ("05bis.ipynb", ""), ("notes.ipynb", ""), ("123_x.ipynb", ""),
])
def test_a_continuation_is_a_notebook_of_its_own(name, number):
    assert staging.Submission("ada", name).number == number


def test_instructor_notebooks_keep_05_and_05b_apart():
    from course_utils.grading.cli import instructor_notebooks
    from course_utils.tools import notebooks_dir

    found = instructor_notebooks(notebooks_dir())
    assert {"05", "05b"} <= set(found)
    assert found["05"].cells[0].source != found["05b"].cells[0].source
