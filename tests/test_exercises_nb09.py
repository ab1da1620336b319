"""Exercise 9.3's check: a choice of cut over seeds, not one seed, not the course's own grid."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import exercises as ex
from course_utils import transfer


def pick_cut(train, y_train, val, y_val, lr, seeds=(0, 1, 2)):
    """The answer: mean validation accuracy of the heads of ``seeds``, best cut."""
    return max(train, key=lambda cut: np.mean([
        transfer.train_softmax_head(train[cut], y_train, lr, seed=s).accuracy(val[cut], y_val)
        for s in seeds]))


def test_the_answer_passes():
    assert ex.check_pick_cut(pick_cut) is True


def test_every_one_seed_choice_is_rejected(capsys):
    for seed in (0, 1, 2):
        assert ex.check_pick_cut(lambda *a, s=seed: pick_cut(*a, seeds=(s,))) is False
        assert "one seed is not enough" in capsys.readouterr().out


def test_the_course_grid_is_refused(capsys):
    def with_grid(train, y_train, val, y_val, lr):
        grid = transfer.validation_grid({s: train for s in (0, 1, 2)}, {s: y_train for s in
                                        (0, 1, 2)}, val, y_val, [lr])
        return max(grid, key=lambda cut: grid[cut][lr])

    assert ex.check_pick_cut(with_grid) is False
    assert "validation_grid" in capsys.readouterr().out


def relative_change(before, after):
    """Exercise 9.4's answer: one Frobenius norm over all the arrays."""
    moved = sum(np.sum((np.asarray(a) - np.asarray(b)) ** 2)
                for b, a in zip(before, after, strict=True))
    return float(np.sqrt(moved / sum(np.sum(np.asarray(b) ** 2) for b in before)))


def test_the_relative_change_passes_and_matches_the_course():
    assert ex.check_relative_change(relative_change) is True
    w = [np.ones((2, 2)), np.full(3, 2.0)]
    assert np.isclose(relative_change(w, [1.01 * x for x in w]), 0.01)
    assert np.isclose(relative_change(w, [1.01 * x for x in w]),
                      transfer.filter_change(w, [1.01 * x for x in w]))


@pytest.mark.parametrize("wrong, hint", [
    (lambda b, a: float(np.mean([np.linalg.norm(np.subtract(y, x)) / np.linalg.norm(x)
                                 for x, y in zip(b, a, strict=True)])),
     "not the mean of each array's ratio"),
    (lambda b, a: relative_change(b, a) * np.sqrt(sum(np.sum(np.square(x)) for x in b)
                                                  / sum(np.sum(np.square(x)) for x in a)),
     "BEFORE fine-tuning"),
    (lambda b, a: relative_change(b, a) ** 2, "square roots"),
    (lambda b, a: transfer.filter_change(b, a), "write it yourself"),
])
def test_typical_mistakes_fail_with_their_hint(wrong, hint, capsys):
    assert ex.check_relative_change(wrong) is False
    assert hint in capsys.readouterr().out
