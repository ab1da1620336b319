"""The exercise checks of notebooks 01-10 (course_utils.exercises), moved here from the test
files of the modules they exercise (issue 11: tests mirror modules).

Every check must pass on the instructor's answer and report (never raise) on a stub: None, a
function raising NotImplementedError, a wrong shape or a wrong value. To be folded into
tests/test_exercises.py by the exercises module's owner.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import conv, saliency
from course_utils import embeddings as emb
from course_utils import exercises as ex
from course_utils.models import lecture
from tests.conftest import keras_early_stop_epoch
from tests.conftest import not_implemented as stub

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
         [None, stub, lambda im: np.zeros(3), lambda im: box_height(im) + 1]),
        (ex.check_dense_vs_conv, (1_573_376, 896),
         [None, (1_572_864, 896), (1_573_376, 864), "1573376", (1, 2, 3), (True, 896)]),
        (ex.check_correlate2d, conv.correlate2d,
         [None, stub, conv.convolve2d, lambda a, k: a, lambda a, k: "x"]),
        (ex.check_shift_kernel, [[0, 0, 0], [1, 0, 0], [0, 0, 0]],
         [None, [[0, 0, 0], [0, 0, 1], [0, 0, 0]], np.eye(3), np.ones(4), [["a"]]]),
        (ex.check_max_pool, lambda x: conv.max_pool2d(x, 2),
         [None, stub, lambda x: x, lambda x: conv.avg_pool2d(x, 2)]),
        (ex.check_output_size, lambda n, f, p, s: (n + 2 * p - f) // s + 1,
         [None, stub, lambda n, f, p, s: (n + 2 * p - f) / s + 1,
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


def test_exercise_checks_of_notebook_06(capsys):
    from course_utils import exercises as ex

    def rf_size(kernels, strides):
        size, jump = 1, 1
        for k, s in zip(kernels, strides, strict=True):
            size, jump = size + (k - 1) * jump, jump * s
        return size

    assert ex.check_rf_size(rf_size)
    assert not ex.check_rf_size(stub) and not ex.check_rf_size(None)
    assert not ex.check_rf_size(lambda ks, ss: 1 + sum(k - 1 for k in ks))
    assert "multiply the jumps" in capsys.readouterr().out
    assert ex.check_n_3x3_layers(14)
    assert not any(ex.check_n_3x3_layers(a) for a in (None, 13, 15, 14.0, "14"))
    assert ex.check_dilations([1, 2, 4, 8]) and ex.check_dilations((1, 3, 9, 1))
    assert not ex.check_dilations([1, 1, 1])  # too small
    assert not ex.check_dilations([1, 4, 16])  # holes
    assert "gridding" in capsys.readouterr().out
    assert not any(ex.check_dilations(a) for a in (None, 5, [0, 20], [1, 2, 4, 8, 16]))


def test_exercise_checks_of_notebook_07(capsys):
    from keras import layers

    from course_utils import exercises as ex

    assert ex.check_conv_mult_adds(lambda h, w, f, k, c: h * w * f * k * k * c)
    assert not ex.check_conv_mult_adds(lambda h, w, f, k, c: h * w * f * k * c)
    assert "square it" in capsys.readouterr().out
    assert not ex.check_conv_mult_adds(stub) and not ex.check_conv_mult_adds(None)

    def block(x, filters, stride):
        shortcut = x
        if stride != 1 or x.shape[-1] != filters:
            shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False)(x)
            shortcut = layers.BatchNormalization()(shortcut)
        y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)
        y = layers.ReLU()(layers.BatchNormalization()(y))
        y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(y)
        y = layers.BatchNormalization()(y)
        return layers.ReLU()(layers.Add()([shortcut, y]))

    assert ex.check_basic_block(block)
    assert not ex.check_basic_block(stub) and not ex.check_basic_block(lambda x, f, s: 3)
    assert not ex.check_basic_block(lambda x, f, s: layers.Conv2D(f, 3, s, padding="same")(x))
    assert "no Add layer" in capsys.readouterr().out
    assert ex.check_vgg_row(2_359_808)
    assert not any(ex.check_vgg_row(a) for a in (None, 2_359_880, "2,359,808"))
    assert "typo" in capsys.readouterr().out


def test_check_occlude_and_grad_cam():
    def stub(*args):
        raise NotImplementedError

    def no_clip(image, top, left, size):
        out = image.copy()
        out[top:top + size, left:left + size] = 127.0
        return out

    assert ex.check_occlude(lambda im, top, left, s: saliency.occlude(im, top, left, s))
    assert ex.check_occlude(no_clip)  # NumPy slicing clips by itself
    assert not ex.check_occlude(stub)

    def in_place(image, top, left, size):
        image[top:top + size, left:left + size] = 127.0
        return image

    assert not ex.check_occlude(in_place)
    assert ex.check_grad_cam(saliency.grad_cam_from)
    assert not ex.check_grad_cam(stub)
    assert not ex.check_grad_cam(lambda a, g: (a * g.mean(axis=(0, 1))).sum(-1))  # no ReLU/max


def test_check_pairwise_l2(capsys):
    assert ex.check_pairwise_l2(emb.pairwise_l2)
    assert not ex.check_pairwise_l2(stub)
    assert not ex.check_pairwise_l2(lambda a, b: (a[:, None] - b[None]).sum(-1))
    assert not ex.check_pairwise_l2(None)
    assert "not implemented yet" in capsys.readouterr().out


def test_check_knn_predict():
    def knn(train_x, train_y, test_x, k):
        idx, _ = emb.nearest_neighbors(test_x, train_x, k)
        return (train_y[idx].mean(axis=1) > 0.5).astype(int)

    assert ex.check_knn_predict(knn)
    assert not ex.check_knn_predict(stub)
    assert not ex.check_knn_predict(lambda tx, ty, x, k: np.zeros(3))


def test_check_top_k_accuracy():
    def top_k(probs, labels, k):
        top = np.argsort(-probs, axis=1)[:, :k]
        return float(np.mean([label in row for label, row in zip(labels, top, strict=True)]))

    assert ex.check_top_k_accuracy(top_k)
    assert not ex.check_top_k_accuracy(stub)
    assert not ex.check_top_k_accuracy(lambda p, y, k: "0.5")
    assert not ex.check_top_k_accuracy(lambda p, y, k: 0.5)


def test_check_transfer_head():
    import keras

    base = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3),
                             keras.layers.GlobalAveragePooling2D()])

    def head(base, n_classes):
        base.trainable = False
        return keras.Sequential([base, keras.layers.Dense(n_classes, activation="softmax")])

    assert not ex.check_transfer_head(stub, base, 3)
    assert not ex.check_transfer_head(lambda b, n: keras.Sequential(
        [b, keras.layers.Dense(n, activation="softmax")]), base, 3)  # base not frozen
    assert ex.check_transfer_head(head, base, 3)
    assert not ex.check_transfer_head(lambda b, n: keras.Sequential(
        [b, keras.layers.Dense(16), keras.layers.Dense(n)]), base, 3)  # extra hidden layer


@settings(max_examples=40, deadline=None)
@given(losses=st.lists(st.sampled_from([0.5, 0.6, 0.7, 0.8, 0.9, 1.0]), min_size=1, max_size=12),
       patience=st.integers(1, 4))
def test_reference_early_stop_epoch_agrees_with_keras(losses, patience):
    from course_utils.exercises import _early_stop_epoch

    assert _early_stop_epoch(losses, patience) == keras_early_stop_epoch(losses, patience)


def test_check_early_stop_epoch(capsys):
    from course_utils import exercises as ex

    assert ex.check_early_stop_epoch(keras_early_stop_epoch)
    assert not ex.check_early_stop_epoch(lambda losses, patience: len(losses) - 1)
    assert "expected" in capsys.readouterr().out

    def stub(losses, patience):
        raise NotImplementedError

    assert not ex.check_early_stop_epoch(stub)
    assert "not implemented yet" in capsys.readouterr().out


def test_check_lr_logger(capsys):
    from course_utils import exercises as ex

    class Logger(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.rates = []

        def on_epoch_end(self, epoch, logs=None):
            self.rates.append(float(self.model.optimizer.learning_rate))

    assert ex.check_lr_logger(Logger)

    class Stub(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise NotImplementedError

    assert not ex.check_lr_logger(Stub)
    assert "not implemented yet" in capsys.readouterr().out

    class NoList(keras.callbacks.Callback):
        pass

    assert not ex.check_lr_logger(NoList)
    assert "list attribute `rates`" in capsys.readouterr().out
    assert not ex.check_lr_logger(None)
    assert not ex.check_lr_logger(dict)


def test_check_lenet_params(capsys):
    from course_utils import exercises as ex

    def solution(c_in):
        return lecture.lenet5(input_shape=(32, 32, c_in)).count_params()

    assert ex.check_lenet_params(solution)
    assert "61,706" in capsys.readouterr().out
    assert not ex.check_lenet_params(lambda c_in: 61_706)  # forgot the channels
    assert "only the first convolution" in capsys.readouterr().out
    assert not ex.check_lenet_params(lambda c_in: str(c_in))
    assert not ex.check_lenet_params(None)

    def stub(c_in):
        raise NotImplementedError

    assert not ex.check_lenet_params(stub)
    assert "not implemented yet" in capsys.readouterr().out


def test_check_mlp_baseline(capsys):
    from course_utils import exercises as ex

    assert ex.check_mlp_baseline(lecture.mlp_baseline)
    assert "86,950" in capsys.readouterr().out
    assert not ex.check_mlp_baseline(lambda: lecture.mlp_baseline(n_hidden=120))
    assert "84 and 10 units" in capsys.readouterr().out
    assert not ex.check_mlp_baseline(lambda: lecture.mlp_baseline(input_shape=(28, 28, 1)))
    assert "(None, 32, 32, 1)" in capsys.readouterr().out
    unbuilt = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(84),
                                keras.layers.Dense(10)])
    assert not ex.check_mlp_baseline(lambda: unbuilt)
    assert "keras.Input" in capsys.readouterr().out
    assert not ex.check_mlp_baseline(lambda: None)
    assert "expected a Keras model" in capsys.readouterr().out
