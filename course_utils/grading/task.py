"""Grade one submitted notebook: the function a pool (or a Dask cluster) runs per notebook.

A :class:`Task` carries everything by value — the submission's bytes, the instructor notebook's
JSON, the settings — so that it can be shipped to another process or machine (plain data,
pickled by ``concurrent.futures``/Dask between the grader's own processes only; the student's
data never is).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import nbformat

from .assembly import assemble, find_exercises, load_submission
from .judging import draw, grader_cell, rows_for
from .records import ALL, FAIL, Row, row
from .running import run
from .sandbox import Limits


@dataclass(frozen=True)
class Settings:
    """How every notebook is run: its time limit, resource limits, and whether unsandboxed."""

    timeout: float = 300.0
    limits: Limits = field(default_factory=Limits)
    unsafe: bool = False


@dataclass(frozen=True)
class Task:
    """One submitted notebook to grade."""

    student: str
    name: str  # the submitted file's name
    data: bytes
    number: int
    instructor: str  # the instructor notebook (JSON text)
    settings: Settings
    note: str = ""  # e.g. the duplicate it was chosen over


@dataclass
class Graded:
    """The rows of one notebook and how long it took (seconds)."""

    rows: list[Row]
    seconds: float


def grade_notebook(task: Task) -> Graded:
    """Rows for ``task`` (one per exercise); never raises: a failure is a ✗ row saying why."""
    started = time.perf_counter()
    try:
        rows = _grade(task)
    except Exception as exc:  # noqa: BLE001 - one notebook's trouble never stops the batch
        rows = [row(task.student, task.name, ALL, FAIL,
                    f"not graded: {type(exc).__name__}: {exc}", task.note)]
    return Graded(rows, time.perf_counter() - started)


def _grade(task: Task) -> list[Row]:
    instructor = nbformat.reads(task.instructor, as_version=4)
    exercises = find_exercises(instructor, task.number)
    submission = load_submission(task.data)
    if isinstance(submission, str):
        return [row(task.student, task.name, e.label, FAIL, submission, task.note)
                for e in exercises]
    drawn = draw(exercises)
    plan = assemble(instructor, submission, task.number, lambda ex: grader_cell(ex, drawn))
    result = run(plan.notebook, len(plan.exercises), task.settings.timeout,
                 task.settings.limits, task.settings.unsafe, task.data)
    return rows_for(task.student, task.name, plan, drawn, result.status, result.answers,
                    task.note)


def instructor_json(nb: nbformat.NotebookNode) -> str:
    """The instructor notebook as the JSON text a :class:`Task` carries."""
    return json.dumps(nb)
