"""The rows of a grade report and the bounds every recorded text is cut to.

A row is one exercise of one submitted notebook: ``student, notebook, exercise, result, hint,
note`` (:data:`FIELDS`), ``result`` ``✓`` or ``✗``. ``notebook`` is the name of the file that was
graded (``03_padding (1).ipynb``), ``exercise`` the label the check prints (``3.1``), or
:data:`ALL` for a row that stands for every exercise of a file that could not be graded at all.
``hint`` says what is wrong with the answer; ``note`` says what the grader noticed about the
submission itself (a duplicate, a rejected file, an edited check cell) and is empty for an
ordinary submission.
"""

from __future__ import annotations

FIELDS = ["student", "notebook", "exercise", "result", "hint", "note"]
PASS, FAIL = "✓", "✗"
ALL = "all"  # the exercise of a row about a whole file (not a notebook, not a course notebook)
MAX_HINT = 300  # characters kept of a hint or a note
MAX_NAME = 120  # characters kept of a student's folder name or a file name

Row = dict[str, str]


def shorten(text: object, limit: int = MAX_HINT) -> str:
    """``str(text)`` cut to ``limit`` characters (an ellipsis marks the cut), one line."""
    flat = " ".join(str(text).split()) if "\n" in str(text) or "\r" in str(text) else str(text)
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


def printable(text: str) -> str:
    """``text`` with every control character (a terminal escape in a folder name) shown as
    ``?``: safe to print on the grader's terminal."""
    return "".join(c if c.isprintable() else "?" for c in text)


def row(student: str, notebook: str, exercise: str, result: str, hint: str = "",
        note: str = "") -> Row:
    """One row, every field bounded (:data:`MAX_NAME`, :data:`MAX_HINT`)."""
    if result not in (PASS, FAIL):
        raise ValueError(f"result must be {PASS!r} or {FAIL!r}, got {result!r}")
    return {"student": shorten(student, MAX_NAME), "notebook": shorten(notebook, MAX_NAME),
            "exercise": shorten(exercise, MAX_NAME), "result": result,
            "hint": shorten(hint), "note": shorten(note)}


def join_notes(*notes: str) -> str:
    """The non-empty notes joined by ``"; "``."""
    return "; ".join(n for n in notes if n)
