"""Profiles (``quick`` / ``full``), seeding, determinism and the device report.

Every notebook starts with::

    from course_utils import config
    profile = config.setup()

and then reads sizes and epochs from ``profile``. Where one lesson needs a budget of its own,
one visible line names both values (``8 if profile.name == "full" else profile.epochs``), and
the asserts say what each profile can show.
The profile comes from the environment variable ``COURSE_PROFILE``: ``full`` (the default, what a
lecture uses) or ``quick`` (what the tests and ``make run`` use: small real data, few epochs,
target: every notebook within 90 s on 2 CPU cores).
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import platform
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PROFILE_VARIABLE = "COURSE_PROFILE"
DEFAULT_SEED = 42


@dataclass(frozen=True)
class Profile:
    """Sizes and epochs a notebook reads instead of hard-coding them.

    ``None`` for a size means "all the data the source has".
    """

    name: str
    n_train: int | None  # training examples taken from a data set
    n_test: int | None  # test examples taken from a data set
    epochs: int  # epochs of a main training run
    short_epochs: int  # epochs of a demonstration run (a callback, a comparison)
    batch_size: int
    verbose: int  # Keras ``fit`` verbosity: 0 = silent in both profiles, the lecture edition
    # shows each notebook's own summary of a run (accuracies, seconds per epoch, curves), not
    # Keras' progress lines (wide, one per epoch: they overflowed the slides)
    image_size: int  # side of the images fed to the ImageNet model (pixels)
    n_embed: int  # points embedded by t-SNE / compared by kNN
    n_cifar_train: int  # CIFAR-10 training examples
    n_cifar_test: int


PROFILES: dict[str, Profile] = {
    "quick": Profile(
        name="quick", n_train=4000, n_test=1000, epochs=3, short_epochs=2, batch_size=128,
        verbose=0, image_size=128, n_embed=1000, n_cifar_train=4000, n_cifar_test=1000,
    ),
    "full": Profile(
        name="full", n_train=None, n_test=None, epochs=12, short_epochs=5, batch_size=128,
        verbose=0, image_size=224, n_embed=5000, n_cifar_train=50000, n_cifar_test=10000,
    ),
}


def profile_name() -> str:
    """The profile chosen by ``COURSE_PROFILE`` (``full`` when unset or empty).

    Raises ``ValueError`` for a name that is not a profile.
    """
    name = os.environ.get(PROFILE_VARIABLE, "").strip().lower() or "full"
    if name not in PROFILES:
        raise ValueError(
            f"{PROFILE_VARIABLE} must be one of {sorted(PROFILES)}, got {name!r}"
        )
    return name


def get_profile(name: str | None = None) -> Profile:
    """The :class:`Profile` called ``name`` (default: the one ``COURSE_PROFILE`` selects)."""
    if name is None:
        name = profile_name()
    if name not in PROFILES:
        raise ValueError(f"profile must be one of {sorted(PROFILES)}, got {name!r}")
    return PROFILES[name]


def quiet_tensorflow() -> None:
    """Import TensorFlow with its C++ logging silenced, and its Python warnings too.

    ``TF_CPP_MIN_LOG_LEVEL`` silences most of it; the few lines written before absl's logging
    starts ("Could not find cuda drivers ...") ignore it, so the process's stderr is muted
    during the first import only. GPUs are still reported by :func:`device_report`.

    TensorFlow's oneDNN kernels (its default on x86 CPUs) stay on: notebook 05's deeper model
    trains about twice as fast as with ``TF_ENABLE_ONEDNN_OPTS=0`` (2 cores,
    ``cnn-course bench-training``), and they are not what made runs differ: that is the order
    of parallel ops (:func:`seed_everything`), with oneDNN on and off alike.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" not in sys.modules:
        with _stderr_muted():
            import tensorflow  # noqa: F401
    logging.getLogger("tensorflow").setLevel(logging.ERROR)  # e.g. no "retracing" notes


@contextlib.contextmanager
def _stderr_muted():
    """Send file descriptor 2 (C-level stderr) to /dev/null for the duration of the block."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def seed_everything(seed: int = DEFAULT_SEED) -> bool:
    """Seed Python, NumPy and TensorFlow, make TensorFlow's ops deterministic and run one op at
    a time; returns whether TensorFlow runs one op at a time (see below).

    Op determinism alone does not make two processes train the same weights on a CPU: when
    Grappler's static estimate of a training step's peak memory exceeds 80 % of the memory it
    believes the device has (on a CPU: the free RAM; notebook 05's deeper model at batch 256
    on a 24 GB machine), its memory optimizer turns each sum of three or more large gradients
    (``AddN``: BatchNorm's input gets three) into ``AssignAdd`` s into a temporary buffer, in
    the order the terms finish — an order that changes from run to run when ops run in
    parallel. One inter-op thread (:func:`one_op_at_a_time`) fixes that order; each op still
    uses every core (intra-op threads), and on 2 cores notebook 05's model trained about as
    fast (74 and 119 images/s against 83 and 118, interleaved runs on a busy machine).
    ``tests/test_determinism.py`` checks two fresh CPU processes; GPU runs were not checked.

    The thread count can be set only before TensorFlow's first tensor or model: called later
    (a second ``setup()`` in a running kernel that did not start with one) it returns False,
    and two such runs may differ in their last digits. Python's hash seed cannot change in a
    running process: ``PYTHONHASHSEED`` is set for the processes it starts.
    """
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    quiet_tensorflow()
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)  # seeds random, numpy and the backend together
    tf.config.experimental.enable_op_determinism()
    return one_op_at_a_time()


def one_op_at_a_time() -> bool:
    """Give TensorFlow one inter-op thread (ops run one after another, each on every core).

    Returns True when TensorFlow now runs one op at a time, False when it had already started
    its thread pools with more (then it cannot be changed in this process).
    """
    quiet_tensorflow()
    import tensorflow as tf

    if tf.config.threading.get_inter_op_parallelism_threads() != 1:
        try:
            tf.config.threading.set_inter_op_parallelism_threads(1)
        except RuntimeError:  # "cannot be modified after initialization"
            return False
    return True


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux), else what ``platform`` knows."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return cpu


def device_report() -> dict[str, str]:
    """Versions and the device TensorFlow computes on: {"python": ..., "device": ...}."""
    quiet_tensorflow()
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    cpu = f"CPU ({os.cpu_count()} cores, {cpu_model()})"
    device = f"GPU x{len(gpus)} ({gpus[0].name}), {cpu}" if gpus else cpu
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "device": device,
    }


def style_figures() -> bool:
    """Figure defaults every notebook shares, and the legibility inspection of every shown figure.

    Sets ``figure.dpi`` = :data:`course_utils.plotting.DPI` (100; the inline backend saves at
    it, so a figure ``w`` inches wide is about ``100·w`` px and must stay ≤ 9.6 in to show
    unscaled) and constrained layout by default (titles and labels never overlap; a cell should
    not call ``tight_layout()``). Inside IPython it installs :func:`course_utils.figures.install`:
    every figure displayed prints ``FIGURE WARNING: ...`` if titles overlap or it is wider than
    990 px. Returns whether that inspection was installed (False outside IPython).
    """
    import matplotlib as mpl

    from . import figures, plotting

    installed = figures.install()  # imports pyplot first inside IPython (the inline backend)
    mpl.rcParams.update({"figure.dpi": plotting.DPI, "savefig.dpi": "figure",
                         "figure.constrained_layout.use": True})
    return installed


def setup(seed: int = DEFAULT_SEED, report: bool = True) -> Profile:
    """Start a notebook: seed, enable determinism, quiet TF logs, print profile/device/data.

    Also sets the figure defaults and installs the figure inspection (:func:`style_figures`).
    Returns the active :class:`Profile`.
    """
    prof = get_profile()
    repeatable = seed_everything(seed)
    style_figures()
    if report:
        from . import data

        info = device_report()
        print(f"profile: {prof.name}   seed: {seed}   date: {datetime.date.today().isoformat()}")
        if not repeatable:
            print("TensorFlow started before setup(): it runs several ops at once here, so two "
                  "runs may differ in their last digits (restart the kernel to repeat exactly)")
        print("   ".join(f"{k}: {v}" for k, v in info.items()))
        print("data sources here:", ", ".join(f"{k} → {v}" for k, v in data.sources().items()))
    return prof
