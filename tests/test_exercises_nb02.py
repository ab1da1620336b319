"""Notebook 02 in two lectures (02 and 02b): the exercises are numbered on across the split, each
check cell calls the check of its own exercise, the stubs fail clearly, and each part fits one
lecture (issue 19 item 5: at most ~50 cells and ~2,500 words of prose)."""

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
MAX_CELLS, MAX_WORDS = 50, 2500


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


def test_there_are_two_parts():
    assert len(PARTS) == 2, [p.name for p in PARTS]


def test_exercises_are_numbered_on_across_the_two_parts():
    labels = [e["label"] for path in PARTS for e in exercises_of(path)]
    assert labels == [f"2.{k}" for k in range(1, len(labels) + 1)], labels
    assert all(exercises_of(path) for path in PARTS)       # each part has exercises


def test_each_check_cell_calls_the_check_of_its_own_exercise():
    called = []
    for path in PARTS:
        for e in exercises_of(path):
            assert exercises.spec(e["check"]).exercise == e["label"], (path.name, e)
            called.append(e["check"])
    of_02 = sorted(name for name, spec in exercises.SPECS.items() if spec.exercise.startswith("2."))
    assert sorted(called) == of_02                          # every 2.x check, exactly once


def test_part_2_says_it_continues_part_1_and_has_its_own_set_up():
    cells = nbformat.read(PARTS[1], as_version=4).cells
    first = cells[0].source
    assert first.startswith("# 02b") and "continues **02 · Convolution by hand**" in first
    first_label = exercises_of(PARTS[1])[0]["label"]
    assert f"go on from {first_label}" in first
    set_up = next(c for c in cells if c.cell_type == "code")
    assert "config.setup()" in set_up.source and "import" in set_up.source


@pytest.mark.parametrize("path", PARTS, ids=lambda p: p.stem[:3])
def test_each_part_fits_one_lecture(path):
    cells = nbformat.read(path, as_version=4).cells
    words = sum(len(c.source.split()) for c in cells if c.cell_type == "markdown")
    assert len(cells) <= MAX_CELLS and words <= MAX_WORDS, (len(cells), words)


CONTEXT = {"check_learned_kernel": (np.random.default_rng(0).normal(size=(2, 8, 8)),)}


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
