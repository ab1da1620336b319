"""Tests of the notebook 01-03 sections of course_utils.exercises and course_utils.plotting.

Every check must pass on the instructor's answer and report (never raise) on a stub: None, a
function raising NotImplementedError, a wrong shape or a wrong value.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import conv, plotting  # noqa: E402
from course_utils import exercises as ex  # noqa: E402


def not_implemented(*args):
    raise NotImplementedError


IMAGES = np.zeros((5, 28, 28), np.uint8)
IMAGES[1, 3:9, 4] = 255
IMAGES[2, 10, :] = 200
IMAGES[3, 27, 0] = 128
IMAGES[4, 0:28, 10] = 90  # below the ink threshold: height 0


def box_height(images):
    rows = (images > 127).any(axis=2)
    first, last = rows.argmax(axis=1), 27 - rows[:, ::-1].argmax(axis=1)
    return np.where(rows.any(axis=1), last - first + 1, 0)


@pytest.mark.parametrize(
    ("check", "right", "wrong_answers"),
    [
        (lambda a: ex.check_bounding_box_height(a, IMAGES), box_height,
         [None, not_implemented, lambda im: np.zeros(3), lambda im: box_height(im) + 1]),
        (ex.check_dense_vs_conv, (1_573_376, 896),
         [None, (1_572_864, 896), (1_573_376, 864), "1573376", (1, 2, 3), (True, 896)]),
        (ex.check_correlate2d, conv.correlate2d,
         [None, not_implemented, conv.convolve2d, lambda a, k: a, lambda a, k: "x"]),
        (ex.check_shift_kernel, [[0, 0, 0], [1, 0, 0], [0, 0, 0]],
         [None, [[0, 0, 0], [0, 0, 1], [0, 0, 0]], np.eye(3), np.ones(4), [["a"]]]),
        (ex.check_max_pool, lambda x: conv.max_pool2d(x, 2),
         [None, not_implemented, lambda x: x, lambda x: conv.avg_pool2d(x, 2)]),
        (ex.check_output_size, lambda n, f, p, s: (n + 2 * p - f) // s + 1,
         [None, not_implemented, lambda n, f, p, s: (n + 2 * p - f) / s + 1,
          lambda n, f, p, s: (n + p - f) // s + 1]),
        (ex.check_layer_answer, (32, 32, 16, 1216),
         [None, (30, 30, 16, 1216), (32, 32, 16, 1200), (32, 32, 16), "x"]),
        (ex.check_conv_ops, 389_376, [None, 194_688, 1.5, "389376"]),
    ],
)
def test_checks_pass_right_answer_and_report_wrong_ones(check, right, wrong_answers, capsys):
    assert check(right) is True
    assert "✓" in capsys.readouterr().out
    for wrong in wrong_answers:
        assert check(wrong) is False
        assert "✗" in capsys.readouterr().out


def test_check_messages_are_helpful(capsys):
    ex.check_correlate2d(conv.convolve2d)
    assert "flipped" in capsys.readouterr().out
    ex.check_shift_kernel([[0, 0, 0], [0, 0, 1], [0, 0, 0]])
    assert "LEFT" in capsys.readouterr().out
    ex.check_conv_ops(194_688)
    assert "only the multiplications" in capsys.readouterr().out
    ex.check_dense_vs_conv((1_572_864, 896))
    assert "biases" in capsys.readouterr().out


def test_matrix_figure_draws_values_and_boxes():
    fig = plotting.matrix_figure([np.eye(3), np.array([[1.5, -2]])], ["a", "b"], ["∗"],
                                 boxes=[(0, 0, 0, 2, 2)])
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "1" in texts and "1.50" in texts and "∗" in texts
    assert len(fig.axes[0].patches) == 1
    plt.close(fig)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (([np.eye(2)], ["a", "b"]), "expected 1 titles"),
        (([np.eye(2), np.eye(2)], None, ["∗", "="]), "expected 1 symbols"),
        (([np.ones((2, 2, 2))],), "2-D matrices"),
        (([],), "2-D matrices"),
    ],
)
def test_matrix_figure_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        plotting.matrix_figure(*args)


def test_conv_arithmetic_figure_title_and_cells():
    fig = plotting.conv_arithmetic_figure(6, 3, stride=2, padding="valid")
    assert "⌊(6 − 3)/2⌋ + 1 = 2" in fig.texts[0].get_text()
    assert "1 pixel(s) ignored" in fig.texts[0].get_text()
    ax_in, ax_out = fig.axes
    assert len(ax_out.patches) == 4  # 2×2 output cells
    plt.close(fig)
    fig = plotting.conv_arithmetic_figure(4, 3, stride=2, padding="same")
    assert "padding 0/1" in fig.axes[0].get_title()
    plt.close(fig)
    with pytest.raises(ValueError, match="larger than the padded input"):
        plotting.conv_arithmetic_figure(2, 5)


def test_conv_explorer_without_kernel_is_a_static_figure():
    fig = plotting.conv_explorer(n=5, kernel=3, stride=1, padding="valid")
    assert isinstance(fig, matplotlib.figure.Figure)
    plt.close(fig)


def test_static_fallback_bundle_carries_png():
    class FakeWidget:
        def _repr_mimebundle_(self, **kwargs):
            return {"application/vnd.jupyter.widget-view+json": {"model_id": "x"}}

    bundle = plotting._StaticFallback(FakeWidget(), b"\x89PNG")._repr_mimebundle_()
    assert set(bundle) == {"application/vnd.jupyter.widget-view+json", "image/png", "text/plain"}
