"""One notebook, one lecture (issue 19 item 5): the limits, stated once, and the rules of a lecture
split into parts.

- **Size.** Every notebook has at most :data:`MAX_CELLS` cells and :data:`MAX_WORDS` words of
  prose (whitespace-separated words of its markdown cells, code blocks in them included) — about
  what a 75-minute lecture can show and say.
- **Parts.** A notebook numbered ``NNb`` continues ``NN``: its first cell is headed ``# NNb ·`` and
  says "This notebook continues **NN · <part 1's title>**" and which exercise it goes on from;
  its first code cell is its own set-up (``config.setup()``), since a part runs in a fresh kernel;
  the exercises of ``NN`` and ``NNb`` are numbered on (``N.1``, ``N.2``, … across the parts), and
  each check cell calls the check registered under its own exercise's label.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from course_utils import exercises

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
ALL = sorted(NOTEBOOKS.glob("[0-9][0-9]*_*.ipynb"))
MAX_CELLS, MAX_WORDS = 50, 2500
NUMBER = re.compile(r"^(\d\d)([a-z]?)_")
HEADING = re.compile(r"^#+ Exercise (\d+)\.(\d+)\b", re.MULTILINE)


def number(path: Path) -> tuple[str, str]:
    """``("02", "b")`` for ``02b_…ipynb``, ``("03", "")`` for ``03_…ipynb``."""
    match = NUMBER.match(path.name)
    assert match, path.name
    return match.group(1), match.group(2)


def lectures() -> dict[str, list[Path]]:
    """{"02": [02_…, 02b_…], "03": [03_…], …}: each lecture's parts in order."""
    found: dict[str, list[Path]] = {}
    for path in ALL:
        found.setdefault(number(path)[0], []).append(path)
    return found


SPLIT = {nn: parts for nn, parts in lectures().items() if len(parts) > 1}


def cells(path: Path) -> list:
    return nbformat.read(path, as_version=4).cells


def prose_words(path: Path) -> int:
    return sum(len(c.source.split()) for c in cells(path) if c.cell_type == "markdown")


def title(path: Path) -> str:
    """The first heading without its ``#``: ``"02 · Convolution by hand"``."""
    return cells(path)[0].source.splitlines()[0].lstrip("#").strip()


def check_calls(source: str) -> list[str]:
    """Names ``check_x`` of the ``ex.check_x(...)`` calls in a code cell, in order."""
    try:
        tree = ast.parse(source)
    except SyntaxError:                                     # IPython magics: not a check cell
        return []
    return [node.func.attr for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr.startswith("check_")]


def exercise_labels(path: Path) -> list[tuple[int, int]]:
    """``[(2, 1), (2, 2)]``: the "Exercise N.k" headings of a notebook, in order (a heading that
    is repeated, e.g. in a recap, counts once)."""
    seen: list[tuple[int, int]] = []
    for cell in cells(path):
        if cell.cell_type == "markdown":
            for major, minor in HEADING.findall(cell.source):
                if (int(major), int(minor)) not in seen:
                    seen.append((int(major), int(minor)))
    return seen


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem.split("_")[0])
def test_each_notebook_fits_one_lecture(path):
    n_cells, words = len(cells(path)), prose_words(path)
    assert n_cells <= MAX_CELLS, f"{path.name}: {n_cells} cells (at most {MAX_CELLS})"
    assert words <= MAX_WORDS, f"{path.name}: {words} words of prose (at most {MAX_WORDS})"


def test_the_size_rule_is_measured_as_stated(tmp_path):
    """The counter itself: markdown words are counted (a heading's ``#`` and ``·`` too), code is
    not."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 99 · A title"),
                                         nbformat.v4.new_code_cell("x = 1  # not prose"),
                                         nbformat.v4.new_markdown_cell("three more words")])
    nbformat.write(nb, tmp_path / "99_x.ipynb")
    assert prose_words(tmp_path / "99_x.ipynb") == 8
    assert len(cells(tmp_path / "99_x.ipynb")) == 3


@pytest.mark.parametrize("nn", sorted(SPLIT), ids=str)
def test_a_later_part_says_what_it_continues(nn):
    first, *later = SPLIT[nn]
    for part in later:
        head = cells(part)[0].source
        suffix = number(part)[1]
        assert head.startswith(f"# {nn}{suffix} ·"), (part.name, head[:80])
        assert f"continues **{title(first)}**" in head, (part.name, title(first))
        labels = exercise_labels(part)
        if labels:
            major, minor = labels[0]
            assert f"go on from {major}.{minor}" in head, (part.name, labels[0])


@pytest.mark.parametrize("nn", sorted(SPLIT), ids=str)
def test_a_later_part_sets_itself_up(nn):
    for part in SPLIT[nn][1:]:
        set_up = next(c for c in cells(part) if c.cell_type == "code")
        assert "config.setup()" in set_up.source and "import" in set_up.source, part.name


@pytest.mark.parametrize("nn", sorted(lectures()), ids=str)
def test_exercises_are_numbered_on_across_the_parts(nn):
    labels = [label for part in lectures()[nn] for label in exercise_labels(part)]
    if not labels:
        pytest.skip(f"notebook {nn} has no exercises")
    assert {major for major, _ in labels} == {int(nn)}, labels
    assert [minor for _, minor in labels] == list(range(1, len(labels) + 1)), labels


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem.split("_")[0])
def test_each_check_cell_calls_the_check_of_its_exercise(path):
    """The check calls between one exercise heading and the next belong to that exercise."""
    current = None
    for cell in cells(path):
        if cell.cell_type == "markdown":
            found = HEADING.findall(cell.source)
            current = f"{found[-1][0]}.{found[-1][1]}" if found else current
        elif current and not {"solution"} & set(cell.metadata.get("tags", [])):
            for name in check_calls(cell.source):
                assert exercises.spec(name).exercise == current, (path.name, name, current)
