"""course_utils.exercises core: report, attempt, compare_*."""

import numpy as np
import pytest

from course_utils import exercises as ex


def test_report_prints_verdict(capsys):
    assert ex.report("0.1", True) is True
    assert ex.report("0.1", False, "expected 3") is False
    assert capsys.readouterr().out.splitlines() == [
        "✓ Exercise 0.1: correct", "✗ Exercise 0.1: expected 3"]


def stub(*args):
    raise NotImplementedError


@pytest.mark.parametrize("fn, message", [
    (stub, "not implemented yet"),
    (lambda: 1 / 0, "raised ZeroDivisionError: division by zero"),
    (None, "expected a function, got NoneType"),
])
def test_attempt_turns_student_errors_into_messages(fn, message):
    assert ex.attempt(fn) == (False, message)


def test_attempt_returns_the_result():
    assert ex.attempt(lambda a, b=1: a + b, 2, b=3) == (True, 5)


@pytest.mark.parametrize("answer, passed, text", [
    (None, False, "no answer yet"),
    ("abc", False, "expected an array"),
    (np.zeros(3), False, "expected shape (2, 2), got (3,)"),
    (np.eye(2), False, "values differ, e.g. at index (0, 0)"),
    ([[0, 1], [1, 0]], True, "correct"),
])
def test_compare_arrays(answer, passed, text, capsys):
    assert ex.compare_arrays("1.1", answer, np.array([[0, 1], [1, 0]])) is passed
    assert text in capsys.readouterr().out


@pytest.mark.parametrize("answer, passed, text", [
    (None, False, "no answer yet"), ("152", False, "expected a number, got str"),
    (True, False, "expected a number, got bool"), (151, False, "got 151"), (152, True, "correct"),
])
def test_compare_numbers(answer, passed, text, capsys):
    assert ex.compare_numbers("3.1", answer, 152) is passed
    assert text in capsys.readouterr().out


def test_check_keras_layout(capsys):
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)  # (1, 2, 2)
    good = (images / 255.0).astype(np.float32)[..., None]
    assert ex.check_keras_layout(good, images)
    assert not ex.check_keras_layout(good.astype(np.float64), images)
    assert not ex.check_keras_layout(good[..., 0], images)  # missing channel axis
    assert not ex.check_keras_layout(None, images)
    out = capsys.readouterr().out
    assert "expected dtype float32, got float64" in out and "expected shape (1, 2, 2, 1)" in out


def test_check_class_counts(capsys):
    labels = np.array([0, 1, 1, 3])
    assert ex.check_class_counts(np.bincount(labels, minlength=10), labels)
    assert not ex.check_class_counts(np.bincount(labels), labels)  # forgot the empty classes
    assert "expected shape (10,), got (4,)" in capsys.readouterr().out
