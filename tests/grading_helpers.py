"""Shared builders for the grading tests: submissions made from the student edition of
notebook 03, the instructor's solutions, and a digest of a folder tree."""

from __future__ import annotations

import csv
import hashlib
import os
import stat
from pathlib import Path

import nbformat

from course_utils.grading.assembly import tags
from course_utils.tools.student import student_edition

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "03_padding_stride_arithmetic.ipynb"
LABELS = ["3.1", "3.2", "3.3"]  # the exercises the grading tests answer (the first three)


def instructor_notebook() -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "notebooks" / NOTEBOOK, as_version=4)


def solutions(nb: nbformat.NotebookNode | None = None) -> dict[str, str]:
    """{exercise cell id: the instructor's solution source}."""
    cells = (nb or instructor_notebook()).cells
    return {c.id: next(d for d in cells[i + 1:] if "solution" in tags(d)).source
            for i, c in enumerate(cells) if "exercise" in tags(c)}


def edition(nb: nbformat.NotebookNode | None = None) -> nbformat.NotebookNode:
    return student_edition(nb or instructor_notebook())


def exercise_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if "exercise" in tags(c)]


def answered(nb: nbformat.NotebookNode, sols: dict[str, str] | None = None
             ) -> nbformat.NotebookNode:
    """``nb`` with every exercise cell holding the instructor's solution."""
    sols = sols or solutions()
    for cell in exercise_cells(nb):
        cell.source = sols[cell.id]
    return nb


def with_cells(*sources: str, nb: nbformat.NotebookNode | None = None) -> nbformat.NotebookNode:
    """The student edition with its exercise cells replaced by ``sources`` (None: kept)."""
    nb = nb or edition()
    for cell, source in zip(exercise_cells(nb), sources, strict=False):
        if source is not None:
            cell.source = source
    return nb


def save(folder: Path, student: str, nb_or_bytes, name: str = NOTEBOOK) -> Path:
    path = folder / student / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(nb_or_bytes, bytes):
        path.write_bytes(nb_or_bytes)
    else:
        nbformat.write(nb_or_bytes, path)
    return path


def tree_digest(folder: Path) -> dict[str, str]:
    """{relative path: kind and content hash (or link target)} of everything under ``folder``,
    links never followed — equal digests mean a byte-identical tree."""
    found = {}
    for here, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            path = Path(here) / name
            rel = str(path.relative_to(folder))
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                found[rel] = "link " + os.readlink(path)
            elif stat.S_ISREG(info.st_mode):
                found[rel] = "file " + hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                found[rel] = f"kind {stat.S_IFMT(info.st_mode)} mode {info.st_mode:o}"
    return found


def read_rows(csv_path: Path) -> dict[tuple[str, str], dict[str, str]]:
    with open(csv_path, encoding="utf-8") as f:
        return {(r["student"], r["exercise"]): r for r in csv.DictReader(f)}
