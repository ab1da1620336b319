"""Notebook 02 in two lectures (02 and 02b): every 2.x check is called once across the parts, and
each stub fails clearly. (The rules of a split lecture and its size: tests/test_lectures.py.)"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from course_utils import exercises

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PART_1 = NOTEBOOKS / "02_convolution_by_hand.ipynb"
PARTS = [PART_1, *sorted(NOTEBOOKS.glob("02b_*.ipynb"))]
HEADING = re.compile(r"^#+ Exercise (\d+\.\d+)\b", re.MULTILINE)


def tags(cell) -> set[str]:
    return set(cell.metadata.get("tags", []))


def check_name(source: str) -> str | None:
    """``check_x`` for a cell whose code calls ``ex.check_x(...)``, else None."""
    calls = [node.func.attr for node in ast.walk(ast.parse(source))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
             and node.func.attr.startswith("check_")]
    return calls[-1] if calls else None


def exercises_of(path: Path) -> list[dict]:
    """One record per "Exercise N.k" heading: its label, stub, solution and check cell."""
    cells = nbformat.read(path, as_version=4).cells
    found = []
    for i, cell in enumerate(cells):
        match = HEADING.search(cell.source) if cell.cell_type == "markdown" else None
        if not match:
            continue
        later = [c for c in cells[i + 1:] if c.cell_type == "code"]
        stub = next(c for c in later if "exercise" in tags(c))
        solution = next(c for c in later if "solution" in tags(c))
        check = next(c for c in later if not {"exercise", "solution"} & tags(c)
                     and check_name(c.source))
        found.append({"label": match.group(1), "stub": stub, "solution": solution,
                      "check": check_name(check.source), "check_source": check.source})
    return found


CONTEXT = {"check_learned_kernel": (np.random.default_rng(0).normal(size=(2, 8, 8)),)}


def test_every_2x_check_is_called_once_across_the_parts():
    called = sorted(e["check"] for path in PARTS for e in exercises_of(path))
    of_02 = sorted(name for name, spec in exercises.SPECS.items() if spec.exercise.startswith("2."))
    assert called == of_02


@pytest.mark.parametrize("label", ["2.1", "2.2", "2.3", "2.4"])
def test_the_stub_fails_clearly(label, capsys):
    e = next(e for path in PARTS for e in exercises_of(path) if e["label"] == label)
    namespace = {"np": np}
    exec(e["stub"].source, namespace)                        # noqa: S102 - the notebook's stub
    answer = next(v for k, v in namespace.items() if k not in ("np", "__builtins__"))
    check = getattr(exercises, e["check"])
    assert check(answer, *CONTEXT.get(e["check"], ())) is False
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith(f"✗ Exercise {label}: ")
