"""Time the hand-written convolutions against SciPy and TensorFlow on CPU.

    cnn-course bench [--repeat 20]

For each case it prints the best time (minimum over interleaved runs) of

- naive:       ``course_utils.conv.conv2d_naive`` (Python loops over output pixels and filters);
               timed on a centre crop and/or fewer filters, then scaled to the full case by the
               ratio of multiply-adds (the column says which crop);
- vectorised:  ``course_utils.conv.conv2d`` (sliding windows → im2col → one matrix product);
- SciPy:       ``scipy.signal.correlate2d`` once per (input channel, filter) pair, summed;
- TF:          ``tf.nn.conv2d`` (eager, batch of 1, float32);

and the ratio vectorised / TF (goal: ≤ 3). All inputs are float32; results are checked equal
(to 1e-3 relative) before timing. Timings depend on the machine and its load: on a shared
2-core machine they vary by ±30 % from run to run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import numpy as np

from .. import conv
from ..cli import positive_number, tool_parser

# (label, input (H, W, C), kernel, n_filters, stride, padding, crop (H, W) for naive or None)
CASES = [
    ("64×64×16, 32 filters 3×3, stride 1, same", (64, 64, 16), 3, 32, 1, "same", None),
    ("227×227×3, 96 filters 11×11, stride 4 (AlexNet conv1)", (227, 227, 3), 11, 96, 4,
     "valid", (63, 63)),
    ("28×28×1, 32 filters 3×3, stride 1 (lecture CNN conv1)", (28, 28, 1), 3, 32, 1, "valid",
     None),
]


def best_times(fns: dict[str, Callable[[], object]], repeat: int, block: int = 10
               ) -> dict[str, float]:
    """Best (minimum) wall time in seconds of each function over ``repeat`` rounds.

    In each round every function runs ``block`` times in a row, after a short pause: the
    functions take turns so that the load of other processes hits all of them alike, and the
    pause lets TensorFlow's worker threads stop spinning before NumPy's BLAS threads start.
    The minimum is the least disturbed run (as ``timeit`` advises).
    """
    for fn in fns.values():
        fn()  # warm-up
    best = {name: float("inf") for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            time.sleep(0.05)
            for _ in range(block):
                t0 = time.perf_counter()
                fn()
                best[name] = min(best[name], time.perf_counter() - t0)
    return best


def scipy_conv2d(x: np.ndarray, filters: np.ndarray, stride: int, padding: str) -> np.ndarray:
    """A conv layer from ``scipy.signal.correlate2d``: one 2-D correlation per (C, N_F) pair."""
    from scipy.signal import correlate2d

    kh, kw, c_in, n_f = filters.shape
    pads = conv.padding_amounts(x.shape[:2], (kh, kw), stride, padding)
    xp = conv.pad(x, pads)
    out = [sum(correlate2d(xp[:, :, k], filters[:, :, k, f], mode="valid")
               for k in range(c_in))[::stride, ::stride] for f in range(n_f)]
    return np.stack(out, axis=-1)


def fmt(seconds: float) -> str:
    return f"{seconds * 1e3:9.2f} ms" if seconds < 10 else f"{seconds:9.1f} s "


def time_case(x: np.ndarray, w: np.ndarray, stride: int, padding: str,
              crop: tuple[int, int] | None, repeat: int) -> dict[str, float]:
    """Check the four implementations agree on one case, then time them (seconds).

    Returns {"naive", "vectorised", "SciPy", "TF", "naive_crop", "n_full", "n_crop"}.
    """
    import tensorflow as tf

    tf_x, tf_w = tf.constant(x[None]), tf.constant(w)

    def run_tf() -> np.ndarray:
        return tf.nn.conv2d(tf_x, tf_w, strides=stride, padding=padding.upper()).numpy()[0]

    def run_vec() -> np.ndarray:
        return conv.conv2d(x, w, stride=stride, padding=padding)

    def run_scipy() -> np.ndarray:
        return scipy_conv2d(x, w, stride, padding)

    xc = x if crop is None else x[:crop[0], :crop[1]]

    def run_naive() -> np.ndarray:  # on a crop, scaled below by the number of outputs
        return conv.conv2d_naive(xc, w, stride=stride, padding=padding)

    ref = run_tf()
    scale = float(np.abs(ref).max())
    for name, got in (("vectorised", run_vec()), ("SciPy", run_scipy())):
        if not np.allclose(got, ref, atol=1e-3 * scale):
            raise SystemExit(f"{x.shape} ∗ {w.shape}: {name} differs from tf.nn.conv2d")
    fast = best_times({"TF": run_tf, "vectorised": run_vec}, repeat)
    slow = best_times({"SciPy": run_scipy, "naive_crop": run_naive}, 3, block=1)
    n_full = ref.size
    n_crop = conv.conv2d(xc[:, :, :1], w[:, :, :1, :], stride=stride, padding=padding).size
    return {**fast, **slow, "naive": slow["naive_crop"] * n_full / n_crop,
            "n_full": n_full, "n_crop": n_crop}


def main(argv: list[str] | None = None) -> int:
    """``cnn-course bench [--repeat N]``: print the timing table."""
    parser = tool_parser("bench", __doc__)
    parser.add_argument("--repeat", type=positive_number, default=10,
                        help="rounds of 10 calls for the fast methods")
    args = parser.parse_args(argv)
    args.repeat = int(args.repeat)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    rng = np.random.default_rng(0)
    onednn = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default (on)")
    print(f"NumPy {np.__version__}, TensorFlow {tf.__version__} (oneDNN: {onednn}), "
          f"{os.cpu_count()} CPU cores visible, float32, best of {args.repeat}×10 runs in "
          "alternating blocks (naive and SciPy: best of 3)\n")
    header = (f"{'case':<56} {'naive':>12} {'vectorised':>12} {'SciPy':>12} "
              f"{'tf.nn.conv2d':>12} {'vect/TF':>8}")
    print(header)
    print("-" * len(header))
    notes = []
    for label, shape, k, n_f, stride, padding, crop in CASES:
        x = rng.standard_normal(shape).astype(np.float32)
        w = rng.standard_normal((k, k, shape[2], n_f)).astype(np.float32)
        t = time_case(x, w, stride, padding, crop, args.repeat)
        mark = "*" if crop is not None else " "
        if crop is not None:
            notes.append(f"* {label}: naive timed on a {crop[0]}×{crop[1]} crop "
                         f"({t['n_crop']:,} outputs, {fmt(t['naive_crop']).strip()}) and "
                         f"scaled to the {t['n_full']:,} outputs of the full case")
        print(f"{label:<56} {fmt(t['naive'])}{mark} {fmt(t['vectorised']):>12} "
              f"{fmt(t['SciPy']):>12} {fmt(t['TF']):>12} {t['vectorised'] / t['TF']:8.2f}")
    print()
    for note in notes:
        print(note)
    print("All results equal tf.nn.conv2d to 1e-3 × max|output|.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
