"""Grade a class's notebooks in sandboxes, in parallel, into grades.csv and grades.html.

    cnn-course grade SUBMISSIONS [--out DIR] [--timeout S] [--jobs N] [--dask ADDRESS|local]
                     [--instructor DIR] [--memory GIB] [--unsafe]
    make grade SUBMISSIONS=dir [TIMEOUT=s]

Layout: ``SUBMISSIONS/<student>/<NN_topic>.ipynb``; a notebook is matched to the instructor's
``NN_*.ipynb`` by its two-digit prefix. One row per student, notebook and exercise (``student,
notebook, exercise, result, hint, note``). Each notebook runs in a bubblewrap sandbox
(:mod:`.sandbox`); without bubblewrap the grader refuses unless ``--unsafe`` is given.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from ..cli import existing_dir, positive_number, tool_parser
from . import sandbox
from .pool import executor, grade_all, throughput
from .records import ALL, FAIL, PASS, Row, printable, row
from .reports import write_reports
from .sandbox import UNPROTECTED, Limits
from .staging import Submission, scan
from .task import Settings, Task

NOT_COURSE = "not a course notebook (no instructor notebook NN_*.ipynb with this number)"


def positive_int(text: str) -> int:
    """argparse type: a whole number ≥ 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number ≥ 1, got {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    """The options of ``cnn-course grade`` (see module doc)."""
    from ..tools import build_dir, notebooks_dir

    p = tool_parser("grade", __doc__)
    p.add_argument("submissions", type=existing_dir,
                   help="folder with one sub-folder per student holding NN_topic.ipynb files")
    p.add_argument("--out", type=Path, default=build_dir() / "grades",
                   help="folder for grades.csv and grades.html (default build/grades)")
    p.add_argument("--timeout", type=positive_number, default=300.0,
                   help="seconds each notebook may run (default 300)")
    p.add_argument("--jobs", type=positive_int, default=1,
                   help="notebooks graded at once (default 1)")
    p.add_argument("--dask", metavar="ADDRESS",
                   help="run on a Dask scheduler (tcp://host:8786), or 'local' for a local cluster")
    p.add_argument("--instructor", type=existing_dir, default=notebooks_dir(),
                   help="folder of the instructor notebooks (default: the course's)")
    p.add_argument("--memory", type=positive_number, default=Limits.memory / 2**30,
                   help="GiB of address space per process of a run (default 8)")
    p.add_argument("--unsafe", action="store_true",
                   help="grade without a sandbox where bubblewrap cannot run (says what is lost)")
    return p


def instructor_notebooks(folder: Path) -> dict[str, nbformat.NotebookNode]:
    """{"03": the instructor notebook} for every ``NN_*.ipynb`` of ``folder`` (``"05b"`` for
    ``05b_*.ipynb``: a continuation is a notebook of its own)."""
    found = {p.name.split("_")[0]: nbformat.read(p, as_version=4)
             for p in sorted(folder.glob("[0-9][0-9]*_*.ipynb"))}
    if not found:
        raise ValueError(f"expected instructor notebooks NN_*.ipynb in {folder}, found none")
    return found


def plan_tasks(found: list[Submission], instructor: dict[str, nbformat.NotebookNode],
               settings: Settings) -> tuple[list[Task], list[Row]]:
    """The tasks to run, and the rows of files that are not run (rejected, not the course's)."""
    tasks, rows = [], []
    for sub in found:
        if sub.rejected:
            rows.append(row(sub.student, sub.name, ALL, FAIL, "not graded",
                            f"rejected: {sub.rejected}"))
        elif sub.number not in instructor:
            rows.append(row(sub.student, sub.name, ALL, FAIL, NOT_COURSE, sub.note))
        else:
            tasks.append(Task(sub.student, sub.name, sub.data, int(sub.number[:2]),
                              json.dumps(instructor[sub.number]), settings, sub.note))
    return tasks, rows


def isolation(unsafe: bool) -> str:
    """The banner of how runs are isolated; ValueError when bubblewrap cannot run and
    ``unsafe`` is not set."""
    if unsafe:
        return UNPROTECTED
    why = sandbox.unavailable()
    if why:
        raise ValueError(f"cannot sandbox the notebooks: {why}. Install bubblewrap, or pass "
                         "--unsafe to grade without a sandbox")
    return "sandbox: bubblewrap (no network, private /proc /tmp /dev/shm, read-only course " \
           "without the checks' references, resource limits)"


def grade(args: argparse.Namespace) -> list[Row]:
    """Stage, run and judge every submission; returns the rows by student, then file name
    (each file's rows in exercise order)."""
    instructor = instructor_notebooks(args.instructor)
    limits = Limits(memory=int(args.memory * 2**30))
    settings = Settings(timeout=args.timeout, limits=limits, unsafe=args.unsafe)
    staging_root = Path(tempfile.mkdtemp(prefix="cnn-course-staging-"))
    try:
        found = scan(args.submissions, staging_root / "submissions")
        tasks, skipped = plan_tasks(found, instructor, settings)
        started = time.perf_counter()
        with executor(args.jobs, args.dask) as pool:
            graded = grade_all(tasks, pool, progress=lambda t, g: print(
                f"  {printable(t.student)}/{printable(t.name)}: "
                f"{sum(r['result'] == PASS for r in g.rows)}/{len(g.rows)} passed "
                f"in {g.seconds:.1f} s", flush=True))
        seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(staging_root, ignore_errors=True)
    if tasks:
        print(f"{len(tasks)} notebooks in {seconds:.1f} s with {args.jobs} at once: "
              f"{throughput(len(tasks), seconds):.1f} notebooks per minute")
    rows = [r for g in graded for r in g.rows] + skipped
    return sorted(rows, key=lambda r: (r["student"], r["notebook"]))


def main(argv: list[str] | None = None) -> int:
    """``cnn-course grade``: exit 0 when the reports are written, 2 on bad arguments or when
    the notebooks cannot be sandboxed (without ``--unsafe``)."""
    p = parser()
    args = p.parse_args(argv)
    try:
        banner = isolation(args.unsafe)
        print(f"grading {args.submissions} (timeout {args.timeout:g} s per notebook, "
              f"{args.jobs} at once{', Dask ' + args.dask if args.dask else ''})\n{banner}")
        rows = grade(args)
        csv_path, html_path = write_reports(rows, args.out)
    except ValueError as exc:
        print(f"cnn-course grade: error: {exc}", file=sys.stderr)
        return 2
    passed = sum(r["result"] == PASS for r in rows)
    print(f"{passed} of {len(rows)} exercises passed; {csv_path}, {html_path}")
    return 0

