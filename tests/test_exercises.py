"""course_utils.exercises: the check builder, and every check_* on the reference answer, on each
typical mistake (with its hint) and on a stub (a clean ✗ line, never a traceback).

(The checks' tests formerly in tests/test_exercises_notebooks.py are folded in here.)
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view
from scipy import stats
from scipy.spatial.distance import cdist

from course_utils import conv, data, saliency, transfer
from course_utils import exercises as ex
from course_utils.exercises import framework, nb01, nb02, nb09, probes
from course_utils.exercises.nb10 import occlusion_drops
from course_utils.training import early_stop_epoch
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


def l2_by_hand(a, b):
    """‖a_i − b_j‖₂ for a (N, D), b (M, D) → (N, M), by broadcasting."""
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1))


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


def occlusion_study(predict, image, class_index, sizes, fill, occluded=False, sign=1,
                    from_max=False, stride=lambda s: s // 2, score=None, choose=None):
    """A right answer of 10.3 (and its typical mistakes): drop maps from squares hidden with
    ``occlude_at``, scored by the share of positions that drop p by more than half the largest
    drop (smaller: more specific), the size with the smallest score chosen."""
    predict = predict.predict if hasattr(predict, "predict") else predict
    p_full = predict(np.asarray(image)[None])[0, class_index]
    maps = {}
    for s in sizes:
        rows, cols = (saliency.occlusion_positions(n, s, stride(s)) for n in image.shape[:2])
        batch = np.stack([occlude_at(fill)(image, t, c, s) for t in rows for c in cols])
        p = predict(batch)[:, class_index].reshape(len(rows), len(cols))
        maps[s] = p if occluded else sign * (p_full - p)
        maps[s] = maps[s] - maps[s].max() if from_max else maps[s]
    score = score or (lambda m: float(np.mean(m > m.max() / 2)))
    scores = {s: score(m) for s, m in maps.items()}
    choice = choose(scores) if choose else min(scores, key=scores.get)
    return maps, scores, choice


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


def kernel_by_gradient_descent(images, targets, init, flip=False, transpose=False, sign=1.0):
    """A right answer to 2.4 without TensorFlow: gradient descent on the mean squared error,
    in NumPy, with the step 1/L (L: the largest curvature of the loss)."""
    patches = np.concatenate([conv.im2col(image, 3, padding="same").T for image in images])
    gram, target = patches.T @ patches, patches.T @ targets.reshape(-1)
    step, kernel = 1 / np.linalg.eigvalsh(gram).max(), np.ravel(init).astype(float)
    for _ in range(500):
        kernel -= step * (gram @ kernel - target)
    kernel = kernel.reshape(3, 3)
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
    "1.4": (ex.check_dense_vs_conv, (1_573_376, 896), [
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
        (lambda a, k: correlate_valid(a, k[::-1, ::-1]),
         "image (4, 4) with kernel (3, 3): values differ, e.g. at index"),
        (lambda a, k: correlate_valid(a, k[::-1, ::-1]), "the kernel is flipped"),
        (lambda a, k: correlate_valid(np.pad(a, [(n // 2, (n - 1) // 2) for n in k.shape]), k),
         "valid: no padding"),
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
        (lambda x: sliding_window_view(x, (2, 2)).max(axis=(2, 3)),
         "the stride defaults to the pool size"),
        (lambda x: x, "2×2 pooling with stride 2 halves each side"),
        (lambda x: sliding_window_view(np.pad(x, [(0, n % 2) for n in x.shape], mode="edge"),
                                       (2, 2))[::2, ::2].max(axis=(2, 3)),
         "x of shape (5, 7): expected shape (2, 3), got (3, 4) (drop the last row/column"),
    ]),
    "1.2": (lambda f: ex.check_new_feature(f, *BARS), ink_runs, [
        (lambda im: np.ones((len(im), 1)), "the same value for every image"),
        (lambda im: BARS[2][:, :1] + 0 * im[:, 0, :1], "repeats a feature the classifier"),
        (lambda im: im.reshape(len(im), -1), "784 numbers per image: a hand-crafted feature"),
        (lambda im: np.full((len(im), 1), np.nan), "NaN or inf"),
        (lambda im: im[:, :3, 0], "validation accuracy"),
        (lambda im: np.ones(5), "expected one row per image"),
    ]),
    "2.4": (lambda f: ex.check_learned_kernel(f, KERNEL_IMAGES), kernel_by_gradient_descent, [
        (lambda im, t, k0: kernel_by_gradient_descent(im, t, k0, flip=True), "the target flipped"),
        (lambda im, t, k0: kernel_by_gradient_descent(im, t, k0, transpose=True),
         "rows and columns swapped"),
        (lambda im, t, k0: ex.SOBEL_X, "but these targets were made by another kernel"),
        (lambda im, t, k0: k0, "hardly moved from `init`"),
        (lambda im, t, k0: k0 * np.nan, "NaN or inf: the loss diverged — lower the learning"),
        (lambda im, t, k0: 1e3 * kernel_by_gradient_descent(im, t, k0), "the kernel grew huge"),
        (lambda im, t, k0: 0.7 * kernel_by_gradient_descent(im, t, k0), "close, but not there"),
        (lambda im, t, k0: np.ones((2, 2)), "expected a (3, 3) kernel, got shape (2, 2)"),
        (valid_padding, "differ in shape: padding='SAME' keeps H×W"),
        (lambda im, t, k0: -kernel_by_gradient_descent(im, t, k0), "flipped = negated"),
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
    "8.1": (ex.check_pairwise_l2, l2_by_hand, [
        (lambda a, b: l2_by_hand(a, b) ** 2, "values differ, e.g. at index (1, 3) (take the "
                                             "square root"),
        (lambda a, b: l2_by_hand(b, a), "expected shape (7, 4), got (4, 7) (rows for a"),
        (lambda a, b: np.abs(a[:, None] - b[None]).sum(-1), "that is the ℓ1 distance"),
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
        *((lambda *a, s=s: pick_cut_answer(*a, seeds=(s,)), "one seed is not enough")
          for s in (0, 1, 2)),
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
        (lambda im, t, left, s: occlude_at()(im, t, left, s)[:-1], "expected shape (12, 10, "
                                                                   "3), got (11, 10, 3)"),
        (lambda im, t, left, s: saliency.occlude(im, t, left, s), "uses "
                                                                  "course_utils.saliency.occlude"),
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
    "10.3": (ex.check_occlusion_drops, occlusion_study, [
        (lambda f, im, c, sizes, fill: occlusion_study(f, im, c, sizes, fill, occluded=True),
         "you returned p(occluded)"),
        (lambda *a: occlusion_study(*a, sign=-1), "the sign"),
        (lambda *a: occlusion_study(*a, from_max=True), "off by a constant"),
        (lambda *a: occlusion_study(*a, stride=lambda s: s), "saliency.occlusion_positions(H, "
                                                              "patch, patch // 2)"),
        (lambda *a: occlusion_study(*a)[0], "expected (maps, scores, choice)"),
        (lambda *a: occlusion_study(*a, score=lambda m: -m.size), "are the same for 3 images "
                                                                   "whose maps differ"),
        (lambda *a: occlusion_study(*a, choose=lambda scores: sorted(scores)[1]),
         "is not the best size by your scores"),
        (lambda *a: occlusion_study(*a, score=lambda m: np.nan), "one finite score per patch"),
        (lambda *a: {k: v for k, v in occlusion_drops(*a).items()}, "uses "
                                                                    "course_utils.exercises.nb10"),
        (lambda p, im, c, sizes, fill: [
            {s: p.predict(im[None])[0, c] - saliency.occlusion_map(p, im, c, s, s // 2, fill)
             for s in sizes}, {s: 0.0 for s in sizes}, sizes[0]],
         "uses course_utils.saliency.occlusion_map"),
    ]),
}
MISTAKES = [(name, wrong, text) for name, (_, _, mistakes) in CHECKS.items()
            for wrong, text in mistakes]
VALUE_EXERCISES = {"0.1", "0.2", "1.4", "2.2", "3.2", "3.3", "6.2", "6.3", "6.4", "7.3"}


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


def l2_by_expansion(a, b):
    """‖a − b‖² = ‖a‖² + ‖b‖² − 2 a·b, clipped at 0 before the root."""
    squared = (a ** 2).sum(1)[:, None] + (b ** 2).sum(1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.maximum(squared, 0))


def knn_by_partition(train_x, train_y, test_x, k):
    """The k nearest by np.argpartition (unordered), a two-class vote by the mean label."""
    idx = np.argpartition(l2_by_expansion(test_x, train_x), k, axis=1)[:, :k]
    return (train_y[idx].mean(axis=1) > 0.5).astype(int)


def stop_epoch_by_best_index(val_losses, patience):
    """5.1 another way: the epoch at which `patience` epochs have passed since the best."""
    best = 0
    for epoch, loss in enumerate(val_losses):
        if loss < val_losses[best]:
            best = epoch
        if epoch - best >= patience:
            return epoch
    return None


ALSO_RIGHT = [
    ("6.3", (1, 3, 9, 1)),
    ("8.1", l2_by_expansion),
    ("8.2", knn_by_partition),
    ("10.1", no_clip),
    ("5.1", stop_epoch_by_best_index),
]


@pytest.mark.parametrize("name, answer", ALSO_RIGHT, ids=[n for n, _ in ALSO_RIGHT])
def test_check_accepts_other_right_answers(name, answer, capsys):
    assert CHECKS[name][0](answer) is True
    assert one_line(capsys).startswith(f"✓ Exercise {name}: correct")


@given(losses=st.lists(st.sampled_from([0.5, 0.6, 0.7, 0.8, 0.9, 1.0]), min_size=1, max_size=12),
       patience=st.integers(1, 4))
def test_reference_early_stop_epoch_agrees_with_keras(losses, patience):
    assert early_stop_epoch(losses, patience) == keras_early_stop_epoch(losses, patience)


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


# --- grading contexts: the notebook values a grader rebuilds for the checks that take them -------

CONTEXTUAL = {"0.1": "check_keras_layout", "0.2": "check_class_counts",
              "1.1": "check_bounding_box_height", "1.2": "check_new_feature",
              "1.3": "check_linear_classifier", "2.4": "check_learned_kernel",
              "4.4": "check_lenet_build", "7.4": "check_residual_net",
              "9.1": "check_transfer_head"}


def quick_mnist():
    quick = framework.grading_profile()
    return data.load_mnist(n_train=quick.n_train, n_test=quick.n_test, source="offline")


def graded_verdict(name, answer, rng=None):
    """The verdict a grader reaches: context rebuilt, cases drawn, the probe's outcomes after a
    JSON round trip (a value probe gets empty cases, as the grader cell sends them)."""
    spec = ex.spec(name)
    context = spec.grading_context(rng)
    cases = spec.cases(rng, *context)
    sent = [[] for _ in cases] if spec.probe == "value" else cases
    outcomes = probes.roundtrip(probes.run(spec.probe, answer, sent))
    return spec.judge(outcomes, cases, context)


def test_the_checks_on_notebook_values_have_a_grading_context():
    specs = {s.exercise: s for s in ex.SPECS.values() if s.context}
    assert set(CONTEXTUAL) <= set(specs)
    assert all(callable(specs[label].grading_context) for label in CONTEXTUAL)
    assert not any(s.grading_context for s in ex.SPECS.values() if not s.context)
    assert {s.exercise for s in ex.SPECS.values() if s.grading_note} == {"9.1"}


def test_grading_profile_is_the_sandboxs():
    from course_utils.grading.sandbox import env_args

    args = env_args()
    env = dict(zip(args[1::3], args[2::3], strict=True))
    assert env["COURSE_PROFILE"] == framework.GRADING_PROFILE == "quick"
    assert framework.grading_profile().name == "quick"
    assert env["COURSE_OFFLINE"] == "1" and env["KERAS_HOME"].startswith(env["HOME"])


def test_sandbox_source_loads_what_a_sandboxed_run_loads(tmp_path, monkeypatch):
    # inside: an empty Keras cache (HOME on a tmpfs), offline, no served archive
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.delenv(data.SERVED_ENV, raising=False)
    for dataset in ("mnist", "fashion_mnist", "cifar10"):
        inside = data.keras_source(dataset)
        assert framework.sandbox_source(dataset) == ("offline" if inside is None else "auto")
    assert framework.sandbox_source("mnist") == "offline"
    with pytest.raises(ValueError, match="dataset must be one of"):
        framework.sandbox_source("imagenet")
    with pytest.raises(ValueError, match="dataset must be one of"):
        framework.sandbox_context(lambda p, s: (), "imagenet")


def test_notebook_data_takes_the_profiles_sizes():
    quick = framework.grading_profile()
    mnist = framework.notebook_data("mnist", quick, "offline")
    assert (len(mnist.y_train), len(mnist.y_test)) == (quick.n_train, quick.n_test)
    cifar = framework.notebook_data("cifar10", quick, "offline")
    assert cifar.x_train.shape == (quick.n_cifar_train, 32, 32, 3)
    with pytest.raises(ValueError, match="dataset must be one of"):
        framework.notebook_data("svhn", quick)


def test_mnist_contexts_are_what_the_sandboxed_notebook_loads():
    mnist = quick_mnist()
    np.testing.assert_array_equal(ex.spec("check_keras_layout").grading_context(None)[0],
                                  mnist.x_train)
    np.testing.assert_array_equal(ex.spec("check_class_counts").grading_context(None)[0],
                                  mnist.y_train)
    np.testing.assert_array_equal(
        ex.spec("check_bounding_box_height").grading_context(None)[0], mnist.x_test)
    np.testing.assert_array_equal(ex.keras_layout_context(None, "offline")[0],
                                  data.load_mnist(source="offline").x_train)


def test_value_answers_are_judged_on_the_rebuilt_context():
    x = quick_mnist().x_train
    assert graded_verdict("check_keras_layout", (x / np.float32(255))[..., None]).passed
    wrong = graded_verdict("check_keras_layout", x[..., None].astype(np.float32))
    assert not wrong.passed and "divide by 255" in wrong.detail
    y = quick_mnist().y_train
    assert graded_verdict("check_class_counts", np.bincount(y, minlength=10)).passed
    assert not graded_verdict("check_class_counts", np.bincount(y[:10], minlength=10)).passed


def test_function_answers_are_judged_on_the_rebuilt_context():
    assert graded_verdict("check_bounding_box_height", box_height).passed
    assert not graded_verdict("check_bounding_box_height", lambda im: box_height(im) - 1).passed


def notebook_functions(notebook: str, names: set[str], constants: set[str] = frozenset()
                       ) -> dict:
    """The functions of the cells of notebook ``notebook`` that define one of ``names``, with
    the ``constants`` those cells assign, executed from the cells' source."""
    import ast

    import nbformat
    import scipy.ndimage
    from skimage.color import rgb2gray
    from skimage.transform import resize

    from course_utils.tools import notebooks_dir

    namespace = {"np": np, "scipy": scipy, "data": data, "rgb2gray": rgb2gray,
                 "resize": resize}
    for cell in nbformat.read(notebooks_dir() / notebook, as_version=4).cells:
        if cell.cell_type != "code" or not any(f"def {n}(" in cell.source for n in names):
            continue
        body = ast.parse(cell.source).body
        keep = [node for node in body if isinstance(node, ast.FunctionDef)
                or isinstance(node, ast.Assign) and {
                    n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)
                } <= constants]
        exec(compile(ast.Module(body=keep, type_ignores=[]), notebook, "exec"),  # noqa: S102
             namespace)
    return namespace


def test_features_of_notebook_01_are_the_notebooks_own():
    cells = notebook_functions("01_feature_extraction.ipynb",
                               {"area", "hand_crafted_features", "holes", "shuffled_train"},
                               {"INK", "rows", "cols", "MAIN_DIAGONAL", "ANTI_DIAGONAL"})
    mnist = quick_mnist()
    x, y = nb01.shuffled_train(mnist)
    x_nb, y_nb = cells["shuffled_train"](mnist)
    np.testing.assert_array_equal(x, x_nb)
    np.testing.assert_array_equal(y, y_nb)
    images = x[:300]
    np.testing.assert_array_equal(nb01.hand_crafted_features(images),
                                  cells["hand_crafted_features"](images)[0])
    np.testing.assert_array_equal(nb01.holes(images), cells["holes"](images))


def test_contexts_of_notebook_01():
    images, labels, base = ex.spec("check_new_feature").grading_context(None)
    assert images.shape[1:] == (28, 28) and len(images) == len(labels) == len(base)
    assert base.shape[1] == 23 and base.dtype == np.float32
    np.testing.assert_array_equal(base[:50], nb01.hand_crafted_features(images[:50]))
    features, y = ex.spec("check_linear_classifier").grading_context(None)
    assert features.shape == (len(quick_mnist().y_train), 24) and len(y) == len(features)


def runs_per_band(images, bands=7):
    inked = images > 127
    starts = inked[:, :, 1:] & ~inked[:, :, :-1]
    return (starts.sum(axis=2) + inked[:, :, 0]).reshape(len(images), bands, -1).mean(axis=2)


def test_new_feature_is_judged_on_the_rebuilt_context():
    right = graded_verdict("check_new_feature", runs_per_band)
    assert right.passed, right.detail
    wrong = graded_verdict("check_new_feature", lambda im: np.zeros((len(im), 1)))
    assert not wrong.passed and "same value for every image" in wrong.detail


def test_photos_of_exercise_2_4_are_the_notebooks():
    small_grey = notebook_functions("02b_detectors_pooling_shifts.ipynb",
                                    {"small_grey"})["small_grey"]
    (photos,) = ex.spec("check_learned_kernel").grading_context(None)
    assert photos.shape == (4, 32, 32) and photos.dtype == np.float32
    np.testing.assert_array_equal(
        photos, np.stack([small_grey(n) for n in nb02.KERNEL_PHOTOS]).astype(np.float32))


def test_lenet_context_is_notebook_04s_split():
    x, y, x_val, y_val, floor = ex.spec("check_lenet_build").grading_context(None)
    n = framework.grading_profile().n_train
    assert x.shape == (n - n // 10, 32, 32, 1) and x_val.shape == (n // 10, 32, 32, 1)
    assert 0 <= x.min() and x.max() <= 1 and x.dtype == np.float32
    assert np.bincount(y_val).min() >= n // 10 // 10 - 1  # stratified
    assert floor == ex.LENET_MIN_ACCURACY


def test_residual_context_is_notebook_07s_first_fit_images():
    x, y = ex.spec("check_residual_net").grading_context(None)
    quick = framework.grading_profile()
    cifar = data.load_cifar10(n_train=quick.n_cifar_train, n_test=quick.n_cifar_test,
                              source="offline")
    np.testing.assert_array_equal(x, cifar.x_train[:640])
    np.testing.assert_array_equal(y, cifar.y_train[:640])
    assert ex.residual_net_context(quick, "offline", n=10)[0].shape == (10, 32, 32, 3)


def test_transfer_context_draws_a_cut_and_judges_the_head():
    spec = ex.spec("check_transfer_head")
    drawn = {spec.grading_context(np.random.default_rng(seed))[0].layers[-2].name
             for seed in range(6)}
    assert drawn <= set(nb09.TRANSFER_CUTS) and len(drawn) > 1
    base, n_classes = spec.grading_context(None)
    assert (base.name, base.trainable, n_classes) == ("base_9_1", True, 10)
    assert base.output_shape == (None, 112)  # block5c_add's 112 channels, pooled

    def head(base, n_classes, freeze=True):
        base.trainable = not freeze
        return keras.Sequential([base, keras.layers.Dense(n_classes, activation="softmax")])

    assert graded_verdict("check_transfer_head", head).passed
    wrong = graded_verdict("check_transfer_head", lambda b, n: head(b, n, freeze=False))
    assert not wrong.passed and "freeze the base" in wrong.detail
