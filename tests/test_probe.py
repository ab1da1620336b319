"""course_utils.probe: the one builder of layer-probe sub-models."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

from course_utils import probe


def small_model():
    inputs = keras.Input((6, 6, 1), name="image")
    x = keras.layers.Conv2D(2, 3, name="conv")(inputs)
    x = keras.layers.Flatten(name="flat")(x)
    return keras.Model(inputs, keras.layers.Dense(3, name="out")(x), name="small")


def test_one_layer_several_layers_and_the_output():
    model = small_model()
    x = np.random.default_rng(0).random((2, 6, 6, 1)).astype("float32")
    one = probe.layer_probe(model, "conv")
    assert one.name == "small_probe" and one.predict(x, verbose=0).shape == (2, 4, 4, 2)
    conv, flat = probe.layer_probe(model, ["conv", "flat"]).predict(x, verbose=0)
    np.testing.assert_allclose(flat, conv.reshape(2, -1), rtol=1e-6)
    maps, scores = probe.layer_probe(model, ["conv"], with_output=True, name="p")(x)
    np.testing.assert_allclose(scores, model(x), rtol=1e-6)
    assert probe.layer_probe(model, "conv").layers[1] is model.get_layer("conv")  # shared


def test_cached_probe_is_built_once_per_model_layers_and_output():
    model, other = small_model(), small_model()
    first = probe.cached_probe(model, "conv")
    assert probe.cached_probe(model, "conv") is first
    assert probe.cached_probe(model, "conv", with_output=True) is not first
    assert probe.cached_probe(other, "conv") is not first
    both = ("conv", "flat")
    assert probe.cached_probe(model, both) is probe.cached_probe(model, both)
    with pytest.raises(ValueError, match="has no layer 'nope'"):
        probe.cached_probe(model, "nope")


def test_bad_names_are_clear_errors():
    model = small_model()
    with pytest.raises(ValueError, match=r"model 'small' has no layer 'nope'; layers: \["):
        probe.layer_probe(model, "nope")
    with pytest.raises(ValueError, match="at least one layer name"):
        probe.layer_probe(model, [])
    assert probe.get_layer(model, "out") is model.get_layer("out")


def test_no_module_builds_its_own_probe():
    package = Path(probe.__file__).parent
    for path in sorted(package.rglob("*.py")):
        if path.name != "probe.py":
            assert "keras.Model(model.inputs" not in path.read_text(encoding="utf-8"), path.name
