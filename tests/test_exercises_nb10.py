"""Checks of notebook 10 after its split into 10 (exercises 10.1-10.2) and 10b (10.3-10.4): each
check cell sits in the part that teaches it, and the checks still refuse the library's answers
(``saliency.occlude``, ``grad_cam_from`` with its new ``normalise`` argument, ``occlusion_map``,
``deletion_auc``)."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import numpy as np
import pytest

from course_utils import exercises as ex
from course_utils import saliency
from course_utils.exercises import nb10

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PARTS = {"10_what_cnns_see.ipynb": ["check_occlude", "check_grad_cam"],
         "10b_which_pixels_matter.ipynb": ["check_occlusion_drops", "check_deletion_auc"]}


def last_line(capsys) -> str:
    return capsys.readouterr().out.strip().splitlines()[-1]


@pytest.mark.parametrize("name", PARTS)
def test_each_part_calls_the_checks_of_its_own_exercises(name):
    calls = [node.func.attr
             for cell in nbformat.read(NOTEBOOKS / name, as_version=4).cells
             if cell.cell_type == "code" and "solution" not in cell.metadata.get("tags", [])
             for node in ast.walk(ast.parse(cell.source))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
             and node.func.attr.startswith("check_")]
    assert calls == PARTS[name]


def own_grad_cam(maps, gradients):
    cam = np.maximum((maps * gradients.mean(axis=(0, 1))).sum(-1), 0.0)
    return cam / cam.max() if cam.max() > 0 else cam


@pytest.mark.parametrize("answer", [
    lambda a, g: saliency.grad_cam_from(a, g, normalise=True),
    lambda a, g: saliency.grad_cam_from(a, g),
    saliency.grad_cam_from,
])
def test_10_2_refuses_grad_cam_from_with_or_without_normalise(answer, capsys):
    assert ex.check_grad_cam(answer) is False
    assert "course_utils.saliency.grad_cam_from" in last_line(capsys)


def test_10_2_accepts_its_own_formula_and_names_a_missing_normalisation(capsys):
    assert ex.check_grad_cam(own_grad_cam) is True
    assert ex.check_grad_cam(lambda a, g: np.maximum((a * g.mean(axis=(0, 1))).sum(-1), 0)) is False
    assert "divide by the maximum" in last_line(capsys)


def test_10_1_refuses_occlude_and_10_3_refuses_occlusion_map(capsys):
    assert ex.check_occlude(lambda im, t, left, s: saliency.occlude(im, t, left, s)) is False
    assert "course_utils.saliency.occlude" in last_line(capsys)

    def via_library(predict, image, class_index, patch_sizes, fill):
        p = predict.predict(image[None])[0, class_index]
        maps = {s: p - saliency.occlusion_map(predict, image, class_index, s, s // 2, fill)
                for s in patch_sizes}
        scores = {s: float(np.mean(m > m.max() / 2)) for s, m in maps.items()}
        return maps, scores, min(scores, key=scores.get)

    assert ex.check_occlusion_drops(via_library) is False
    assert "course_utils.saliency.occlusion_map" in last_line(capsys)


def own_auc(fractions, p):
    return float(np.trapezoid(p, fractions) / (fractions[-1] - fractions[0]))


@pytest.mark.parametrize("answer, text", [
    (lambda f, p: float(np.mean(p)), "not evenly spaced"),
    (lambda f, p: float(np.trapezoid(p, f)), "divide the area by the span"),
    (lambda f, p: float(np.trapezoid(p, f) / f[-1]), "not by the last fraction"),
    (lambda f, p: float(np.sum(np.diff(f) * p[:-1]) / (f[-1] - f[0])), "left end only"),
    (lambda f, p: float(saliency.deletion_auc(f, p)[0]), "course_utils.saliency.deletion_auc"),
    (lambda f, p: "0.5", "expected a number"),
])
def test_10_4_names_the_typical_mistakes(answer, text, capsys):
    assert nb10.check_deletion_auc(answer) is False
    line = last_line(capsys)
    assert line.startswith("✗ Exercise 10.4") and text in line, line


def test_10_4_accepts_the_trapezoid_rule(capsys):
    assert nb10.check_deletion_auc(own_auc) is True
    assert last_line(capsys).startswith("✓ Exercise 10.4: correct")
    assert ex.spec("check_deletion_auc").exercise == "10.4"
