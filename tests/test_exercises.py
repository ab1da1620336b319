"""course_utils.exercises: the check builder, and every check_* on the reference answer, on each
typical mistake (with its hint) and on a stub (a clean ✗ line, never a traceback).

(The checks' tests formerly in tests/test_exercises_notebooks.py are folded in here.)
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial.distance import cdist

from course_utils import conv, saliency, transfer
from course_utils import embeddings as emb
from course_utils import exercises as ex
from course_utils.models import lecture
from tests.conftest import keras_early_stop_epoch
from tests.conftest import not_implemented as stub


def returns_none(*args):
    return None


def one_line(capsys) -> str:
    """The single line a check printed."""
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


# --- the builder ------------------------------------------------------------------------------

def test_report_prints_verdict(capsys):
    assert ex.report("0.1", True) is True
    assert ex.report("0.1", True, "3 cases") is True
    assert ex.report("0.1", False, "expected 3") is False
    assert ex.report("0.1", False) is False
    assert capsys.readouterr().out.splitlines() == [
        "✓ Exercise 0.1: correct", "✓ Exercise 0.1: correct (3 cases)",
        "✗ Exercise 0.1: expected 3", "✗ Exercise 0.1: not correct yet"]


@pytest.mark.parametrize("fn, message", [
    (stub, "not implemented yet"),
    (lambda: 1 / 0, "raised ZeroDivisionError: division by zero"),
    (None, "expected a function, got NoneType"),
])
def test_attempt_turns_student_errors_into_messages(fn, message):
    assert ex.attempt(fn) == (False, message)


def test_attempt_returns_the_result():
    assert ex.attempt(lambda a, b=1: a + b, 2, b=3) == (True, 5)


@pytest.mark.parametrize("compare, got, want, reveal, message", [
    (ex.exact, 3, 3, False, None),
    (ex.exact, np.int64(3), 3, True, None),
    (ex.exact, 4, 3, False, "got 4, which is not right yet"),
    (ex.exact, 4_000, 3_000, True, "expected 3,000, got 4,000"),
    (ex.exact, True, 1, True, "expected a whole number, got True"),
    (ex.exact, 3.0, 3, False, "expected a whole number, got 3.0"),
    (ex.exact, 3, None, True, "expected None, got 3"),
    (ex.exact, np.zeros(2), (0, 0), True, "expected (0, 0), got array([0., 0.])"),
    (ex.number(), 152.0, 152, False, None),
    (ex.number(), 151, 152, False, "got 151, which is not right yet"),
    (ex.number(), 0.5, 0.25, True, "expected 0.25, got 0.5"),
    (ex.number(), "152", 152, False, "expected a number, got str"),
    (ex.number(), True, 1, False, "expected a number, got bool"),
    (ex.array(), [[0, 1], [1, 0]], np.array([[0, 1], [1, 0]]), False, None),
    (ex.array(), "abc", np.eye(2), False, "expected an array, got str"),
    (ex.array(), None, np.eye(2), False, "expected an array, got NoneType"),
    (ex.array(), np.zeros(3), np.eye(2), False, "expected shape (2, 2), got (3,)"),
    (ex.array(), np.eye(2), np.ones((2, 2)), False, "values differ, e.g. at index (0, 1)"),
    (ex.array(dtype=np.float32), np.eye(2), np.eye(2), False,
     "expected dtype float32, got float64"),
    (ex.named(("a", "b")), (1, 2), (1, 2), False, None),
    (ex.named(("a", "b")), [1, 3], (1, 2), False, "b: got 3, which is not right yet"),
    (ex.named(("a", "b")), (1, 2, 3), (1, 2), False, "expected 2 values (a, b), got (1, 2, 3)"),
])
def test_comparisons(compare, got, want, reveal, message):
    assert compare(got, want, reveal) == message


def test_value_check_hides_the_answer_and_gives_the_first_matching_hint(capsys):
    hints = [(lambda a, w: a.missing, "never shown: the predicate raises"),
             (lambda a, w: a == w - 1, lambda a, w: f"{a} is one short"),
             (lambda a, w: True, "never shown: an earlier hint matched")]
    assert not ex.check("9.9", 41, 42, hints=hints)
    assert one_line(capsys) == "✗ Exercise 9.9: got 41, which is not right yet (41 is one short)"
    assert ex.check("9.9", 42, 42, hints=hints, success=lambda a: f"{a} indeed")
    assert one_line(capsys) == "✓ Exercise 9.9: correct (42 indeed)"


@pytest.mark.parametrize("answer", [None, ...])
def test_value_check_on_no_answer(answer, capsys):
    assert not ex.check("9.9", answer, 42)
    assert one_line(capsys).startswith("✗ Exercise 9.9: no answer yet (got ")


def test_function_check_names_the_failing_case(capsys):
    cases = [(1, 2), (3, 4)]
    assert ex.check("9.9", lambda a, b: a + b, lambda a, b: a + b, cases=cases, success="2 cases")
    assert one_line(capsys) == "✓ Exercise 9.9: correct (2 cases)"
    assert not ex.check("9.9", lambda a, b: 3, lambda a, b: a + b, cases=cases)
    assert one_line(capsys) == "✗ Exercise 9.9: 3, 4: expected 7, got 3"
    assert not ex.check("9.9", lambda a, b: 3, lambda a, b: a + b, cases=cases,
                        label="a={}, b={}")
    assert one_line(capsys) == "✗ Exercise 9.9: a=3, b=4: expected 7, got 3"
    assert not ex.check("9.9", lambda a, b: 3, lambda a, b: a + b, cases=cases, label="")
    assert one_line(capsys) == "✗ Exercise 9.9: expected 7, got 3"


@pytest.mark.parametrize("fn, message", [
    (stub, "✗ Exercise 9.9: not implemented yet"),
    (returns_none, "✗ Exercise 9.9: array of shape (2,): expected an array, got NoneType "
                   "(your function returned None: did you forget `return`?)"),
    (lambda x: x[5], "✗ Exercise 9.9: array of shape (2,): raised IndexError: index 5 is out "
                     "of bounds for axis 0 with size 2"),
    (np.negative, None),
    (42, "✗ Exercise 9.9: expected a function, got int"),
])
def test_function_check_on_stubs_and_errors(fn, message, capsys):
    passed = ex.check("9.9", fn, np.negative, cases=[(np.array([1.0, 2.0]),)],
                      compare=ex.array())
    assert passed is (message is None)
    assert one_line(capsys) == (message or "✓ Exercise 9.9: correct")


def test_function_check_rejects_changing_the_input(capsys):
    def negate_in_place(x):
        x *= -1
        return x

    assert not ex.check("9.9", negate_in_place, np.negative, cases=[(np.array([1.0, 2.0]),)],
                        compare=ex.array(), label="")
    assert one_line(capsys) == ("✗ Exercise 9.9: your function changed its argument 1 in place: "
                                "work on a copy")


def test_convert_reports_wrong_forms(capsys):
    def as_int(answer):
        if not isinstance(answer, str):
            raise ex.NotRight(f"expected a string, got {type(answer).__name__}")
        return int(answer)

    assert ex.check("9.9", "42", 42, convert=as_int)
    assert not ex.check("9.9", 42, 42, convert=as_int)
    assert not ex.check("9.9", "x", 42, convert=as_int)
    assert capsys.readouterr().out.splitlines()[1:] == [
        "✗ Exercise 9.9: expected a string, got int",
        "✗ Exercise 9.9: raised ValueError: invalid literal for int() with base 10: 'x'"]


# --- every check: the reference passes, each typical mistake gets its hint, a stub is clean ---

IMAGES = np.zeros((6, 28, 28), np.uint8)
IMAGES[0, 3:9, 4:20] = 255       # 6 rows, 16 columns
IMAGES[1, 10, :] = 200           # 1 row, 28 columns
IMAGES[2, 27, 0] = 128           # the last row only
IMAGES[3, 0:28, 10] = 90         # below the ink threshold: height 0
IMAGES[4, 5:7, 2:9] = 255
IMAGES[4, 12, 3] = 127           # exactly the threshold: not ink
IMAGES[5, 2:4, 2:3] = 255


def box_height(images, threshold=127):
    rows = (images > threshold).any(axis=2)
    first, last = rows.argmax(axis=1), 27 - rows[:, ::-1].argmax(axis=1)
    return np.where(rows.any(axis=1), last - first + 1, 0)


def correlate_valid(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(kernel * image[r:r + kh, c:c + kw])
    return out


def lenet(c_in, bias=1):
    return ((25 * c_in + bias) * 6 + (150 + bias) * 16 + (400 + bias) * 120 + (120 + bias) * 84
            + (84 + bias) * 10)


def early_stop(val_losses, patience, better=lambda loss, best: loss < best, base=0,
               at_end=None):
    best, waited = float("inf"), 0
    for epoch, loss in enumerate(val_losses):
        if better(loss, best):
            best, waited = loss, 0
        else:
            waited += 1
            if waited >= patience:
                return epoch + base
    return at_end if at_end is None else len(val_losses) - 1


def rf_size(kernels, strides, multiply=True, jump_first=False):
    size, jump = 1, 1
    for k, s in zip(kernels, strides, strict=True):
        jump *= s if jump_first else 1
        size += (k - 1) * jump
        jump *= s if multiply and not jump_first else 1
    return size


def knn(train_x, train_y, test_x, k, vote=True):
    nearest = np.argsort(cdist(test_x, train_x), axis=1)[:, :k]
    return np.array([np.bincount(v).argmax() for v in train_y[nearest]]) if vote \
        else train_y[nearest]


def choose_k_answer(x, y, ks, on_itself=False, worst=False):
    held = np.arange(len(y)) % 5 == 0
    tx, ty, qx, qy = (x, y, x, y) if on_itself else (x[~held], y[~held], x[held], y[held])
    accuracy = [np.mean(knn(tx, ty, qx, k) == qy) for k in ks]
    return ks[int(np.argmin(accuracy) if worst else np.argmax(accuracy))]


def pick_cut_answer(train, y_train, val, y_val, lr, seeds=(0, 1, 2)):
    return max(train, key=lambda cut: np.mean([
        transfer.train_softmax_head(train[cut], y_train, lr, seed=s).accuracy(val[cut], y_val)
        for s in seeds]))


def top_k(probs, labels, k, sign=-1, scale=1.0):
    top = np.argsort(sign * probs, axis=1)[:, :k]
    return scale * float(np.mean([label in row for label, row in zip(labels, top, strict=True)]))


def occlude_at(fill=127.0, swap=False):
    def occlude(image, top, left, size):
        out = np.array(image, dtype="float32")
        top, left = (left, top) if swap else (top, left)
        out[top:top + size, left:left + size] = fill
        return out
    return occlude


def grad_cam(maps, gradients, relu=True, normalise=True, per_pixel=False):
    cam = (maps * gradients).sum(-1) if per_pixel else (maps * gradients.mean(axis=(0, 1))).sum(-1)
    cam = np.maximum(cam, 0) if relu else cam
    return cam / cam.max() if normalise and cam.max() > 0 else cam


IMAGES_F32 = (IMAGES / 255.0).astype(np.float32)[..., None]
PER_CLASS = [lambda cm: np.diag(cm) / cm.sum(axis=1)]

# exercise: (check, reference answer, [(typical mistake, text its ✗ line must contain), ...])
def bars(n=160, seed=0):
    """Toy images for 1.3: class 0 has one vertical bar 4 px wide, class 1 two bars 2 px wide
    (the same ink area); ``base`` (area, noise) cannot tell them apart."""
    rng = np.random.default_rng(seed)
    images, labels = np.zeros((n, 28, 28), np.uint8), np.arange(n) % 2
    for image, label in zip(images, labels, strict=True):
        top, height, col = rng.integers(2, 8), rng.integers(10, 18), rng.integers(2, 12)
        cols = [col, col + 1, col + 2, col + 3] if label == 0 else [col, col + 1, col + 8, col + 9]
        image[top:top + height, cols] = 255
    base = np.stack([(images > 127).sum(axis=(1, 2)), rng.normal(size=n)], axis=1)
    return images, labels, base


BARS = bars()


def ink_runs(images):
    ink = images > 127
    starts = ink[:, :, 1:] & ~ink[:, :, :-1]
    return (starts.sum(axis=2) + ink[:, :, 0]).max(axis=1)       # (N,): accepted as (N, 1)


def kernel_by_least_squares(images, targets, init, flip=False, transpose=False, sign=1.0):
    """A right answer to 2.4 without TensorFlow: the kernel that fits the targets best."""
    patches = np.concatenate([conv.im2col(image, 3, padding="same").T for image in images])
    kernel = np.linalg.lstsq(patches, targets.reshape(-1), rcond=None)[0].reshape(3, 3)
    kernel = kernel[::-1, ::-1] if flip else kernel
    return sign * (kernel.T if transpose else kernel)


def valid_padding(images, targets, init):
    raise ValueError("Incompatible shapes: [4,14,14,1] vs. [4,16,16,1]")


KERNEL_IMAGES = np.random.default_rng(5).normal(size=(4, 16, 16)).astype(np.float32)


def _digit_net(*kinds: str) -> keras.Model:
    """A small 28×28×1 network for exercise 6.4: "conv" (3×3, ReLU), "pool2"/"pool3" (max
    pooling), "stride4" (a 3×3 conv with stride 4)."""
    layers = {"conv": lambda: keras.layers.Conv2D(4, 3, activation="relu"),
              "pool2": lambda: keras.layers.MaxPooling2D(2),
              "pool3": lambda: keras.layers.MaxPooling2D(3),
              "stride4": lambda: keras.layers.Conv2D(4, 3, strides=4, activation="relu")}
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((28, 28, 1))] + [layers[k]() for k in kinds])


def welch(runs, equal_var=False, alternative="two-sided"):
    """Exercise 5.5 written independently: {variant: p-value} of scipy's t-test vs "recipe"."""
    return {name: stats.ttest_ind(runs["recipe"], scores, equal_var=equal_var,
                                  alternative=alternative).pvalue
            for name, scores in runs.items() if name != "recipe"}


def seeds(effect, sd, k):
    """Exercise 5.6 by search: the first n >= 2 with k·sd·√(2/n) < |effect|."""
    n = 2
    while k * sd * math.sqrt(2 / n) >= abs(effect):
        n += 1
    return n


CHECKS = {
    "0.1": (lambda a: ex.check_keras_layout(a, IMAGES), IMAGES_F32, [
        (IMAGES_F32.astype(np.float64), "expected dtype float32, got float64"),
        (IMAGES_F32[..., 0], "expected shape (6, 28, 28, 1), got (6, 28, 28) (add the channel"),
        (IMAGES_F32.transpose(0, 3, 1, 2), "Keras puts the channels last"),
        (IMAGES.astype(np.float32)[..., None], "divide by 255"),
    ]),
    "0.2": (lambda a: ex.check_class_counts(a, np.array([0, 1, 1, 3])),
            np.bincount([0, 1, 1, 3], minlength=10), [
        (np.bincount([0, 1, 1, 3]), "expected shape (10,), got (4,) (np.bincount stops at the "
                                    "largest label it sees: pass minlength=10)"),
        (np.bincount([0, 1, 1, 3], minlength=10) / 4, "counts, not fractions"),
    ]),
    "1.1": (lambda f: ex.check_bounding_box_height(f, IMAGES), box_height, [
        (lambda im: box_height(im) - 1, "count both rows: last − first + 1"),
        (lambda im: box_height(im.transpose(0, 2, 1)), "that is the width"),
        (lambda im: box_height(im, 126), "ink means > 127, not ≥ 127"),
        (lambda im: np.where(box_height(im) == 0, 28, box_height(im)),
         "an image without ink has height 0"),
        (lambda im: np.zeros(3), "expected shape (7,), got (3,)"),
    ]),
    "1.2": (ex.check_dense_vs_conv, (1_573_376, 896), [
        ((1_572_864, 896), "Dense(512): got 1,572,864, which is not right yet (did you count "
                           "the biases?)"),
        ((1_573_376, 864), "Conv2D(32, 3×3): got 864, which is not right yet (did you count"),
        ((1025 * 512, 896), "the flattened image has 32·32·3 inputs"),
        ((1_573_376, 320), "each 3×3 filter spans all 3 channels"),
        ((1_573_376, 896 * 30 * 30), "shares its weights"),
        ((True, 896), "expected a whole number, got True"),
        ("1573376", "expected 2 values (Dense(512), Conv2D(32, 3×3)), got '1573376'"),
    ]),
    "2.1": (ex.check_correlate2d, correlate_valid, [
        (conv.convolve2d, "image (4, 4) with kernel (3, 3): values differ, e.g. at index"),
        (lambda a, k: scipy.signal.convolve2d(a, k, "valid"), "the kernel is flipped"),
        (lambda a, k: conv.correlate2d(a, k, padding="same"), "valid: no padding"),
        (lambda a, k: correlate_valid(a, k)[:-1, :-1], "forgot the +1"),
        (lambda a, k: "x", "expected an array, got str"),
    ]),
    "2.2": (ex.check_shift_kernel, [[0, 0, 0], [1, 0, 0], [0, 0, 0]], [
        ([[0, 0, 0], [0, 0, 1], [0, 0, 0]], "values differ, e.g. at index (5, 0) (this moves "
                                            "the image to the LEFT"),
        ([[0, 0, 0], [0, 1, 0], [0, 0, 0]], "the centre weight alone copies the image"),
        ([[0, 1, 0], [0, 0, 0], [0, 0, 0]], "up or down"),
        ([[1, 0, 0], [0, 0, 0], [0, 0, 0]], "up or down"),
        (np.ones(4), "expected a 3×3 kernel, got shape (4,)"),
        ([["a"]], "expected a 3×3 array, got list"),
    ]),
    "2.3": (ex.check_max_pool, lambda x: x[:x.shape[0] // 2 * 2, :x.shape[1] // 2 * 2].reshape(
        x.shape[0] // 2, 2, x.shape[1] // 2, 2).max(axis=(1, 3)), [
        (lambda x: conv.avg_pool2d(x, 2), "x of shape (4, 4): values differ, e.g. at index"),
        (lambda x: conv.avg_pool2d(x, 2), "that is average pooling"),
        (lambda x: conv.max_pool2d(x, 2, stride=1), "the stride defaults to the pool size"),
        (lambda x: x, "2×2 pooling with stride 2 halves each side"),
        (lambda x: conv.max_pool2d(x, 2, padding="same"),
         "x of shape (5, 7): expected shape (2, 3), got (3, 4) (drop the last row/column"),
    ]),
    "1.3": (lambda f: ex.check_new_feature(f, *BARS), ink_runs, [
        (lambda im: np.ones((len(im), 1)), "the same value for every image"),
        (lambda im: BARS[2][:, :1] + 0 * im[:, 0, :1], "repeats a feature the classifier"),
        (lambda im: im.reshape(len(im), -1), "784 numbers per image: a hand-crafted feature"),
        (lambda im: np.full((len(im), 1), np.nan), "NaN or inf"),
        (lambda im: im[:, :3, 0], "validation accuracy"),
        (lambda im: np.ones(5), "expected one row per image"),
    ]),
    "2.4": (lambda f: ex.check_learned_kernel(f, KERNEL_IMAGES), kernel_by_least_squares, [
        (lambda im, t, k0: kernel_by_least_squares(im, t, k0, flip=True), "the target flipped"),
        (lambda im, t, k0: kernel_by_least_squares(im, t, k0, transpose=True),
         "rows and columns swapped"),
        (lambda im, t, k0: ex.SOBEL_X, "but these targets were made by another kernel"),
        (lambda im, t, k0: k0, "hardly moved from `init`"),
        (lambda im, t, k0: k0 * np.nan, "NaN or inf: the loss diverged — lower the learning"),
        (lambda im, t, k0: 1e3 * kernel_by_least_squares(im, t, k0), "the kernel grew huge"),
        (lambda im, t, k0: 0.7 * kernel_by_least_squares(im, t, k0), "close, but not there"),
        (lambda im, t, k0: np.ones((2, 2)), "expected a (3, 3) kernel, got shape (2, 2)"),
        (valid_padding, "differ in shape: padding='SAME' keeps H×W"),
        (lambda im, t, k0: -kernel_by_least_squares(im, t, k0), "flipped = negated"),
    ]),
    "3.1": (ex.check_output_size, lambda n, f, p, s: (n + 2 * p - f) // s + 1, [
        (lambda n, f, p, s: (n + 2 * p - f) / s + 1, "n=4, f=1, p=0, s=1: expected a whole "
                                                     "number, got 4.0 (use // (floor division)"),
        (lambda n, f, p, s: round((n + 2 * p - f) / s) + 1, "round down (floor)"),
        (lambda n, f, p, s: math.ceil((n + 2 * p - f) / s) + 1, "round down (floor)"),
        (lambda n, f, p, s: (n + 2 * p - f) // s, "expected 4, got 3 (forgot the +1"),
        (lambda n, f, p, s: (n + p - f) // s + 1, "padding is added on both sides: n + 2p"),
        (lambda n, f, p, s: n + 2 * p - f + 1, "divide by the stride s"),
    ]),
    "3.2": (ex.check_layer_answer, (32, 32, 16, 1216), [
        ((30, 30, 16, 1216), "H': got 30, which is not right yet (padding='same' gives ⌈n/s⌉"),
        ((64, 64, 16, 1216), "a stride of 2 halves the size"),
        ((32, 32, 16, 1200), "parameters: got 1,200, which is not right yet (did you count the "
                             "biases?)"),
        ((32, 32, 16, 416), "each 5×5 filter spans all 3 channels"),
        ((32, 32, 16), "expected 4 values (H', W', channels, parameters)"),
    ]),
    "3.3": (ex.check_conv_ops, 389_376, [
        (194_688, "got 194,688, which is not right yet (194,688 counts only the multiplications)"),
        (367_744, "one more addition per output for the bias"),
        (28 * 28 * 32 * 18, "valid padding gives 26×26"),
        (26 * 26 * 18, "each of the 32 filters makes its own output map"),
        ("389376", "expected a number, got str"),
    ]),
    "4.1": (ex.check_lenet_params, lenet, [
        (lambda c_in: 61_706, "c_in=3: expected 62,006, got 61,706 (only the first convolution"),
        (lambda c_in: lenet(c_in, bias=0), "did you count the biases?"),
        (lambda c_in: str(c_in), "c_in=1: expected a whole number, got '1'"),
    ]),
    "4.3": (ex.check_per_class_accuracy, PER_CLASS[0], [
        (lambda cm: np.diag(cm) / cm.sum(axis=0), "rows are the true classes: divide by row sums"),
        (lambda cm: np.diag(cm), "divide by the row sums to get fractions"),
        (lambda cm: np.trace(cm) / cm.sum(), "a 2×2 matrix: expected shape (2,), got () (one "
                                             "value per class"),
    ]),
    "5.1": (ex.check_early_stop_epoch, early_stop, [
        (lambda v, p: early_stop(v, p, lambda loss, best: loss <= best),
         "val_losses [0.5, 0.5, 0.5], patience 2: expected 2, got None (an equal loss is no "
         "improvement"),
        (lambda v, p: early_stop(v, p, base=1), "expected 5, got 6 (epochs count from 0"),
        (lambda v, p: early_stop(v, p, at_end=True),
         "expected None, got 6 (return None when EarlyStopping lets every epoch run)"),
    ]),
    "5.6": (ex.check_seeds_needed, seeds, [
        (lambda e, s, k: max(2, math.ceil((k * s / abs(e)) ** 2)), "did you forget the 2?"),
        (lambda e, s, k: seeds(abs(e), s, k) if e > 0 else 1, "use the size of the effect"),
        (lambda e, s, k: max(1, math.ceil(2 * (k * s / e) ** 2)), "at least 2 runs"),
        (lambda e, s, k: float(seeds(e, s, k)), "expected a whole number"),
    ]),
    "5.5": (ex.check_welch_p_values, welch, [
        (lambda runs: {**welch(runs), "recipe": 1.0}, "leave the recipe out"),
        (lambda runs: welch(runs, equal_var=True), "equal_var=False"),
        (lambda runs: welch(runs, alternative="greater"), "a two-sided test"),
        (lambda runs: {n: stats.ttest_ind(runs["recipe"], v, equal_var=False).statistic
                       for n, v in runs.items() if n != "recipe"}, "not the t statistic"),
        (lambda runs: list(welch(runs).values()), "expected a dict {variant: p-value}, got list"),
        (lambda runs: {n: p for n, p in list(welch(runs).items())[:1]},
         "expected one p-value for each of"),
    ]),
    "6.1": (ex.check_rf_size, rf_size, [
        (lambda k, s: rf_size(k, s, multiply=False), "did you multiply the jumps?"),
        (lambda k, s: rf_size(k, s, jump_first=True), "kernels [3, 2, 3, 2, 3], strides [1, 2, "
                                                      "1, 2, 1]: expected 18, got 21 (add"),
    ]),
    "6.2": (ex.check_n_3x3_layers, 14, [
        (13, "got 13, which is not right yet (13 layers see only 27 pixels)"),
        (15, "15 layers are enough, but fewer would do"),
        (14.0, "expected a whole number, got 14.0"),
        ("14", "expected a whole number, got '14'"),
    ]),
    "6.3": (ex.check_dilations, [1, 2, 4, 8], [
        ([1, 1, 1], "receptive field 7 pixels, need at least 28 (a 3×3 layer with dilation d"),
        ([1, 4, 16], "field of 43 pixels, but offsets [-18, -14, -10, -9, -8, -7] are never "
                     "seen (gridding"),
        ([1, 2, 4, 8, 16], "use 1 to 4 layers, got 5 (four layers suffice"),
        ([0, 20], "expected a list of dilation rates >= 1, got [0, 20]"),
        (5, "expected a list of dilation rates >= 1, got 5"),
    ]),
    "7.1": (ex.check_conv_mult_adds, lambda h, w, f, k, c: h * w * f * k * k * c, [
        (lambda h, w, f, k, c: h * w * f * k * c,
         "28×28×192 output, 3×3×256 kernels: expected 346,816,512, got 115,605,504 (the kernel"),
        (lambda h, w, f, k, c: h * w * f * k * k, "each filter spans all c_in channels"),
        (lambda h, w, f, k, c: 2 * h * w * f * k * k * c, "one multiply–add per weight, not two"),
    ]),
    "7.3": (ex.check_vgg_row, 2_359_808, [
        (2_359_880, "that is the slide's typo"),
        (2_359_296, "did you count the biases?"),
        (5_120, "each filter spans all 512 input channels"),
        ("2,359,808", "expected a number, got str"),
    ]),
    "8.1": (ex.check_pairwise_l2, cdist, [
        (lambda a, b: cdist(a, b) ** 2, "values differ, e.g. at index (1, 3) (take the square "
                                        "root"),
        (lambda a, b: cdist(b, a), "expected shape (7, 4), got (4, 7) (rows for a"),
        (lambda a, b: cdist(a, b, "cityblock"), "that is the ℓ1 distance"),
        (lambda a, b: (a[:, None] - b[None]).sum(-1), "values differ"),
    ]),
    "8.2": (ex.check_knn_predict, knn, [
        (lambda tx, ty, x, k: knn(tx, ty, x, 1), "not only the nearest"),
        (lambda tx, ty, x, k: knn(tx, ty, x, k, vote=False), "expected shape (25,), got (25, 5) "
                                                              "(one label per test row"),
    ]),
    "8.3": (ex.check_choose_k, choose_k_answer, [
        (lambda x, y, ks: choose_k_answer(x, y, ks, on_itself=True),
         "k = 1 looks perfect when the database classifies itself"),
        (lambda x, y, ks: choose_k_answer(x, y, ks, worst=True),
         "that k has the lowest validation accuracy"),
    ]),
    "9.3": (ex.check_pick_cut, pick_cut_answer, [
        (lambda tr, ytr, va, yva, lr: pick_cut_answer(tr, ytr, tr, ytr, lr),
         "that cut has the best TRAINING accuracy"),
        (lambda tr, *_: max(tr, key=lambda cut: tr[cut].shape[1]), "TRAINING accuracy"),
    ]),
    "9.2": (ex.check_top_k_accuracy, top_k, [
        (lambda p, y, k: top_k(p, y, k, scale=100), "k = 1: expected 0.04, got 4 (a fraction"),
        (lambda p, y, k: top_k(p, y, k, sign=1), "the k LARGEST probabilities"),
        (lambda p, y, k: top_k(p, y, k, scale=len(y)), "divide by the number of rows"),
        (lambda p, y, k: "0.5", "expected a number, got str"),
    ]),
    "10.1": (ex.check_occlude, occlude_at(), [
        (occlude_at(fill=0.0), "top=2, left=3, patch_size=4: values differ, e.g. at index (2, 3"
                               ", 0) (grey is 127, not 0"),
        (occlude_at(swap=True), "top is the row index, left the column index"),
        (lambda im, t, left, s: saliency.occlude(im, t, left, s)[:-1], "expected shape (12, 10, "
                                                                       "3), got (11, 10, 3)"),
    ]),
    "10.2": (ex.check_grad_cam, grad_cam, [
        (lambda a, g: grad_cam(a, g, normalise=False), "divide by the maximum"),
        (lambda a, g: grad_cam(a, g, relu=False), "apply the ReLU"),
        (lambda a, g: grad_cam(a, g, relu=False, normalise=False), "apply the ReLU"),
        (lambda a, g: grad_cam(a, g, per_pixel=True), "one weight per channel, not per pixel"),
    ]),
    "6.4": (ex.check_scales_design, _digit_net("conv", "pool3", "conv", "pool2", "conv"), [
        (_digit_net("conv", "conv", "conv"), "make the jump grow (pooling or stride)"),
        (_digit_net("conv", "pool2", "conv", "pool2", "conv"), "2.58 octaves, need at least 3"),
        (_digit_net("conv", "conv", "conv", "conv"), "4 Conv2D layers: use at most 3"),
        (_digit_net("conv", "stride4", "conv"), "make the jump grow"),
    ]),
    "10.3": (ex.check_occlusion_drops, ex._occlusion_drops, [
        (lambda f, im, c, sizes, fill: {k: f(im[None])[0, c] - v for k, v in
                                         ex._occlusion_drops(f, im, c, sizes, fill).items()},
         "you returned p(occluded)"),
        (lambda *a: {k: -v for k, v in ex._occlusion_drops(*a).items()}, "the sign"),
        (lambda *a: {k: v - v.max() for k, v in ex._occlusion_drops(*a).items()},
         "off by a constant"),
        (lambda *a: {k: v[:-1] for k, v in ex._occlusion_drops(*a).items()},
         "saliency.occlusion_positions(H, patch, patch // 2)"),
        (lambda *a: list(ex._occlusion_drops(*a).values()), "expected a dict"),
    ]),
}
MISTAKES = [(name, wrong, text) for name, (_, _, mistakes) in CHECKS.items()
            for wrong, text in mistakes]
VALUE_EXERCISES = {"0.1", "0.2", "1.2", "2.2", "3.2", "3.3", "6.2", "6.3", "6.4", "7.3"}


@pytest.mark.parametrize("name", CHECKS)
def test_check_passes_the_reference_answer(name, capsys):
    check, right, _ = CHECKS[name]
    assert check(right) is True
    assert one_line(capsys).startswith(f"✓ Exercise {name}: correct")


@pytest.mark.parametrize("name, wrong, text", MISTAKES,
                         ids=[f"{name}-{i}" for i, (name, _, _) in enumerate(MISTAKES)])
def test_check_names_the_typical_mistake(name, wrong, text, capsys):
    assert CHECKS[name][0](wrong) is False
    line = one_line(capsys)
    assert line.startswith(f"✗ Exercise {name}: ") and text in line, line


def no_clip(image, top, left, size):
    out = image.copy()
    out[top:top + size, left:left + size] = 127.0  # NumPy slicing clips by itself
    return out


def knn_by_neighbours(train_x, train_y, test_x, k):
    idx, _ = emb.nearest_neighbors(test_x, train_x, k)
    return (train_y[idx].mean(axis=1) > 0.5).astype(int)


ALSO_RIGHT = [
    ("6.3", (1, 3, 9, 1)),
    ("8.1", emb.pairwise_l2),
    ("8.2", knn_by_neighbours),
    ("10.1", no_clip),
    ("10.1", lambda im, top, left, s: saliency.occlude(im, top, left, s)),
    ("5.1", keras_early_stop_epoch),
]


@pytest.mark.parametrize("name, answer", ALSO_RIGHT, ids=[n for n, _ in ALSO_RIGHT])
def test_check_accepts_other_right_answers(name, answer, capsys):
    assert CHECKS[name][0](answer) is True
    assert one_line(capsys).startswith(f"✓ Exercise {name}: correct")


@given(losses=st.lists(st.sampled_from([0.5, 0.6, 0.7, 0.8, 0.9, 1.0]), min_size=1, max_size=12),
       patience=st.integers(1, 4))
def test_reference_early_stop_epoch_agrees_with_keras(losses, patience):
    assert ex._early_stop_epoch(losses, patience) == keras_early_stop_epoch(losses, patience)


@pytest.mark.parametrize("name", CHECKS)
def test_check_fails_cleanly_on_a_stub(name, capsys):
    check = CHECKS[name][0]
    if name in VALUE_EXERCISES:
        for answer in (None, ...):
            assert check(answer) is False
            assert one_line(capsys).startswith(f"✗ Exercise {name}: no answer yet (got ")
    else:
        assert check(stub) is False
        assert one_line(capsys) == f"✗ Exercise {name}: not implemented yet"
        assert check(returns_none) is False
        assert "did you forget `return`?" in one_line(capsys)
        assert check(None) is False
        assert one_line(capsys) == f"✗ Exercise {name}: expected a function, got NoneType"


@pytest.mark.parametrize("name", sorted(VALUE_EXERCISES))
def test_value_checks_do_not_give_the_answer_away(name, capsys):
    check, right, mistakes = CHECKS[name]
    numbers = [right] if isinstance(right, int) else [v for v in np.ravel(right)
                                                      if isinstance(v, int) and v > 16]
    for wrong, _ in mistakes:
        check(wrong)
        line = one_line(capsys)
        for value in numbers:
            if str(value) not in repr(wrong):
                assert str(value) not in line and f"{value:,}" not in line, line


# --- the checks that build or train Keras models ----------------------------------------------


def mlp(input_shape=(32, 32, 1), hidden=(84,)):
    return keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten(),
                             *[keras.layers.Dense(n, activation="relu") for n in hidden],
                             keras.layers.Dense(10, activation="softmax")])


def test_check_lenet_params_agrees_with_keras(capsys):
    assert ex.check_lenet_params(lambda c: lecture.lenet5(input_shape=(32, 32, c)).count_params())
    assert one_line(capsys) == "✓ Exercise 4.1: correct (grey 61,706, RGB 62,006)"


@pytest.mark.parametrize("fn, passed, text", [
    (mlp, True, "✓ Exercise 4.2: correct (86,950 parameters)"),
    (lecture.mlp_baseline, True, "✓ Exercise 4.2: correct (86,950 parameters)"),
    (lambda: mlp(hidden=(120,)), False, "Dense units: expected [84, 10], got [120, 10] (Dense "
                                        "layers of 84 and 10 units"),
    (lambda: mlp(hidden=(120, 84)), False, "Dense layers of 84 and 10 units"),
    (lambda: mlp(input_shape=(28, 28, 1)), False, "input shape: expected (None, 32, 32, 1), got "
                                                  "(None, 28, 28, 1) (start with keras.Input"),
    (lambda: keras.Sequential([keras.layers.Dense(10)]), False, "could not read the model"),
    (lambda: "model", False, "expected a Keras model, got str"),
    (stub, False, "✗ Exercise 4.2: not implemented yet"),
    (returns_none, False, "✗ Exercise 4.2: expected a Keras model, got NoneType (your "
                          "function returned None: did you forget `return`?)"),
])
def test_check_mlp_baseline(fn, passed, text, capsys):
    assert ex.check_mlp_baseline(fn) is passed
    assert text in one_line(capsys)


class RateLogger(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.rates = []

    def on_epoch_end(self, epoch, logs=None):
        self.rates.append(float(self.model.optimizer.learning_rate))


class NoRates(keras.callbacks.Callback):
    pass


class EveryBatch(RateLogger):
    def on_train_batch_end(self, batch, logs=None):
        self.rates.append(float(self.model.optimizer.learning_rate))


class KeepsTheVariable(RateLogger):
    def on_epoch_end(self, epoch, logs=None):
        self.rates.append(self.model.optimizer.learning_rate)


class NeverAppends(RateLogger):
    def on_epoch_end(self, epoch, logs=None):
        pass


class StubLogger(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        raise NotImplementedError


class BrokenInit(keras.callbacks.Callback):
    def __init__(self):
        raise RuntimeError("oops")


@pytest.mark.parametrize("answer, passed, text", [
    (RateLogger, True, "✓ Exercise 5.2: correct (rates [0.08, 0.04, 0.02] logged)"),
    (NoRates, False, "expected an array, got NoneType (give it a list attribute `rates`"),
    (NeverAppends, False, "expected shape (3,), got (0,) (append the rate in on_epoch_end)"),
    (EveryBatch, False, "once per epoch"),
    (KeepsTheVariable, False, "append float(self.model.optimizer.learning_rate)"),
    (BrokenInit, False, "could not create it: raised RuntimeError: oops"),
    (StubLogger, False, "✗ Exercise 5.2: training with it failed: not implemented yet"),
    (dict, False, "expected a subclass of keras.callbacks.Callback, got <class 'dict'>"),
    (object, False, "expected a subclass of keras.callbacks.Callback, got <class 'object'>"),
    (None, False, "no answer yet (got None)"),
])
def test_check_lr_logger(answer, passed, text, capsys):
    assert ex.check_lr_logger(answer) is passed
    assert text in one_line(capsys)


def block(x, filters, stride, bias=False, always_project=False, use_stride=True, add=True):
    from keras import layers

    stride = stride if use_stride else 1
    shortcut = x
    if always_project or stride != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=bias)(x)
        shortcut = layers.BatchNormalization()(shortcut)
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=bias)(x)
    y = layers.ReLU()(layers.BatchNormalization()(y))
    y = layers.Conv2D(filters, 3, padding="same", use_bias=bias)(y)
    y = layers.BatchNormalization()(y)
    return layers.ReLU()(layers.Add()([y, shortcut]) if add else y)


@pytest.mark.parametrize("fn, passed, text", [
    (block, True, "✓ Exercise 7.2: correct (identity and projection shortcuts both right)"),
    (lambda x, f, s: block(x, f, s, add=False), False, "input (16, 16, 8), filters 8, stride 1: "
                                                       "Add layer: expected True, got False (no "
                                                       "Add layer"),
    (lambda x, f, s: block(x, f, s, bias=True), False, "no bias before BatchNorm"),
    (lambda x, f, s: block(x, f, s, always_project=True), False, "the shortcut is x itself"),
    (lambda x, f, s: block(x, f, s, use_stride=False), False, "stride 2: output shape: expected "
                                                              "(8, 8, 16), got (16, 16, 16) (the "
                                                              "first 3×3 conv"),
    (lambda x, f, s: 3, False, "cannot build a model from your output"),
    (stub, False, "✗ Exercise 7.2: not implemented yet"),
])
def test_check_basic_block(fn, passed, text, capsys):
    assert ex.check_basic_block(fn) is passed
    assert text in one_line(capsys)


def small_base():
    return keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3),
                             keras.layers.GlobalAveragePooling2D()])


def head(base, n, freeze=True, hidden=False):
    base.trainable = not freeze
    extra = [keras.layers.Dense(8)] if hidden else []
    return keras.Sequential([base, *extra, keras.layers.Dense(n, activation="softmax")])


@pytest.mark.parametrize("fn, passed, text", [
    (head, True, "✓ Exercise 9.1: correct (15 trainable parameters, base unchanged by a "
                 "training step)"),
    (lambda b, n: head(b, n, freeze=False), False, "base frozen: expected True, got False "
                                                   "(freeze the base: base.trainable = False)"),
    (lambda b, n: head(b, n, hidden=True), False, "trainable parameters: expected 15, got 67 (a "
                                                  "single Dense layer on the 4 features)"),
    (lambda b, n: head(b, n + 1), False, "output shape: expected (None, 3), got (None, 4)"),
    (lambda b, n: b, False, "output shape: expected (None, 3), got (None, 4)"),
    (stub, False, "✗ Exercise 9.1: not implemented yet"),
    (returns_none, False, "✗ Exercise 9.1: expected a Keras model, got NoneType (your "
                          "function returned None: did you forget `return`?)"),
])
def test_check_transfer_head(fn, passed, text, capsys):
    assert ex.check_transfer_head(fn, small_base(), 3) is passed
    assert text in one_line(capsys)


def test_check_transfer_head_starts_from_an_unfrozen_base(capsys):
    base = small_base()
    base.trainable = False  # frozen before the exercise: forgetting to freeze must still fail
    before = [np.array(w) for w in base.weights]
    assert ex.check_transfer_head(lambda b, n: head(b, n, freeze=False), base, 3) is False
    assert "base frozen: expected True, got False" in one_line(capsys)
    # the check's training step is undone: the caller's network is left as it was
    assert all(np.array_equal(np.array(w), b) for w, b in zip(base.weights, before, strict=True))


# --- notebook 07: exercises 7.1 (separable convolution), 7.3 (VGG-19), 7.4 (degradation nets) --


def separable(h, w, c, f, k):
    return h * w * c * k * k + h * w * c * f


@pytest.mark.parametrize("fn, passed, text", [
    (separable, True, "✓ Exercise 7.1: correct (4 layers agree)"),
    (lambda h, w, c, f, k: h * w * f * k * k * c, False, "that is a standard convolution"),
    (lambda h, w, c, f, k: h * w * c * k * k, False, "the pointwise 1×1 convolution"),
    (lambda h, w, c, f, k: h * w * c * f, False, "the depthwise k×k step is missing"),
    (lambda h, w, c, f, k: h * w * c * (k + f), False, "the kernel is k×k: square it"),
    (stub, False, "✗ Exercise 7.1: not implemented yet"),
])
def test_check_separable_mult_adds(fn, passed, text, capsys):
    assert ex.check_separable_mult_adds(fn) is passed
    assert text in one_line(capsys)


def test_separable_reference_is_what_the_cost_module_counts():
    from course_utils.cost import model_cost

    x = keras.Input((16, 16, 24))
    model = keras.Model(x, keras.layers.SeparableConv2D(40, 3, padding="same")(x))
    assert model_cost(model).mult_adds == separable(16, 16, 24, 40, 3)


def vgg19():
    from course_utils import models

    inputs = keras.Input((224, 224, 3))
    x = inputs
    for b, (n, f) in enumerate(((2, 64), (2, 128), (4, 256), (4, 512), (4, 512)), start=1):
        x = models.vgg_block(x, n, f, f"block{b}")
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(4096, activation="relu")(x)
    x = keras.layers.Dense(4096, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(1000, activation="softmax")(x))


@pytest.mark.parametrize("fn, passed, text", [
    (vgg19, True, "✓ Exercise 7.3: correct (16 convolutions + 3 dense layers, 143,667,240"),
    (lambda: __import__("course_utils.models", fromlist=["vgg16"]).vgg16(), False,
     "Conv2D layers: got 13, which is not right yet (that is VGG-16"),
    (stub, False, "✗ Exercise 7.3: not implemented yet"),
    (returns_none, False, "did you forget `return`?"),
])
def test_check_vgg19(fn, passed, text, capsys):
    assert ex.check_vgg19(fn) is passed
    assert text in one_line(capsys)


def residual_net(n_blocks, residual=True, add_always=False):
    layers = keras.layers

    def conv_bn(x, filters, kernel, stride):
        x = layers.Conv2D(filters, kernel, strides=stride, padding="same", use_bias=False)(x)
        return layers.BatchNormalization()(x)

    inputs = keras.Input((32, 32, 3))
    x = layers.Rescaling(1 / 255)(inputs)
    x = layers.ReLU()(conv_bn(x, 8, 3, 2))
    for stage, filters in enumerate((8, 16, 32)):
        for block in range(n_blocks):
            stride = 2 if (stage > 0 and block == 0) else 1
            y = conv_bn(layers.ReLU()(conv_bn(x, filters, 3, stride)), filters, 3, 1)
            if residual or add_always:
                same = stride == 1 and x.shape[-1] == filters
                y = layers.Add()([x if same else conv_bn(x, filters, 1, stride), y])
            x = layers.ReLU()(y)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(10, activation="softmax")(x))


def tiny_cifar_like(n=256):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, n)
    x = rng.integers(0, 256, (n, 32, 32, 3)).astype("uint8")
    x[np.arange(n), :, :, y % 3] //= 4  # a learnable colour cue per class
    return x, y


@pytest.mark.parametrize("fn, text", [
    (lambda n, r: residual_net(n, r, add_always=True), "n_blocks=2, residual=False: Add layers: "
                                                       "expected 0, got 6 (residual=False"),
    (lambda n, r: residual_net(n, False), "n_blocks=2, residual=True: Add layers: expected 6, "
                                          "got 0 (no Add layer: where are the shortcuts?)"),
    (stub, "✗ Exercise 7.4: not implemented yet"),
])
def test_check_residual_net_structure(fn, text, capsys):
    assert ex.check_residual_net(fn, *tiny_cifar_like(64)) is False
    assert text in one_line(capsys)


@pytest.mark.slow
def test_check_residual_net_trains(capsys):
    assert ex.check_residual_net(residual_net, *tiny_cifar_like()) is True
    assert "✓ Exercise 7.4: correct (both match mini_resnet and train" in one_line(capsys)


@pytest.mark.slow
def test_check_learned_kernel_passes_gradient_descent_with_gradient_tape(capsys):
    import tensorflow as tf

    def learn_kernel(images, targets, init, steps=200, learning_rate=0.1):
        x, y = tf.constant(images[..., None]), tf.constant(targets[..., None])
        kernel = tf.Variable(init[:, :, None, None])
        optimizer = keras.optimizers.Adam(learning_rate)
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean((tf.nn.conv2d(x, kernel, 1, "SAME") - y) ** 2)
            optimizer.apply_gradients([(tape.gradient(loss, kernel), kernel)])
        return kernel.numpy()

    assert ex.check_learned_kernel(learn_kernel, KERNEL_IMAGES) is True
    assert one_line(capsys).startswith("✓ Exercise 2.4: correct")


def test_new_checks_reject_bad_data():
    with pytest.raises(ValueError, match=r"images must be \(N, H, W\), got shape \(4, 4\)"):
        ex.check_learned_kernel(kernel_by_least_squares, np.ones((4, 4)))
    with pytest.raises(ValueError, match=r"images must be \(N, H, W\), got shape \(3,\)"):
        ex.kernel_targets(np.ones(3), ex.SOBEL_X)
    with pytest.raises(ValueError, match="one row per image, got 160, 160 and 3"):
        ex.check_new_feature(ink_runs, BARS[0], BARS[1], np.ones((3, 2)))


# --- 4.4: build LeNet-5 from the slide's table and train it (notebook 04) ----------------------

def lenet_data(n: int = 96, seed: int = 0):
    """Tiny MNIST-shaped data: (n, 32, 32, 1) float32 in [0, 1] and labels 0..9."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 1, (n, 32, 32, 1)).astype("float32"), rng.integers(0, 10, n)


def lenet_variant(padding="valid", conv_act="tanh", conv2_kernel=5):
    def build():
        layers = keras.layers
        return keras.Sequential([
            keras.Input(shape=(32, 32, 1)),
            layers.Conv2D(6, 5, activation=conv_act, padding=padding),
            layers.AveragePooling2D(2),
            layers.Conv2D(16, conv2_kernel, activation="tanh"),
            layers.AveragePooling2D(2),
            layers.Flatten(),
            layers.Dense(120, activation="relu"),
            layers.Dense(84, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ])
    return build


@pytest.mark.slow
def test_check_lenet_build_passes_the_reference_and_trains(capsys):
    x, y = lenet_data()
    assert ex.check_lenet_build(lecture.lenet5, x, y, x, y, min_accuracy=0.0) is True
    assert one_line(capsys).startswith("✓ Exercise 4.4: correct (validation accuracy ")
    assert ex.check_lenet_build(lecture.lenet5, x, y, x, y, min_accuracy=1.01) is False
    assert "below 1.01" in one_line(capsys)


@pytest.mark.parametrize(("build", "text"), [
    (lenet_variant(padding="same"), "82,826 parameters instead of 61,706: conv1 must be "
                                    "padding='valid'"),
    (lenet_variant(conv2_kernel=3), "row conv2 has 880 parameters, the slide's table 2,416"),
    (lenet_variant(conv_act=None), "conv1 has no activation"),
    (lenet_variant(conv_act="relu"), "activations: tanh, tanh (convolutions), relu, relu"),
    (lambda: keras.Sequential([keras.Input(shape=(32, 32, 1)), keras.layers.Flatten(),
                               keras.layers.Dense(10, activation="softmax")]),
     "1 Conv2D/Dense layers, the slide's table has 5"),
    (lambda: "lenet", "expected a Keras model, got str"),
])
def test_check_lenet_build_names_the_typical_mistake(build, text, capsys):
    x, y = lenet_data(8)
    assert ex.check_lenet_build(build, x, y, x, y, min_accuracy=0.0) is False
    line = one_line(capsys)
    assert line.startswith("✗ Exercise 4.4: ") and text in line, line


def test_check_lenet_build_on_stubs_and_bad_data(capsys):
    x, y = lenet_data(8)
    assert ex.check_lenet_build(stub, x, y, x, y, 0.8) is False
    assert one_line(capsys) == "✗ Exercise 4.4: not implemented yet"
    assert ex.check_lenet_build(None, x, y, x, y, 0.8) is False
    assert one_line(capsys) == "✗ Exercise 4.4: expected a function, got NoneType"
    with pytest.raises(ValueError, match="equal lengths, got 8, 3 and 8, 8"):
        ex.lenet_validation_accuracy(lecture.lenet5, x, y[:3], x, y)


# --- notebook 05: exercises 5.3 (no pooling) and 5.4 (stop at a target), helper C2 ----------

def _slide_without_pooling(padding="valid", dropout=True, pool=False, filters=32):
    stack = [keras.Input(shape=(32, 32, 3)),
             keras.layers.Conv2D(filters, (3, 3), activation="relu", padding=padding)]
    if pool:
        stack.append(keras.layers.MaxPooling2D((2, 2)))
    if dropout:
        stack.append(keras.layers.Dropout(0.25))
    stack += [keras.layers.Flatten(), keras.layers.Dense(512, activation="relu")]
    if dropout:
        stack.append(keras.layers.Dropout(0.5))
    stack.append(keras.layers.Dense(10, activation="softmax"))
    return keras.Sequential(stack)


@pytest.mark.parametrize(("build", "passed", "text"), [
    (_slide_without_pooling, True, "the slide model without pooling"),
    (lambda: _slide_without_pooling(pool=True), False, "remove the MaxPooling2D layer"),
    (lambda: _slide_without_pooling(dropout=False), False, "keep both Dropout layers"),
    (lambda: _slide_without_pooling(padding="same"), False, "keep padding='valid'"),
    (lambda: _slide_without_pooling(filters=16), False, "same filters (32, 3×3)"),
    (stub, False, "not implemented yet"),
    (lambda: "a model", False, "expected a keras model, got str"),
])
def test_check_no_pooling(build, passed, text, capsys):
    assert ex.check_no_pooling(build) is passed
    line = one_line(capsys)
    assert text in line and line.startswith("✓" if passed else "✗")
    assert "14,767" not in line or passed  # a wrong answer never learns the parameter count


@pytest.mark.slow
def test_compare_pooling_trains_both_models_and_waits_for_a_stub(capsys):
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 32, 32, 3)).astype("float32"), rng.integers(0, 10, 64)
    table = ex.compare_pooling(_slide_without_pooling, x, y, x[:32], y[:32], epochs=1, n_images=64)
    assert list(table.index) == ["slide model", "without pooling"]
    assert table.loc["slide model", "parameters"] == 3_692_938
    assert table.loc["without pooling", "parameters"] == 896 + (30 * 30 * 32 + 1) * 512 + 5_130
    assert table[["train accuracy", "val accuracy"]].stack().between(0, 1).all()
    assert ex.compare_pooling(stub, x, y, x, y) is None
    assert "finish Exercise 5.3" in capsys.readouterr().out


class _StopAt(keras.callbacks.Callback):
    """A configurable answer to exercise 5.4 (right with the defaults)."""

    key, strict, stop, remember = "val_accuracy", False, True, True

    def __init__(self, target):
        super().__init__()
        self.target = target
        self.stopped_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        value = logs[self.key]
        if (value > self.target) if self.strict else (value >= self.target):
            if self.stop:
                self.model.stop_training = True
            if self.remember:
                self.stopped_epoch = epoch


def _variant(**changes):
    return type("Variant", (_StopAt,), changes)


@pytest.mark.parametrize(("answer", "passed", "text"), [
    (_StopAt, True, "stops a real fit as soon as val_accuracy ≥ 0.9"),
    (_variant(key="accuracy"), False, "look at logs['val_accuracy']"),
    (_variant(strict=True), False, "use >=, not >"),
    (_variant(stop=False), False, "set self.model.stop_training = True"),
    (_variant(remember=False), False, "store the epoch in self.stopped_epoch"),
    (keras.callbacks.Callback, False, "could not create it with a target"),
    (_variant(on_epoch_end=keras.callbacks.Callback.on_epoch_end), False,
     "set self.model.stop_training = True"),
    (int, False, "expected a subclass of keras.callbacks.Callback"),
])
def test_check_stop_at_target(answer, passed, text, capsys):
    assert ex.check_stop_at_target(answer) is passed
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert text in line and line.startswith("✓" if passed else "✗")


@pytest.mark.slow
def test_lenet_floor_is_calibrated_with_a_margin():
    """The reference LeNet-5 clears exercise 4.4's floor by >= 0.05 with seeds 0, 1, 2 on notebook
    04's quick-profile split (the data the notebook's check sees)."""
    from sklearn.model_selection import train_test_split

    from course_utils import config, data, training

    quick = config.get_profile("quick")
    mnist = data.load_mnist(n_train=quick.n_train, n_test=quick.n_test)
    x = training.scale_images(mnist.x_train, pad=2)
    x_fit, x_val, y_fit, y_val = train_test_split(x, mnist.y_train, test_size=0.1,
                                                  stratify=mnist.y_train, random_state=0)
    accuracies = [ex.lenet_validation_accuracy(lecture.lenet5, x_fit, y_fit, x_val, y_val, seed)
                  for seed in (0, 1, 2)]
    assert min(accuracies) >= ex.LENET_MIN_ACCURACY + 0.05, accuracies
