"""Checks of notebook 03 (padding, stride and output-size arithmetic; 3.4 builds and trains a
convolutional stack to a target shape)."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from typing import Any

import numpy as np

from ..shapes import conv_ops, conv_output_size, conv_params, dense_params
from .framework import (
    BUILD_IT,
    WRITE_IT,
    Hint,
    NotRight,
    Spec,
    Verdict,
    contextual,
    named,
    notebook_data,
    number,
    register,
    sandbox_context,
)
from .rebuild import rebuild


def _output_size_cases(rng: np.random.Generator | None) -> list[tuple[int, int, int, int]]:
    """Every (n, f, p, s) of a grid in the notebook; 80 random ones when a grader draws them."""
    if rng is None:
        return [(n, f, p, s) for n in (4, 6, 7, 28, 32, 227) for f in (1, 2, 3, 5, 11)
                for p in (0, 1, 2) for s in (1, 2, 3, 4) if f <= n + 2 * p]
    cases = []
    while len(cases) < 80:
        n, f, p, s = (int(rng.integers(2, 300)), int(rng.integers(1, 12)), int(rng.integers(0, 4)),
                      int(rng.integers(1, 6)))
        if f <= n + 2 * p:
            cases.append((n, f, p, s))
    return cases


OUTPUT_SIZE = register(Spec(
    name="check_output_size", exercise="3.1", probe="call", cases=_output_size_cases,
    reference=lambda n, f, p, s: conv_output_size(n, f, s, p).size,
    label="n={}, f={}, p={}, s={}", success="{n} cases", forbidden=lambda: [conv_output_size],
    reuse_hint=WRITE_IT, hints=[
        (lambda o, w, n, f, p, s: isinstance(o, float), "use // (floor division): / gives a float"),
        (lambda o, w, n, f, p, s: o in (round((n + 2 * p - f) / s) + 1,
                                        -(-(n + 2 * p - f) // s) + 1),
         "round down (floor): a window that does not fit is dropped"),
        (lambda o, w, n, f, p, s: o == (n + p - f) // s + 1,
         "padding is added on both sides: n + 2p"),
        (lambda o, w, n, f, p, s: o == w - 1, "forgot the +1 (the first window)"),
        (lambda o, w, n, f, p, s: o == n + 2 * p - f + 1, "divide by the stride s"),
    ]))


def check_output_size(fn: Callable[..., Any]) -> bool:
    """Exercise 3.1: ``fn(n, f, p, s)`` = ⌊(n + 2p − f)/s⌋ + 1 for many (n, f, p, s)."""
    return OUTPUT_SIZE.run(fn)


_SIZE, _PARAMS = conv_output_size(64, 5, 2, "same").size, conv_params(5, 5, 3, 16)

LAYER_ANSWER = register(Spec(
    name="check_layer_answer", exercise="3.2", probe="value", cases=lambda rng: [()],
    reference=lambda: (_SIZE, _SIZE, 16, _PARAMS),
    compare=named(("H'", "W'", "channels", "parameters")), hints=[
        (lambda a, w: a[0] == conv_output_size(64, 5, 2, "valid").size,
         "padding='same' gives ⌈n/s⌉, whatever the kernel size"),
        (lambda a, w: a[0] == 64, "a stride of 2 halves the size"),
        (lambda a, w: a[3] == _PARAMS - 16, "did you count the biases?"),
        (lambda a, w: a[3] == conv_params(5, 5, 1, 16), "each 5×5 filter spans all 3 channels"),
    ]))


def check_layer_answer(answer: Any) -> bool:
    """Exercise 3.2: (H', W', channels, parameters) of Conv2D(16, (5, 5), strides=2,
    padding="same") on a 64×64×3 input."""
    return LAYER_ANSWER.run(answer)


_OPS = conv_ops(26, 26, 3, 1, 32)

CONV_OPS = register(Spec(
    name="check_conv_ops", exercise="3.3", probe="value", cases=lambda rng: [()],
    reference=lambda: _OPS.total, compare=number(), hints=[
        (lambda a, w: a == _OPS.multiplications,
         lambda a, w: f"{a:,} counts only the multiplications"),
        (lambda a, w: a == conv_ops(26, 26, 3, 1, 32, bias=False).total,
         "one more addition per output for the bias"),
        (lambda a, w: a == conv_ops(28, 28, 3, 1, 32).total,
         "count the output positions: valid padding gives 26×26, not 28×28"),
        (lambda a, w: a * 32 == w, "each of the 32 filters makes its own output map"),
    ]))


def check_conv_ops(answer: Any) -> bool:
    """Exercise 3.3: multiplications + additions (with bias) of the lecture CNN's first layer,
    Conv2D(32, (3, 3)) on 28×28×1 (INSA counting)."""
    return CONV_OPS.run(answer)


# --- Exercise 3.4: a convolutional stack built to a target shape, then trained ----------------

STACK_INPUT = (28, 28, 1)  # an MNIST digit, (H, W, C)
# (filters, kernel, stride, padding) of conv1 … conv3 — the student is given filters, kernel,
# stride and each output shape, and chooses the padding
STACK_CONVS = ((8, 5, 1, "same"), (16, 3, 2, "valid"), (32, 3, 2, "same"))
STACK_CLASSES = 10
STACK_KINDS = ("Conv2D", "Conv2D", "Conv2D", "Flatten", "Dense")
STACK_TRAIN_EXAMPLES = 1024  # the check trains on at most this many images ...
STACK_EPOCHS = 3  # ... for this many epochs (batches of 64: 48 steps)

StackFacts = namedtuple("StackFacts",
                        "layer_kinds conv_maps output_dims output_activation parameters")


def stack_maps(convs: tuple = STACK_CONVS, input_shape: tuple = STACK_INPUT) -> tuple:
    """(H, W, filters) after each convolution of ``convs`` ((filters, kernel, stride, padding)
    per layer) on an ``input_shape`` (H, W, C) input, by ⌊(n + 2p − k)/s⌋ + 1 (Keras' ``same``:
    ⌈n/s⌉) along each axis."""
    h, w, _ = input_shape
    maps = []
    for filters, kernel, stride, padding in convs:
        h = conv_output_size(h, kernel, stride, padding).size
        w = conv_output_size(w, kernel, stride, padding).size
        maps.append((h, w, filters))
    return tuple(maps)


def stack_params(convs: tuple = STACK_CONVS, input_shape: tuple = STACK_INPUT,
                 n_classes: int = STACK_CLASSES) -> int:
    """Trainable parameters of ``convs`` → Flatten → Dense(``n_classes``):
    Σ (k·k·C_in + 1)·N_F over the convolutions + (H·W·N_F + 1)·n_classes."""
    c_in, total = input_shape[2], 0
    for filters, kernel, _, _ in convs:
        total += conv_params(kernel, kernel, c_in, filters)
        c_in = filters
    h, w, c = stack_maps(convs, input_shape)[-1]
    return total + dense_params(h * w * c, n_classes)


def _stack_reference() -> tuple:
    return StackFacts(STACK_KINDS, stack_maps(), (STACK_CLASSES,), "softmax", stack_params())


def _stack_facts(got: Any, *_: Any) -> tuple:
    """The :class:`StackFacts` of the model rebuilt from the answer's config."""
    model = rebuild(got, hint="start with keras.Input(shape=(28, 28, 1))")
    try:
        layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
        shape, maps = tuple(model.input_shape), []
        for layer in layers:  # a chain of layers: each one's output shape from its input's
            shape = tuple(layer.compute_output_shape(shape))
            if type(layer).__name__ == "Conv2D":
                maps.append(tuple(int(d) for d in shape[1:]))
        last = str(layers[-1].get_config().get("activation")) if layers else "none"
        return StackFacts(tuple(type(layer).__name__ for layer in layers), tuple(maps),
                          tuple(shape[1:]), last, int(model.count_params()))
    except Exception as exc:  # noqa: BLE001 - an unbuilt or odd model is a verdict
        raise NotRight(f"could not read the model ({type(exc).__name__}: {exc}); start with "
                       "keras.Input(shape=(28, 28, 1))") from None


def _side(size: int, kernel: int, stride: int, padding: str) -> str:
    return conv_output_size(size, kernel, stride, padding).formula()


def first_wrong_map(got_maps: tuple, want_maps: tuple = stack_maps(),
                    convs: tuple = STACK_CONVS, input_side: int = STACK_INPUT[0]) -> str:
    """What makes the first convolution whose output differs from ``want_maps`` wrong: the other
    padding, a stride of 1, or the number of filters — named with the formula."""
    n_in = input_side
    for i, (got, want, (filters, kernel, stride, padding)) in enumerate(
            zip(got_maps, want_maps, convs, strict=False), start=1):
        if got == want:
            n_in = want[0]
            continue
        other = "valid" if padding == "same" else "same"
        if got[0] == conv_output_size(n_in, kernel, stride, other).size:
            return (f"conv{i} gives {got[0]}×{got[1]}: padding='{other}' computes "
                    f"{_side(n_in, kernel, stride, other)}; the other padding gives "
                    f"{_side(n_in, kernel, stride, padding)}")
        for wrong in (1, 2, 3):
            if wrong != stride and got[0] in (conv_output_size(n_in, kernel, wrong, p).size
                                               for p in ("valid", "same")):
                return (f"conv{i} gives {got[0]}×{got[1]}, as a stride of {wrong} would; the "
                        f"table's stride is {stride}")
        if got[:2] == want[:2]:
            return f"conv{i} has {got[2]} filters, the table asks for {filters}"
        return (f"conv{i} gives {got[0]}×{got[1]} from a {n_in}×{n_in} input; with a "
                f"{kernel}×{kernel} kernel and stride {stride} the formula decides it")
    if len(got_maps) != len(want_maps):
        return f"{len(got_maps)} Conv2D layers, the table has {len(want_maps)}"
    return "the feature maps are right"


_STACK_HINTS: list[Hint] = [
    (lambda g, w: any("Pooling" in kind for kind in g.layer_kinds),
     "no pooling layers here: the strides do the downsampling"),
    (lambda g, w: g.layer_kinds != w.layer_kinds,
     "three Conv2D layers, then Flatten and Dense(10, softmax)"),
    (lambda g, w: g.conv_maps != w.conv_maps, lambda g, w: first_wrong_map(g.conv_maps)),
    (lambda g, w: g.output_dims != w.output_dims or g.output_activation != "softmax",
     "the last layer: Dense(10, activation='softmax'), ten class probabilities"),
    (lambda g, w: g.parameters == w.parameters - sum(f for f, *_ in STACK_CONVS) - STACK_CLASSES,
     "keep the biases (use_bias=True, the default)"),
]


def stack_losses(build: Callable[[], Any], x: np.ndarray, y: np.ndarray,
                 seed: int = 0) -> list[float]:
    """Per-epoch training loss of ``build()`` trained as exercise 3.4 trains it:
    :func:`course_utils.training.training_losses` (SGD with momentum, batches of 64, seeded) for
    :data:`STACK_EPOCHS` epochs on the first :data:`STACK_TRAIN_EXAMPLES` images of ``x``
    (N, 28, 28, 1) in [0, 1], ``y`` (N,) in 0..9. The model is built after seeding, so its
    initial weights — and the verdict — do not depend on what the kernel ran before."""
    import keras

    from ..training import training_losses

    _check_digits(x, y)
    n = min(len(x), STACK_TRAIN_EXAMPLES)
    keras.utils.set_random_seed(seed)
    return training_losses(build(), x[:n], y[:n], epochs=STACK_EPOCHS, seed=seed)


def _check_digits(x: Any, y: Any) -> None:
    shape, labels = np.shape(x), np.shape(y)
    if len(shape) != 4 or shape[1:] != STACK_INPUT or labels != shape[:1] or not shape[0]:
        raise ValueError(f"expected digits x of shape (N, 28, 28, 1) and labels y of shape (N,), "
                         f"got {shape} and {labels}")


def _stack_trains(x: np.ndarray, y: np.ndarray) -> Callable[[list, list, tuple], Verdict]:
    def trains(values: list, cases: list, context: tuple) -> Verdict:
        """Stage 2: the model, rebuilt from its config, trained a few steps: the loss falls."""
        from .probes import attempt

        ok, losses = attempt(stack_losses, lambda: rebuild(values[0]), x, y)
        if not ok:
            return Verdict(False, f"training your model {losses}")
        if not np.all(np.isfinite(losses)) or losses[-1] >= losses[0]:
            return Verdict(False, f"the training loss does not fall ({losses[0]:.2f} → "
                                  f"{losses[-1]:.2f} over {STACK_EPOCHS} epochs): is the output "
                                  "Dense(10, softmax) and are the inputs scaled to [0, 1]?")
        h, w, c = stack_maps()[-1]
        return Verdict(True, f"{h}×{w}×{c} before Flatten, {stack_params():,} parameters; "
                             f"training loss {losses[0]:.2f} → {losses[-1]:.2f} over "
                             f"{STACK_EPOCHS} epochs on {min(len(x), STACK_TRAIN_EXAMPLES):,} "
                             "digits")
    return trains


def _course_builders() -> list[str]:
    """The course's model builders (any function or class of ``course_utils.models``)."""
    return ["course_utils.models"]


def _conv_stack(x: np.ndarray, y: np.ndarray) -> Spec:
    _check_digits(x, y)
    return Spec(
        name="check_conv_stack", exercise="3.4", probe="call", cases=lambda rng: [()],
        reference=_stack_reference, facts=_stack_facts, label="",
        compare=named(("layer types", "feature maps (H, W, filters)", "output shape",
                       "output activation", "parameters")),
        hints=_STACK_HINTS, then=_stack_trains(x, y), forbidden=_course_builders,
        reuse_hint=BUILD_IT)


def conv_stack_context(profile: Any = None, source: str = "auto") -> tuple:
    """Exercise 3.4's context, as notebook 03 loads it: ``(x, y)``, the MNIST training digits
    (:func:`~.framework.notebook_data`) scaled to [0, 1], x (N, 28, 28, 1), y (N,)."""
    from ..training import scale_images

    mnist = notebook_data("mnist", profile, source)
    return scale_images(mnist.x_train), mnist.y_train


CONV_STACK = register(contextual("check_conv_stack", "3.4", "call", ("x", "y"), _conv_stack,
                                 forbidden=_course_builders,
                                 grading_context=sandbox_context(conv_stack_context, "mnist")))


def check_conv_stack(fn: Callable[..., Any], x: np.ndarray, y: np.ndarray) -> bool:
    """Exercise 3.4: ``fn()`` builds, from Keras layers, 28×28×1 → Conv2D(8, 5×5, stride 1) →
    Conv2D(16, 3×3, stride 2) → Conv2D(32, 3×3, stride 2) → Flatten → Dense(10, softmax), each
    padding chosen so the maps are 28×28×8, 13×13×16 and 7×7×32 (:data:`STACK_CONVS`).
    Stage 0: an answer that uses a course builder (``course_utils.models.*``) fails. Stage 1: the
    rebuilt model's layer types, feature-map shapes, output shape, output activation and
    parameter count are compared with :func:`stack_maps` and :func:`stack_params` (the formulas
    of :mod:`course_utils.shapes`), with a hint naming the first wrong convolution (``valid`` vs
    ``same``, another stride, the filters).
    Stage 2: the model is trained a few steps on ``x`` (N, 28, 28, 1) in [0, 1], ``y`` (N,)
    (:func:`stack_losses`) and its training loss must fall."""
    return CONV_STACK.run(fn, x, y)
