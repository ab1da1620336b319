"""Grade a class's notebooks with the instructor's own checks: a CSV and an HTML summary.

    python scripts/grade.py SUBMISSIONS [--out build/grades] [--timeout 300]
    make grade SUBMISSIONS=dir

Layout: ``SUBMISSIONS/<student>/<NN_topic>.ipynb`` (one folder per student; a notebook is matched to
the instructor's ``notebooks/NN_*.ipynb`` by its two-digit prefix, so ``03_padding (1).ipynb`` is
graded as notebook 03). Output: ``<out>/grades.csv`` with one row per student, notebook and
exercise (``student, notebook, exercise, result, hint, note``; result ``✓`` or ``✗``) and
``<out>/grades.html`` (a table per student, plain HTML).

Integrity. Only the student's *exercise* cells (tagged ``exercise`` in the instructor's notebook,
matched by cell id, else by their order among the exercise-tagged cells) and code cells the student
inserted right after one of them are taken from the submission; every other cell - setup, prose,
figures and above all the check cells - is the instructor's (the student edition of
``notebooks/NN_*.ipynb``). A deleted or edited check cell is therefore graded with the instructor's
check and the ``note`` column says so. Before each check a grader cell re-imports
``course_utils.exercises`` fresh (a checker patched by student code is replaced) and the verdict is
the *last* ``✓/✗ Exercise <label>:`` line the check cell prints (a fake line printed by student code
before the check reports does not count).

Isolation. Each notebook runs in a fresh ``cnn-course`` kernel (``COURSE_PROFILE=quick``,
``COURSE_OFFLINE=1``) in its own temporary folder (working directory, ``HOME``, ``KERAS_HOME``,
``MPLCONFIGDIR``, ``TMPDIR``), as a worker process with a file-size limit and a per-notebook time
limit. Where Linux user namespaces work (``unshare``), the worker sees the repository (course
code, data, the virtual environment), the submissions folder, the output folder and ``$HOME``
read-only. In every case the instructor's notebooks and all submissions are read into memory
before the first run, and after each run any file created, changed or deleted in the instructor's
notebook folder or the submissions folder is put back and recorded in ``note``.

Broken submissions are graded ``✗`` with the reason on every exercise of the notebook and the batch
goes on: not JSON, JSON that is not a notebook, a notebook that ran past ``--timeout`` (exercises
whose checks had already run keep their verdict), a kernel that died. An exception or a syntax error
in an exercise cell shows in that exercise's hint (the check then reports ✗ on its own).
"""

from __future__ import annotations

import argparse
import ast
import csv
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
KERNEL = "cnn-course"
CHECKER = "course_utils.exercises"
FIELDS = ["student", "notebook", "exercise", "result", "hint", "note"]
VERDICT = re.compile(r"^\s*([✓✗]) Exercise (\S+?):\s?(.*)$")
FILE_SIZE_LIMIT = 512 * 2**20  # bytes: one file a student's code may write
SANDBOX_FAILED = 97  # exit status of the sandbox when a read-only mount is refused
STARTUP_MARGIN = 120  # seconds on top of --timeout for the worker (kernel start, imports)
EDITED = "check cell edited — instructor's check used"
DELETED = "check cell deleted — instructor's check used"
PASS, FAIL = "✓", "✗"


@dataclass
class Exercise:
    """One exercise of an instructor notebook: its stub cell, its check cell, its label."""

    label: str  # "3.1", as the check prints it ("3#2" if the instructor's check has no output)
    exercise_id: str  # id of the ``exercise``-tagged stub cell
    check_id: str  # id of the check cell that follows it
    ordinal: int  # position among the notebook's exercise cells (0-based)
    label_known: bool = True  # False: the label is taken from the graded run's check output


@dataclass
class Plan:
    """The notebook to run and what each exercise's rows must say besides the check's verdict."""

    notebook: nbformat.NotebookNode
    exercises: list[Exercise]
    notes: dict[str, list[str]] = field(default_factory=dict)  # label -> notes


# --- reading notebooks --------------------------------------------------------------------------
def tags(cell: nbformat.NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def verdicts(cell: nbformat.NotebookNode) -> list[tuple[str, str, str]]:
    """Every ``(✓|✗, label, detail)`` line a cell's outputs printed, in order."""
    found = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            text = out.get("text", "")
        elif out.get("output_type") in ("execute_result", "display_data"):
            text = out.get("data", {}).get("text/plain", "")
        else:
            continue
        text = "".join(text) if isinstance(text, list) else text
        for line in text.splitlines():
            match = VERDICT.match(line)
            if match:
                found.append(match.groups())
    return found


def find_exercises(instructor: nbformat.NotebookNode, number: int) -> list[Exercise]:
    """The exercises of an instructor notebook, in order.

    An exercise is an ``exercise``-tagged code cell; its check is the next code cell that is tagged
    ``check``, or else the next code cell tagged neither ``solution`` nor ``exercise``. Its label
    comes from the instructor's stored check output (``✓ Exercise 3.1: correct``), else it is
    ``<number>#<k>`` (k-th exercise cell) until a graded run prints the real one.
    """
    cells = instructor.cells
    exercises = []
    for i, cell in enumerate(cells):
        if cell.cell_type != "code" or "exercise" not in tags(cell):
            continue
        following = [c for c in cells[i + 1:] if c.cell_type == "code"]
        check = next((c for c in following if "check" in tags(c)), None)
        if check is None:
            check = next((c for c in following
                          if not {"solution", "exercise"} & set(tags(c))), None)
        if check is None:
            raise ValueError(f"exercise cell {cell.get('id')} has no check cell after it")
        stored = verdicts(check)
        label = stored[-1][1] if stored else f"{number}#{len(exercises) + 1}"
        exercises.append(Exercise(label, cell.get("id", ""), check.get("id", ""), len(exercises),
                                  label_known=bool(stored)))
    return exercises


def load_submission(data: bytes) -> nbformat.NotebookNode | str:
    """The notebook in ``data``, or the reason it cannot be graded."""
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"not JSON ({type(exc).__name__}: {exc})"
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        return "not a notebook (JSON without a list of cells)"
    try:
        nb = nbformat.reads(json.dumps(raw), as_version=4)
        for cell in nb.cells:
            cell.cell_type, cell.source  # noqa: B018 - every cell needs both
    except Exception as exc:  # noqa: BLE001 - any malformed notebook is a verdict
        return f"not a notebook ({type(exc).__name__}: {exc})"
    return nb


def student_edition(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The instructor notebook as ``scripts/make_student.py`` gives it to students."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        from make_student import student_edition as edition
    finally:
        sys.path.pop(0)
    return edition(nbformat.from_dict(json.loads(json.dumps(nb))))


def checker_imports(instructor: nbformat.NotebookNode) -> str:
    """The instructor's own import statements of the checker (``from course_utils import
    exercises as ex``), to re-run before every check."""
    lines = []
    for cell in instructor.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)) and "exercises" in ast.unparse(node):
                lines.append(ast.unparse(node))
    return "\n".join(dict.fromkeys(lines))


def grader_cell(imports: str) -> nbformat.NotebookNode:
    """A cell that replaces whatever student code did to the checker by a fresh import of it."""
    source = (
        f"import sys as _grader_sys\n_grader_sys.modules.pop({CHECKER!r}, None)\n"
        f"import {CHECKER}\n{imports}"
    )
    return nbformat.v4.new_code_cell(source, metadata={"tags": ["grader"]})


def assemble(instructor: nbformat.NotebookNode, submission: nbformat.NotebookNode,
             number: int) -> Plan:
    """The notebook to run: the student edition of ``instructor`` with the student's exercise cells.

    Cells are matched by id, an exercise cell also by its order among the exercise-tagged cells.
    Code cells the student inserted directly after an exercise cell (ids unknown to the instructor)
    run with it. A grader cell before each check re-imports the checker.
    """
    exercises = find_exercises(instructor, number)
    known = {c.get("id") for c in instructor.cells}
    by_id = {c.get("id"): i for i, c in enumerate(submission.cells) if c.get("id")}
    tagged = [i for i, c in enumerate(submission.cells) if "exercise" in tags(c)]
    imports = checker_imports(instructor)
    plan = Plan(student_edition(instructor), exercises)
    cells = []
    by_check = {e.check_id: e for e in exercises}
    by_stub = {e.exercise_id: e for e in exercises}
    for cell in plan.notebook.cells:
        cell_id = cell.get("id")
        if cell_id in by_stub:
            ex = by_stub[cell_id]
            notes = plan.notes.setdefault(ex.label, [])
            where = by_id.get(cell_id)
            if where is None and ex.ordinal < len(tagged):
                where = tagged[ex.ordinal]
            if where is None:
                notes.append("exercise cell missing — the stub was graded")
                cells.append(cell)
                continue
            mine = submission.cells[where]
            stub = nbformat.v4.new_code_cell(mine.source if mine.cell_type == "code" else "",
                                             metadata={"tags": ["exercise"]})
            stub.id = cell_id
            cells.append(stub)
            for extra in submission.cells[where + 1:]:
                if extra.get("id") in known or extra.cell_type != "code":
                    break
                cells.append(nbformat.v4.new_code_cell(extra.source,
                                                       metadata={"tags": ["student-added"]}))
            continue
        if cell_id in by_check:
            ex = by_check[cell_id]
            theirs = by_id.get(cell_id)
            if theirs is None:
                plan.notes.setdefault(ex.label, []).append(DELETED)
            elif submission.cells[theirs].source.strip() != cell.source.strip():
                plan.notes.setdefault(ex.label, []).append(EDITED)
            if imports:
                cells.append(grader_cell(imports))
        cells.append(cell)
    plan.notebook.cells = cells
    return plan


# --- the worker: runs one notebook in the current directory -------------------------------------
def worker(source: Path, target: Path, timeout: float) -> int:
    """Execute ``source`` cell by cell (errors allowed) within ``timeout`` seconds in total and
    write the executed notebook to ``target`` and ``{"status", "cell", "detail"}`` next to it."""
    import logging

    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    logging.getLogger("traitlets").setLevel(logging.ERROR)
    nb = nbformat.read(source, as_version=4)
    client = NotebookClient(nb, kernel_name=KERNEL, allow_errors=True, shutdown_kernel="immediate",
                            resources={"metadata": {"path": os.getcwd()}})
    status = {"status": "ok", "cell": None, "detail": ""}
    deadline = None
    current = None
    try:
        with client.setup_kernel():
            deadline = time.monotonic() + timeout
            client.timeout_func = lambda cell: max(1, int(deadline - time.monotonic()))
            for current, cell in enumerate(nb.cells):
                client.execute_cell(cell, current)
    except CellTimeoutError:
        status = {"status": "timeout", "cell": current,
                  "detail": f"ran past the {timeout:g} s limit"}
    except DeadKernelError as exc:
        status = {"status": "kernel died", "cell": current, "detail": str(exc)[:200]}
    except Exception as exc:  # noqa: BLE001 - any failure of the run is recorded, not raised
        status = {"status": "run failed", "cell": current,
                  "detail": f"{type(exc).__name__}: {str(exc)[:200]}"}
    nbformat.write(nb, target)
    Path(str(target) + ".status.json").write_text(json.dumps(status))
    return 0


# --- isolation ----------------------------------------------------------------------------------
def sandbox_available() -> bool:
    """Whether ``unshare`` can give a worker its own mount namespace (read-only folders)."""
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        return False
    with tempfile.TemporaryDirectory() as probe_dir:
        probe = sandbox_prefix([Path(probe_dir)]) + ["true"]
        try:
            return subprocess.run(probe, capture_output=True, timeout=20).returncode == 0
        except (OSError, subprocess.SubprocessError):
            return False


def sandbox_prefix(read_only: list[Path]) -> list[str]:
    """Command prefix: a new user, mount and PID namespace where ``read_only`` folders are
    bind-mounted read-only; killing it kills the kernel too."""
    script = ('while [ "$1" != -- ]; do mount --bind -o ro "$1" "$1" || exit '
              f'{SANDBOX_FAILED}; shift; done; shift; exec "$@"')
    return ["unshare", "--user", "--map-root-user", "--mount", "--pid", "--fork", "--kill-child",
            "sh", "-c", script, "sh", *[str(p) for p in read_only], "--"]


def limit_resources() -> None:
    """In the worker (and so its kernel): no core dumps, no file larger than FILE_SIZE_LIMIT."""
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))


def snapshot(folders: list[Path]) -> dict[Path, bytes]:
    """Every file under ``folders`` with its content."""
    files = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                files[path] = path.read_bytes()
    return files


def restore(folders: list[Path], saved: dict[Path, bytes]) -> list[str]:
    """Put ``folders`` back to ``saved``; returns what had been created, changed or deleted."""
    changes = []
    keep = {parent for path in saved for parent in path.parents}
    for folder in folders:
        for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if path in saved or path in keep:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            changes.append(f"created {path}")
    for path, data in saved.items():
        if path.is_symlink() or not path.is_file() or path.read_bytes() != data:
            changes.append(f"{'changed' if path.exists() else 'deleted'} {path}")
            if path.is_symlink() or path.is_dir():
                shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return sorted(set(changes))


# --- grading ------------------------------------------------------------------------------------
@dataclass
class Grader:
    """Grades submissions against the instructor notebooks in ``instructor_dir``."""

    instructor_dir: Path
    submissions: Path
    out: Path
    timeout: float = 300.0
    sandbox: bool = True
    instructor: dict[str, tuple[Path, nbformat.NotebookNode]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.timeout <= 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {self.timeout}")
        if not self.submissions.is_dir():
            raise ValueError(f"SUBMISSIONS must be a folder <student>/<NN_topic>.ipynb, "
                             f"got {self.submissions}")
        for path in sorted(self.instructor_dir.glob("[0-9][0-9]*_*.ipynb")):
            self.instructor[path.name[:2]] = (path, nbformat.read(path, as_version=4))
        if not self.instructor:
            raise ValueError(f"no instructor notebooks NN_*.ipynb in {self.instructor_dir}")
        self.sandbox = self.sandbox and sandbox_available()

    def rows_for(self, student: str, name: str, exercises: list[Exercise], result: str,
                 hint: str, note: str = "") -> list[dict[str, str]]:
        return [{"student": student, "notebook": name, "exercise": e.label, "result": result,
                 "hint": hint, "note": note} for e in exercises]

    def grade_one(self, student: str, name: str, data: bytes,
                  saved: dict[Path, bytes]) -> list[dict[str, str]]:
        """Rows for one submitted notebook (``data``: its bytes, read before any run)."""
        prefix = name[:2]
        if prefix not in self.instructor:
            return [{"student": student, "notebook": name, "exercise": "-", "result": FAIL,
                     "hint": "not a course notebook (no notebooks/NN_*.ipynb with this number)",
                     "note": ""}]
        path, instructor = self.instructor[prefix]
        exercises = find_exercises(instructor, int(prefix))
        graded_as = path.name
        submission = load_submission(data)
        if isinstance(submission, str):
            return self.rows_for(student, graded_as, exercises, FAIL, submission)
        plan = assemble(instructor, submission, int(prefix))
        run_dir = Path(tempfile.mkdtemp(prefix="grade-"))
        try:
            executed, status = self.run(plan.notebook, run_dir)
            changes = restore(self.protected(), saved)
        finally:
            shutil.rmtree(run_dir, ignore_errors=True)
        rows = self.read_verdicts(student, graded_as, plan, executed, status)
        if changes:
            shown = "; ".join(changes[:5]) + (" …" if len(changes) > 5 else "")
            for row in rows:
                row["note"] = "; ".join(filter(None, [
                    row["note"], f"wrote outside its working copy (undone): {shown}"]))
        return rows

    def protected(self) -> list[Path]:
        return [self.instructor_dir, self.submissions]

    def run(self, nb: nbformat.NotebookNode, run_dir: Path
            ) -> tuple[nbformat.NotebookNode | None, dict]:
        """Execute ``nb`` in a worker inside ``run_dir``; returns the executed notebook (None if
        the worker gave nothing back) and the worker's status."""
        work, home = run_dir / "work", run_dir / "home"
        for folder in (work, home, home / ".keras", home / "mpl", home / "tmp"):
            folder.mkdir(parents=True, exist_ok=True)
        source, target = work / "submission.ipynb", run_dir / "executed.ipynb"
        nbformat.write(nb, source)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("JUPYTER", "JPY_", "IPYTHON", "COURSE_", "KERAS_", "MPL"))}
        env.update(HOME=str(home), KERAS_HOME=str(home / ".keras"), MPLCONFIGDIR=str(home / "mpl"),
                   TMPDIR=str(home / "tmp"), COURSE_PROFILE="quick", COURSE_OFFLINE="1",
                   TF_CPP_MIN_LOG_LEVEL="3", PYTHONDONTWRITEBYTECODE="1",
                   JUPYTER_PLATFORM_DIRS="1")
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(source), str(target),
               "--timeout", str(self.timeout)]
        if self.sandbox:
            read_only = [ROOT, self.instructor_dir, self.submissions, self.out,
                         Path(os.path.expanduser("~"))]
            read_only = [p.resolve() for p in read_only if p.exists()]
            read_only = [p for p in dict.fromkeys(read_only)
                         if p != run_dir and p not in run_dir.parents]
            cmd = sandbox_prefix(read_only) + cmd
        with open(run_dir / "worker.log", "wb") as log:
            proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=log,
                                    stdin=subprocess.DEVNULL, preexec_fn=limit_resources,
                                    start_new_session=True)
            try:
                proc.wait(timeout=self.timeout + STARTUP_MARGIN)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        status_path = Path(str(target) + ".status.json")
        if self.sandbox and proc.returncode == SANDBOX_FAILED and not status_path.exists():
            print("  (read-only mounts refused: grading without the sandbox from now on)")
            self.sandbox = False
            return self.run(nb, run_dir)
        if not status_path.exists():
            tail = (run_dir / "worker.log").read_text(errors="replace").strip().splitlines()[-1:]
            return None, {"status": "worker failed", "cell": None,
                          "detail": f"exit {proc.returncode}" + (f": {tail[0][:200]}" if tail
                                                                 else "")}
        return nbformat.read(target, as_version=4), json.loads(status_path.read_text())

    def read_verdicts(self, student: str, name: str, plan: Plan,
                      executed: nbformat.NotebookNode | None, status: dict
                      ) -> list[dict[str, str]]:
        """One row per exercise from the executed notebook's check cells."""
        rows = []
        cells = executed.cells if executed is not None else []
        index = {c.get("id"): i for i, c in enumerate(cells)}
        stopped = {"timeout": "timeout", "kernel died": "kernel died"}.get(status["status"],
                                                                           status["status"])
        for ex in plan.exercises:
            note = "; ".join(plan.notes.get(ex.label, []))
            row = {"student": student, "notebook": name, "exercise": ex.label, "note": note}
            check_at = index.get(ex.check_id)
            ran = (check_at is not None and status["cell"] is None
                   and status["status"] == "ok") or (
                check_at is not None and status["cell"] is not None and check_at < status["cell"])
            if not ran:
                row.update(result=FAIL, hint=f"{stopped}: {status['detail']}".strip(": ")
                           + where_stopped(plan, status["cell"]))
                rows.append(row)
                continue
            check = cells[check_at]
            mine = [v for v in verdicts(check) if v[1] == ex.label] or verdicts(check)
            errors = [o for o in check.get("outputs", []) if o.get("output_type") == "error"]
            own = cells[index[ex.exercise_id]] if ex.exercise_id in index else None
            own_errors = [o for o in (own.get("outputs", []) if own else [])
                          if o.get("output_type") == "error"]
            if errors:
                result, hint = FAIL, f"the check raised {errors[0]['ename']}: {errors[0]['evalue']}"
            elif mine:
                result, hint = mine[-1][0], mine[-1][2]
                if not ex.label_known:
                    row["exercise"] = mine[-1][1]
            else:
                result, hint = FAIL, "the check printed no verdict"
            if own_errors:
                evalue = re.sub(r"\(\S+\.py, line (\d+)\)", r"(line \1)", own_errors[0]["evalue"])
                hint = f"your exercise cell raised {own_errors[0]['ename']}: {evalue}; {hint}"
            row.update(result=result, hint=hint)
            rows.append(row)
        return rows

    def grade_all(self) -> list[dict[str, str]]:
        """Rows for every ``<student>/<NN_topic>.ipynb`` under ``submissions``, in order."""
        found = sorted(p for p in self.submissions.glob("*/*.ipynb") if p.is_file())
        contents = {p: p.read_bytes() for p in found}
        saved = snapshot(self.protected())
        rows = []
        for path in found:
            student = path.parent.name
            started = time.perf_counter()
            try:
                new = self.grade_one(student, path.name, contents[path], saved)
            except Exception as exc:  # noqa: BLE001 - one notebook's trouble never stops the batch
                new = [{"student": student, "notebook": path.name, "exercise": "-",
                        "result": FAIL, "hint": f"not graded: {type(exc).__name__}: {exc}",
                        "note": ""}]
            rows.extend(new)
            passed = sum(r["result"] == PASS for r in new)
            print(f"  {student}/{path.name}: {passed}/{len(new)} passed "
                  f"in {time.perf_counter() - started:.1f} s", flush=True)
        return rows


def where_stopped(plan: Plan, index: int | None) -> str:
    """`` in the cell of exercise 3.1`` (or the instructor cell's first line) for a stopped run."""
    if index is None or index >= len(plan.notebook.cells):
        return ""
    cell = plan.notebook.cells[index]
    labels = {e.exercise_id: e.label for e in plan.exercises}
    before = [labels[c.get("id")] for c in plan.notebook.cells[:index + 1] if c.get("id") in labels]
    if "exercise" in tags(cell) and before:
        return f" in your cell of exercise {before[-1]}"
    if "student-added" in tags(cell) and before:
        return f" in a cell you added after exercise {before[-1]}"
    first = cell.source.strip().splitlines()[0][:60] if cell.source.strip() else ""
    return f" in the instructor's cell {first!r}"


# --- reports ------------------------------------------------------------------------------------
def write_csv(rows: list[dict[str, str]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)


def write_html(rows: list[dict[str, str]], path: Path) -> None:
    """A plain HTML page (no scripts, no network assets): one table per student."""
    esc = html.escape
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>Grades</title>",
             "<style>body{font-family:sans-serif}table{border-collapse:collapse;margin-bottom:2em}"
             "td,th{border:1px solid #999;padding:4px 8px;text-align:left;vertical-align:top}"
             ".pass{color:#060}.fail{color:#a00}</style></head><body><h1>Grades</h1>"]
    students = list(dict.fromkeys(r["student"] for r in rows))
    for student in students:
        mine = [r for r in rows if r["student"] == student]
        passed = sum(r["result"] == PASS for r in mine)
        parts.append(f"<h2>{esc(student)}: {passed} of {len(mine)} exercises passed</h2>")
        parts.append("<table><tr><th>notebook</th><th>exercise</th><th>result</th><th>hint</th>"
                     "<th>note</th></tr>")
        for r in mine:
            cls = "pass" if r["result"] == PASS else "fail"
            parts.append(f"<tr><td>{esc(r['notebook'])}</td><td>{esc(r['exercise'])}</td>"
                         f"<td class='{cls}'>{esc(r['result'])}</td><td>{esc(r['hint'])}</td>"
                         f"<td>{esc(r['note'])}</td></tr>")
        parts.append("</table>")
    if not students:
        parts.append("<p>No submissions found.</p>")
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submissions", type=Path, nargs="?",
                        help="folder with one sub-folder per student holding NN_topic.ipynb files")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "grades",
                        help="folder for grades.csv and grades.html (default build/grades)")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds each notebook may run (default 300)")
    parser.add_argument("--instructor", type=Path, default=ROOT / "notebooks",
                        help="folder of the instructor notebooks (default notebooks/)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="do not use a user namespace even where one is available")
    parser.add_argument("--worker", nargs=2, type=Path, metavar=("SOURCE", "TARGET"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(*args.worker, timeout=args.timeout)
    if args.submissions is None:
        parser.error("SUBMISSIONS is required (make grade SUBMISSIONS=dir)")
    try:
        grader = Grader(args.instructor.resolve(), args.submissions.resolve(), args.out.resolve(),
                        timeout=args.timeout, sandbox=not args.no_sandbox)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"grading {args.submissions} (timeout {args.timeout:g} s per notebook, "
          f"{'read-only sandbox' if grader.sandbox else 'no sandbox: writes are undone after'})")
    rows = grader.grade_all()
    write_csv(rows, args.out / "grades.csv")
    write_html(rows, args.out / "grades.html")
    passed = sum(r["result"] == PASS for r in rows)
    print(f"{passed} of {len(rows)} exercises passed; {args.out / 'grades.csv'}, "
          f"{args.out / 'grades.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
