"""The notebook a submission is graded with: the student edition, the student's exercise cells,
and a grader cell in place of every check cell.

Only the student's *exercise* cells (tagged ``exercise`` in the instructor's notebook, matched by
cell id, else by their order among the exercise-tagged cells) and code cells the student inserted
right after one of them are taken from the submission; every other cell — set-up, prose,
figures — is the instructor's (the student edition). Each check cell
(``ex.check_output_size(output_size);``) becomes a *grader cell* that runs the answer through
the reference-free probe of that exercise on cases drawn at grading time and writes the
outcomes as JSON to the run's output folder (:mod:`course_utils.grading.emit`); the verdict is
decided from that data in the grader's own process (:mod:`course_utils.grading.judging`). A
deleted or edited check cell changes nothing but the row's ``note``.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import nbformat

EDITED = "check cell edited — the grader's probe used"
DELETED = "check cell deleted — the grader's probe used"
MISSING = "exercise cell missing — the stub was graded"
VERDICT = re.compile(r"^\s*([✓✗]) Exercise (\S+?):\s?(.*)$")


@dataclass
class Exercise:
    """One exercise of an instructor notebook: its stub cell, its check cell and what it calls.

    ``check``: the checker's name (``check_output_size``); ``args``: the source of each argument
    of the call (``["output_size"]``).
    """

    label: str  # "3.1" as the check prints it, else "<number>#<k>"
    exercise_id: str
    check_id: str
    ordinal: int  # position among the notebook's exercise cells (0-based)
    check: str
    args: list[str]
    label_known: bool = True  # False: "<number>#<k>", the check has no spec and no stored line


@dataclass
class Plan:
    """The notebook to run, its exercises in order and the notes of each (label -> notes)."""

    notebook: nbformat.NotebookNode
    exercises: list[Exercise]
    notes: dict[str, list[str]] = field(default_factory=dict)


def tags(cell: nbformat.NotebookNode) -> list[str]:
    """The cell's metadata tags."""
    return list(cell.get("metadata", {}).get("tags", []))


def check_call(source: str) -> tuple[str, list[str]]:
    """``("check_output_size", ["output_size"])`` for a check cell whose last statement is
    ``ex.check_output_size(output_size)``; ValueError when it has no such call."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ValueError(f"check cell is not Python: {exc}") from None
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Attribute) and node.func.attr.startswith("check_")]
    if not calls:
        raise ValueError(f"expected a call ex.check_<name>(…) in the check cell, got {source!r}")
    call = calls[-1]
    return call.func.attr, [ast.unparse(a) for a in call.args]


def verdicts(cell: nbformat.NotebookNode) -> list[tuple[str, str, str]]:
    """Every ``(✓|✗, label, detail)`` line a cell's stored outputs printed, in order (the
    instructor's stored check output names an exercise's label)."""
    found = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            text = out.get("text", "")
        elif out.get("output_type") in ("execute_result", "display_data"):
            text = out.get("data", {}).get("text/plain", "")
        else:
            continue
        for line in ("".join(text) if isinstance(text, list) else text).splitlines():
            match = VERDICT.match(line)
            if match:
                found.append(match.groups())
    return found


def _label(check: nbformat.NotebookNode, name: str, number: int, k: int) -> tuple[str, bool]:
    """(label, known): the label of the check ``name`` (its spec's, e.g. ``3.1``), else the one
    the instructor's stored output prints, else ``N#k`` (not known)."""
    from .. import exercises

    if name in exercises.SPECS:
        return exercises.spec(name).exercise, True
    stored = verdicts(check)
    return (stored[-1][1], True) if stored else (f"{number}#{k}", False)


def find_exercises(instructor: nbformat.NotebookNode, number: int) -> list[Exercise]:
    """The exercises of an instructor notebook, in order.

    An exercise is an ``exercise``-tagged code cell; its check is the next code cell tagged
    ``check``, or else the next code cell tagged neither ``solution`` nor ``exercise``.
    ValueError for an exercise without a check cell.
    """
    cells, found = instructor.cells, []
    for i, cell in enumerate(cells):
        if cell.cell_type != "code" or "exercise" not in tags(cell):
            continue
        following = [c for c in cells[i + 1:] if c.cell_type == "code"]
        check = next((c for c in following if "check" in tags(c)), None) or next(
            (c for c in following if not {"solution", "exercise"} & set(tags(c))), None)
        if check is None:
            raise ValueError(f"exercise cell {cell.get('id')} has no check cell after it")
        name, args = check_call(check.source)
        label, known = _label(check, name, number, len(found) + 1)
        found.append(Exercise(label, cell.get("id", ""), check.get("id", ""), len(found), name,
                              args, known))
    return found


def load_submission(data: bytes) -> nbformat.NotebookNode | str:
    """The notebook in ``data``, or the reason it cannot be graded."""
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        return f"not JSON ({type(exc).__name__}: {exc})"
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        return "not a notebook (JSON without a list of cells)"
    try:
        nb = nbformat.from_dict(raw)
        nb = nbformat.v4.upgrade(nb) if nb.get("nbformat", 4) < 4 else nb
        for cell in nb.cells:
            if not isinstance(cell.cell_type, str):
                raise TypeError("a cell without a type")
            cell.source = "".join(cell.source) if isinstance(cell.source, list) else cell.source
            if not isinstance(cell.source, str):
                raise TypeError("a cell whose source is not text")
    except Exception as exc:  # noqa: BLE001 - any malformed notebook is a verdict
        return f"not a notebook ({type(exc).__name__}: {exc})"
    return nb


def student_edition(instructor: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The instructor notebook as students receive it (``cnn-course student``)."""
    from ..tools.student import student_edition as edition

    return edition(nbformat.from_dict(json.loads(json.dumps(instructor))))


def _student_cells(submission: nbformat.NotebookNode, where: int, known: set
                   ) -> list[nbformat.NotebookNode]:
    """The student's exercise cell at ``where`` and the code cells they added right after it."""
    mine = submission.cells[where]
    cells = [nbformat.v4.new_code_cell(mine.source if mine.cell_type == "code" else "",
                                       metadata={"tags": ["exercise"]})]
    for extra in submission.cells[where + 1:]:
        if extra.get("id") in known or extra.cell_type != "code":
            break
        cells.append(nbformat.v4.new_code_cell(extra.source, metadata={"tags": ["student-added"]}))
    return cells


def assemble(instructor: nbformat.NotebookNode, submission: nbformat.NotebookNode, number: int,
             grader_cell: Callable[[Exercise], str]) -> Plan:
    """The notebook to run (see module doc); ``grader_cell(exercise)`` is the source that
    replaces the exercise's check cell."""
    plan = Plan(student_edition(instructor), find_exercises(instructor, number))
    known = {c.get("id") for c in instructor.cells}
    by_id = {c.get("id"): i for i, c in enumerate(submission.cells) if c.get("id")}
    tagged = [i for i, c in enumerate(submission.cells) if "exercise" in tags(c)]
    by_stub = {e.exercise_id: e for e in plan.exercises}
    by_check = {e.check_id: e for e in plan.exercises}
    cells = []
    for cell in plan.notebook.cells:
        cell_id = cell.get("id")
        if cell_id in by_stub:
            ex = by_stub[cell_id]
            notes = plan.notes.setdefault(ex.label, [])
            where = by_id.get(cell_id)
            if where is None and ex.ordinal < len(tagged):
                where = tagged[ex.ordinal]
            if where is None:
                notes.append(MISSING)
                cells.append(cell)
                continue
            own = _student_cells(submission, where, known)
            own[0].id = cell_id
            cells.extend(own)
        elif cell_id in by_check:
            ex = by_check[cell_id]
            theirs = by_id.get(cell_id)
            if theirs is None:
                plan.notes.setdefault(ex.label, []).append(DELETED)
            elif submission.cells[theirs].source.strip() != cell.source.strip():
                plan.notes.setdefault(ex.label, []).append(EDITED)
            grader = nbformat.v4.new_code_cell(grader_cell(ex), metadata={"tags": ["grader"]})
            grader.id = cell_id
            cells.append(grader)
        else:
            cells.append(cell)
    plan.notebook.cells = cells
    return plan
