"""Run inside the student's kernel by a grader cell: one exercise's probe, its outcomes as JSON.

    from course_utils.grading.emit import emit as _grader_emit
    _grader_emit(1, "call", lambda: output_size, '<cases as JSON>')

writes ``$GRADER_OUT/answers-1.json`` = ``{"outcomes": [...]}`` (the probe's outcomes through
:func:`course_utils.exercises.probes.to_data`). Nothing here decides anything: the student's
code runs in the same process and can change what is written, but only to *their own* answers on
cases drawn at grading time — the reference and the verdict live in the grader's process.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

OUT_VARIABLE = "GRADER_OUT"


def answers_name(k: int) -> str:
    """The file name of exercise ``k``'s outcomes (1-based order in the notebook)."""
    return f"answers-{int(k)}.json"


def _outcomes(kind: str, answer: Callable[[], Any], cases_json: str) -> list[dict]:
    from ..exercises import probes

    cases = probes.from_data(json.loads(cases_json))
    try:
        value = answer()
    except NameError as exc:
        refused = {"refused": f"{exc} (keep the name the exercise gives your answer)"}
        return [probes.to_data(refused) for _ in cases]
    return [probes.to_data(outcome) for outcome in probes.run(kind, value, cases)]


def emit(k: int, kind: str, answer: Callable[[], Any], cases_json: str) -> None:
    """Write the outcomes of probe ``kind`` on ``answer()`` for the cases in ``cases_json``."""
    outcomes = _outcomes(kind, answer, cases_json)
    path = os.path.join(os.environ.get(OUT_VARIABLE, "."), answers_name(k))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"outcomes": outcomes}, f, allow_nan=False)


def cell_source(k: int, kind: str, answer_source: str, cases_json: str) -> str:
    """The grader cell for exercise ``k``: its answer expression (``output_size``) is read when
    the cell runs (a missing name is an outcome, not an error)."""
    return ("from course_utils.grading.emit import emit as _grader_emit\n"
            f"_grader_emit({int(k)}, {kind!r}, lambda: ({answer_source}), {cases_json!r})")
