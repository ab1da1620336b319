"""Checks of notebooks 02 and 02b (convolution by hand): 2.1 correlation and 2.2 a kernel that
moves the image in 02; 2.3 max pooling and 2.4 a kernel learned by gradient descent in 02b."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.signal

from ..conv import avg_pool2d, correlate2d, kernel_targets, max_pool2d, translate
from .framework import WRITE_IT, NotRight, Spec, array, contextual, register

SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def _correlators() -> list:
    """The course's and the libraries' correlations and convolutions: the answer of 2.1."""
    import keras
    import scipy.ndimage
    import tensorflow as tf

    from .. import conv

    return [conv.correlate2d, conv.correlate2d_naive, conv.convolve2d, conv.conv2d,
            conv.conv2d_naive, scipy.signal.correlate2d, scipy.signal.correlate,
            scipy.signal.convolve2d, scipy.signal.convolve, scipy.signal.fftconvolve,
            scipy.ndimage.correlate, scipy.ndimage.convolve, tf.nn.conv2d, tf.nn.convolution,
            keras.ops.conv, keras.layers.Conv2D]


def _poolers() -> list:
    """The course's and the libraries' pooling functions: the answer of 2.3."""
    import keras
    import skimage.measure
    import tensorflow as tf

    from .. import conv

    return [conv.max_pool2d, skimage.measure.block_reduce, tf.nn.max_pool2d, tf.nn.max_pool,
            keras.ops.max_pool, keras.layers.MaxPooling2D]


def _solvers() -> list:
    """Linear least-squares solvers: they give 2.4's kernel without gradient descent."""
    import scipy.linalg
    from sklearn.linear_model import LinearRegression

    return [np.linalg.lstsq, np.linalg.solve, np.linalg.pinv, np.linalg.inv, scipy.linalg.lstsq,
            scipy.linalg.solve, scipy.linalg.pinv, scipy.linalg.inv, LinearRegression]


def _correlate_cases(rng: np.random.Generator | None) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = rng or np.random.default_rng(2)
    return [(rng.integers(-5, 6, image), rng.integers(-2, 3, kernel)) for image, kernel in
            [((4, 4), (3, 3)), ((6, 5), (3, 2)), ((7, 7), (1, 1)), ((5, 8), (5, 3))]]


CORRELATE2D = register(Spec(
    name="check_correlate2d", exercise="2.1", probe="call", cases=_correlate_cases,
    reference=lambda im, k: scipy.signal.correlate2d(im, k, mode="valid"), compare=array(),
    label=lambda im, k: f"image {im.shape} with kernel {k.shape}",
    success="{n} random cases equal scipy.signal.correlate2d", forbidden=_correlators,
    reuse_hint=WRITE_IT, hints=[
        (lambda o, w, im, k: np.allclose(o, scipy.signal.convolve2d(im, k, mode="valid")),
         "that is a convolution: the kernel is flipped"),
        (lambda o, w, im, k: np.shape(o) == im.shape, "valid: no padding, the output shrinks"),
        (lambda o, w, im, k: np.shape(o) == tuple(np.subtract(w.shape, 1)),
         "forgot the +1: there are H − kh + 1 window positions"),
    ]))


def check_correlate2d(fn: Callable[..., Any]) -> bool:
    """Exercise 2.1: ``fn(image, kernel)`` = valid cross-correlation of image (H, W) with
    kernel (kh, kw), stride 1, no flip → (H − kh + 1, W − kw + 1)."""
    return CORRELATE2D.run(fn)


def _same_correlation(kernel: Any, image: np.ndarray) -> np.ndarray:
    try:
        kernel = np.asarray(kernel, dtype=float)
    except (TypeError, ValueError):
        raise NotRight(f"expected a 3×3 array, got {type(kernel).__name__}") from None
    if kernel.shape != (3, 3):
        raise NotRight(f"expected a 3×3 kernel, got shape {kernel.shape}")
    return correlate2d(image, kernel, padding="same")


SHIFT_KERNEL = register(Spec(
    name="check_shift_kernel", exercise="2.2", probe="value",
    cases=lambda rng: [((rng or np.random.default_rng(3)).integers(0, 10, (6, 6)),)],
    reference=lambda im: translate(im, 0, 1), compare=array(), facts=_same_correlation, hints=[
        (lambda out, w, im: np.allclose(out, translate(im, 0, -1)), "this moves the image to the "
         "LEFT: in a correlation the weight at column v reads pixel c + v − 1"),
        (lambda out, w, im: np.allclose(out, im), "the centre weight alone copies the image"),
        (lambda out, w, im: any(np.allclose(out, translate(im, r, c)) for r in (-1, 1)
                                for c in (-1, 0, 1)),
         "this moves the image up or down: put the 1 in the middle row"),
    ]))


def check_shift_kernel(kernel: Any) -> bool:
    """Exercise 2.2: a 3×3 kernel whose correlation (padding 'same') moves the image one pixel
    to the right: ``out[r, c] = image[r, c − 1]``, zeros in column 0."""
    return SHIFT_KERNEL.run(kernel)


def _pool_cases(rng: np.random.Generator | None) -> list[tuple[np.ndarray]]:
    rng = rng or np.random.default_rng(4)
    return [(rng.integers(-9, 10, shape),) for shape in [(4, 4), (6, 8), (5, 7), (2, 2)]]


MAX_POOL = register(Spec(
    name="check_max_pool", exercise="2.3", probe="call", cases=_pool_cases,
    reference=lambda x: max_pool2d(x, 2), compare=array(),
    label=lambda x: f"x of shape {x.shape}", forbidden=_poolers, reuse_hint=WRITE_IT, hints=[
        (lambda o, w, x: np.allclose(o, avg_pool2d(x, 2)),
         "that is average pooling: take the maximum of each 2×2 block"),
        (lambda o, w, x: np.shape(o) == tuple(np.subtract(x.shape, 1)),
         "the stride defaults to the pool size: step 2, not 1"),
        (lambda o, w, x: np.shape(o) == x.shape, "2×2 pooling with stride 2 halves each side"),
        (lambda o, w, x: np.shape(o) == tuple(-(-np.array(x.shape) // 2)),
         "drop the last row/column when H or W is odd, as Keras' padding='valid' does"),
    ]))


def check_max_pool(fn: Callable[..., Any]) -> bool:
    """Exercise 2.3: ``fn(x)`` = 2×2 max pooling with stride 2 of x (H, W) → (⌊H/2⌋, ⌊W/2⌋)
    (last odd row/column dropped, as Keras' MaxPooling2D((2, 2)))."""
    return MAX_POOL.run(fn)


def _relative_error(got: np.ndarray, want: np.ndarray) -> float:
    """‖got − want‖ / ‖want‖ (Frobenius norms)."""
    return float(np.linalg.norm(np.asarray(got) - want) / np.linalg.norm(want))


def _as_kernel(result: Any, *_: Any) -> np.ndarray:
    try:
        kernel = np.asarray(result, dtype=float)
    except (TypeError, ValueError):
        raise NotRight(f"expected a (3, 3) array, got {type(result).__name__}") from None
    if kernel.size != 9:
        raise NotRight(f"expected a (3, 3) kernel, got shape {kernel.shape}")
    kernel = kernel.reshape(3, 3)  # (3, 3, 1, 1) as tf.nn.conv2d keeps it is fine
    if not np.all(np.isfinite(kernel)):
        raise NotRight("the kernel holds NaN or inf: the loss diverged — lower the learning rate")
    return kernel


def _kernel_error(message: str) -> str:
    """A TensorFlow error, shortened, with a hint when shapes disagree."""
    text = re.sub(r"\{\{.*?\}\}\s*", "", message).splitlines()[0][:140]
    if "shape" in message.lower():
        text += (" (prediction and targets differ in shape: padding='SAME' keeps H×W, "
                 "padding='VALID' loses a pixel on each side)")
    return text


KERNEL_PHOTOS = ("camera", "coffee", "chelsea", "astronaut")  # exercise 2.4's images


def small_grey(name: str, size: int = 32) -> np.ndarray:
    """The photo ``name`` (:func:`course_utils.data.load_photo`) in grey, resized to
    (size, size) with anti-aliasing and standardised, (x − mean) / sd (notebook 02b's
    ``small_grey``)."""
    from skimage.color import rgb2gray
    from skimage.transform import resize

    from ..data import load_photo

    image = load_photo(name)[0]
    image = rgb2gray(image) if image.ndim == 3 else image / 255
    image = resize(image, (size, size), anti_aliasing=True)
    return (image - image.mean()) / image.std()


def learned_kernel_context(size: int = 32) -> tuple[np.ndarray]:
    """Exercise 2.4's context: ``(photos,)``, the :data:`KERNEL_PHOTOS` as :func:`small_grey`
    images, (4, size, size) float32."""
    return (np.stack([small_grey(name, size) for name in KERNEL_PHOTOS]).astype(np.float32),)


def _learned_kernel(images: Any, max_error: float = 0.05) -> Spec:
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 3:
        raise ValueError(f"images must be (N, H, W), got shape {images.shape}")

    def cases(rng: np.random.Generator | None) -> list[tuple]:
        rng = rng or np.random.default_rng(24)
        hidden = rng.normal(size=(3, 3)).round(1)
        return [(images, kernel_targets(images, kernel).astype(np.float32),
                 (0.1 * rng.normal(size=(3, 3))).astype(np.float32))
                for kernel in (SOBEL_X, hidden)]

    def truth(im: np.ndarray, targets: np.ndarray, init: np.ndarray) -> np.ndarray:
        """The kernel that made ``targets``: they are linear in it (least squares, exact)."""
        from ..conv import im2col

        patches = np.concatenate([im2col(image, 3, padding="same").T for image in im])
        return np.linalg.lstsq(patches, targets.reshape(-1), rcond=None)[0].reshape(3, 3)

    def compare(got: np.ndarray, want: np.ndarray, reveal: bool) -> str | None:
        error = _relative_error(got, want)
        return None if error < max_error else \
            f"relative error ‖k − K‖/‖K‖ = {error:.3f}, should be below {max_error}"

    def label(im: np.ndarray, targets: np.ndarray, init: np.ndarray) -> str:
        made_by_sobel = _relative_error(truth(im, targets, init), SOBEL_X) < 1e-3
        return "targets made by Sobel-x" if made_by_sobel else \
            "targets made by a kernel you have not seen"

    return Spec(
        name="check_learned_kernel", exercise="2.4", probe="call", cases=cases, reference=truth,
        facts=_as_kernel, compare=compare, label=label, on_error=_kernel_error,
        forbidden=_solvers, reuse_hint="learn it by gradient descent: a least-squares solver "
        "is not the exercise",
        success="Sobel-x and an unseen kernel recovered from random starts", hints=[
            (lambda k, w, *_: _relative_error(k[::-1, ::-1], w) < max_error,
             "your kernel is the target flipped (for Sobel-x, flipped = negated): is your "
             "forward pass a convolution (scipy.signal.convolve2d flips)? the targets are a "
             "correlation (tf.nn.conv2d); or is a sign wrong?"),
            (lambda k, w, *_: _relative_error(k.T, w) < max_error,
             "rows and columns swapped: the kernel is (kh, kw) = (rows, columns)"),
            (lambda k, w, *_: _relative_error(-k, w) < max_error,
             "the sign is flipped: compare prediction with target, and step against the "
             "gradient"),
            (lambda k, w, *_: _relative_error(k, SOBEL_X) < max_error,
             "that is Sobel-x, but these targets were made by another kernel: learn from "
             "`targets`"),
            (lambda k, w, im, t, k0: np.linalg.norm(k - k0) < 0.1 * np.linalg.norm(w - k0),
             "the kernel hardly moved from `init`: apply the gradient to the variable "
             "(optimizer.apply_gradients or kernel.assign_sub), more steps or a larger rate"),
            (lambda k, w, *_: np.abs(k).max() > 10 * np.abs(w).max(),
             "the kernel grew huge: the learning rate is too high (the loss diverges)"),
            (lambda k, w, *_: _relative_error(k, w) < 0.5,
             "close, but not there yet: train for more steps"),
        ])


LEARNED_KERNEL = register(contextual("check_learned_kernel", "2.4", "call",
                                     ("images", "max_error"), _learned_kernel,
                                     forbidden=_solvers,
                                     grading_context=lambda rng: learned_kernel_context()))


def check_learned_kernel(fn: Callable[..., Any], images: np.ndarray,
                         max_error: float = 0.05) -> bool:
    """Exercise 2.4: ``fn(images, targets, init)`` trains a 3×3 kernel by gradient descent,
    starting from ``init`` (3, 3), so that the correlation of ``images`` (N, H, W) with it
    (padding 'same') matches ``targets`` (N, H, W); it returns the learned (3, 3) kernel. Two
    runs from random starts: targets made by Sobel-x, then by a random kernel the student has
    never seen (so the kernel must be learned, not typed); each learned kernel must be within
    ``max_error`` (relative, ‖k − K‖/‖K‖) of the kernel that made the targets."""
    return LEARNED_KERNEL.run(fn, images, max_error)
