"""Test configuration, loaded for every pytest run (``-p tests.conftest`` in pyproject.toml).

- The notebook rules (quick profile, offline, stderr not compared by nbval) are the plugin
  :mod:`course_utils.tools.nbval_plugin`, imported here; ``cnn-course test`` uses the same plugin.
  ``data.network_available``'s cached answer is cleared before every test: no order dependence.
- Hypothesis is deterministic: the "course" profile derandomizes the examples (the same ones on
  every machine and run), keeps no example database and has no deadline (first TensorFlow
  calls are slow); a failure prints the blob that reproduces it.
"""

from __future__ import annotations

import sys

import pytest
from hypothesis import settings

from course_utils.tools import nbval_plugin  # noqa: F401 - sets the environment, patches nbval

settings.register_profile(
    "course", derandomize=True, database=None, deadline=None, print_blob=True
)
settings.load_profile("course")


def _forget_network_answer() -> None:
    data = sys.modules.get("course_utils.data")
    if data is not None and hasattr(data.network_available, "cache_clear"):
        data.network_available.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_network_answer():
    """Forget ``data.network_available``'s cached answer before and after every test."""
    _forget_network_answer()
    yield
    _forget_network_answer()


# --- shared stubs and reference formulas (``from tests.conftest import ...``) ----------------

# the lecture network's conv/pool chain: conv 3×3, pool 2×2, conv 3×3, pool 2×2, conv 3×3
# (kernel, stride) per layer, as course_utils.receptive_field.receptive_field takes it
LECTURE_STACK = [(3,), (2, 2), (3,), (2, 2), (3,)]


def kernel_registered(name: str = "cnn-course") -> bool:
    """Whether Jupyter knows the kernel ``name`` (``make setup`` registers "cnn-course").

    Tests that start a kernel skip without it: ``@pytest.mark.skipif(not kernel_registered(),
    reason=...)``.
    """
    try:
        from jupyter_client.kernelspec import KernelSpecManager
    except ImportError:
        return False
    return name in KernelSpecManager().find_kernel_specs()


def not_implemented(*args, **kwargs):
    """A student's untouched exercise stub."""
    raise NotImplementedError


def keras_early_stop_epoch(val_losses, patience):
    """Where keras.callbacks.EarlyStopping stops when fed these validation losses (None: never).

    The reference the notebook-05 exercise and course_utils.exercises are checked against.
    """
    import keras

    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
    es = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience)
    model.stop_training = False
    es.set_model(model)
    es.on_train_begin()
    for epoch, loss in enumerate(val_losses):
        es.on_epoch_end(epoch, {"val_loss": loss})
        if model.stop_training:
            return epoch
    return None


@pytest.fixture(scope="module")
def lite0_64():
    """EfficientNet-Lite0 without its head, random weights, 64×64×3 inputs (notebook 10's model at
    a test's size)."""
    import keras

    from course_utils.models import efficientnet as eff

    keras.utils.set_random_seed(0)
    return eff.efficientnet_lite0(include_top=False, weights=None, input_shape=(64, 64, 3))


def box_model():
    """(8, 8, 1) → 3×3 'same' conv ('conv', 1 channel: window sum + centre) → GAP → Dense(2)."""
    import keras
    import numpy as np

    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(1, 3, padding="same", use_bias=False, name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(2, name="out")(x)
    model = keras.Model(inputs, outputs)
    kernel = np.ones((3, 3, 1, 1))
    kernel[1, 1] = 2.0  # the unit centred on a bright pixel responds most
    model.get_layer("conv").set_weights([kernel])
    model.get_layer("out").set_weights([np.array([[2.0, -1.0]]), np.zeros(2)])
    return model
