"""The trusted side: draw each exercise's cases, write its grader cell, judge what came back.

For every exercise the grader draws fresh cases (``Spec.cases(rng)`` with a generator seeded
from :mod:`secrets`, so no submission can know them in advance), puts them in the grader cell as
JSON (:func:`course_utils.grading.emit.cell_source`) and, after the run, decides the verdict here
with ``Spec.judge(outcomes, cases)`` from the outcomes the probe wrote — data parsed from JSON
with a size limit, never code, never a line the student's process printed.

A check that the notebook calls with its own values (images, thresholds, data: ``Spec.context``)
is judged with the values ``Spec.grading_context(rng)`` rebuilds here from ``course_utils``
alone, never with values from the student's kernel; what that context leaves out is the row's
note (``Spec.grading_note``). A value answer's probe needs no case data: its grader cell gets
one empty case per case.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

import numpy as np

from .assembly import Exercise, Plan, tags
from .emit import cell_source
from .records import FAIL, PASS, Row, join_notes, row

NO_PROBE = "this exercise's check has no probe: it cannot be graded in the sandbox yet"
NO_CONTEXT = ("its check needs values from the notebook ({names}) that the grader cannot "
              "rebuild yet: it is not graded in the sandbox")


@dataclass
class Drawn:
    """An exercise's spec (None when it cannot be graded here: ``why``), its cases and context,
    and the note its grading context carries."""

    spec: Any
    cases: list
    k: int  # 1-based position among the notebook's exercises (the answers file's number)
    context: tuple = ()
    note: str = ""
    why: str = NO_PROBE


def gradable(spec: Any) -> bool:
    """Whether the grader can draw the cases of ``spec`` itself: a spec without context, or one
    whose context the trusted side can build (``spec.grading_context(rng)``) — never from values
    the student's kernel hands over."""
    return spec is not None and (not spec.context or callable(getattr(spec, "grading_context",
                                                                      None)))


def _ungradable(spec: Any, k: int) -> Drawn:
    if spec is None:
        return Drawn(None, [], k)
    return Drawn(None, [], k, why=NO_CONTEXT.format(names=", ".join(spec.context)))


def _draw_one(spec: Any, k: int, rng: np.random.Generator) -> Drawn:
    """``spec``'s cases drawn with ``rng`` on its grading context (if it has context); a context
    that cannot be built leaves the exercise ungraded, saying why."""
    if not gradable(spec):
        return _ungradable(spec, k)
    try:
        context = tuple(spec.grading_context(rng)) if spec.context else ()
        cases = spec.cases(rng, *context)
    except Exception as exc:  # noqa: BLE001 - e.g. a data file missing on the grader's machine
        return Drawn(None, [], k, why=f"the grader could not rebuild this check's context "
                                      f"({type(exc).__name__}: {exc})")
    return Drawn(spec, cases, k, context, str(getattr(spec, "grading_note", "") or ""))


def spec_of(check: str) -> Any:
    """The registered spec of the check function ``check`` (None if there is none)."""
    from .. import exercises

    try:
        return exercises.spec(check)
    except ValueError:
        return None


def draw(exercises: list[Exercise], rng: np.random.Generator | None = None) -> dict[str, Drawn]:
    """{label: the exercise's spec and freshly drawn cases}."""
    rng = rng or np.random.default_rng(secrets.randbits(128))
    return {ex.label: _draw_one(spec_of(ex.check), k, rng)
            for k, ex in enumerate(exercises, start=1)}


def sent_cases(d: Drawn) -> list[list]:
    """The cases as the student's kernel gets them: a value probe reads no case (one empty case
    per case: a notebook's images are not copied into the cell), any other probe all of them."""
    return [[] for _ in d.cases] if d.spec.probe == "value" else [list(c) for c in d.cases]


def grader_cell(ex: Exercise, drawn: dict[str, Drawn]) -> str:
    """The source replacing ``ex``'s check cell: its probe on the drawn cases, to JSON."""
    from ..exercises import probes

    d = drawn[ex.label]
    if d.spec is None:
        return "# this exercise cannot be graded in the sandbox: " + " ".join(d.why.splitlines())
    cases = json.dumps(probes.to_data(sent_cases(d), whole_text=True), allow_nan=False)
    return cell_source(d.k, d.spec.probe, ex.args[0] if ex.args else "None", cases)


def verdict(d: Drawn, outcomes: Any) -> tuple[bool, str]:
    """``Spec.judge`` of the decoded ``outcomes`` (``{"outcomes": [...]}`` as written by the
    probe); anything malformed is a failing verdict."""
    from ..exercises import probes

    if not isinstance(outcomes, dict) or not isinstance(outcomes.get("outcomes"), list):
        return False, "the grader cell's answer file is not in the expected form"
    try:
        decoded = [probes.from_data(o) for o in outcomes["outcomes"]]
    except (ValueError, TypeError, KeyError, RecursionError) as exc:
        return False, f"the answer could not be read ({type(exc).__name__})"
    result = d.spec.judge(decoded, d.cases, d.context)
    return bool(result.passed), str(result.detail)


def where_stopped(plan: Plan, index: Any) -> str:
    """`` in your cell of exercise 3.1`` (or the instructor cell's first line) for a stopped run."""
    cells = plan.notebook.cells
    if not isinstance(index, int) or not 0 <= index < len(cells):
        return ""
    labels = {e.exercise_id: e.label for e in plan.exercises}
    before = [labels[c.get("id")] for c in cells[:index + 1] if c.get("id") in labels]
    if "exercise" in tags(cells[index]) and before:
        return f" in your cell of exercise {before[-1]}"
    if "student-added" in tags(cells[index]) and before:
        return f" in a cell you added after exercise {before[-1]}"
    if "grader" in tags(cells[index]) and before:
        return f" in the check of exercise {before[-1]} (running your answer)"
    first = cells[index].source.strip().splitlines()[0][:60] if cells[index].source.strip() else ""
    return f" in the instructor's cell {first!r}"


def _own_error(plan: Plan, ex: Exercise, errors: dict) -> str:
    """``your exercise cell raised E: message; `` when the student's cell raised."""
    at = next((i for i, c in enumerate(plan.notebook.cells) if c.get("id") == ex.exercise_id
               and "exercise" in tags(c)), None)
    error = errors.get(str(at)) if at is not None else None
    if not (isinstance(error, list) and len(error) == 2):
        return ""
    message = re.sub(r"\(\S+\.py, line (\d+)\)", r"(line \1)", str(error[1]))
    return f"your exercise cell raised {error[0]}: {message}; "


def _missing(plan: Plan, ex: Exercise, status: dict) -> str:
    """Why an exercise has no answer file: the run stopped, or its grader cell raised."""
    if status.get("status") not in (None, "ok"):
        return f"{status['status']}: {status.get('detail', '')}".strip(": ") + \
            where_stopped(plan, status.get("cell"))
    at = next((i for i, c in enumerate(plan.notebook.cells) if c.get("id") == ex.check_id), None)
    error = status.get("errors", {}).get(str(at))
    if isinstance(error, list) and len(error) == 2:
        return f"no answer recorded: reading your answer raised {error[0]}: {error[1]}"
    return "no answer recorded (the notebook did not reach this exercise's check)"


def rows_for(student: str, name: str, plan: Plan, drawn: dict[str, Drawn], status: dict,
             answers: dict[int, Any], note: str = "") -> list[Row]:
    """One row per exercise of ``plan`` from the run's status and answer files."""
    errors = status.get("errors") if isinstance(status.get("errors"), dict) else {}
    rows = []
    for ex in plan.exercises:
        d = drawn[ex.label]
        notes = join_notes(note, *plan.notes.get(ex.label, []), d.note)
        if d.spec is None:
            rows.append(row(student, name, ex.label, FAIL, d.why, notes))
            continue
        if d.k not in answers:
            rows.append(row(student, name, ex.label, FAIL,
                            _own_error(plan, ex, errors) + _missing(plan, ex, status), notes))
            continue
        passed, detail = verdict(d, answers[d.k])
        hint = f"correct ({detail})" if passed and detail else "correct" if passed else \
            _own_error(plan, ex, errors) + detail
        rows.append(row(student, name, ex.label, PASS if passed else FAIL, hint, notes))
    return rows
