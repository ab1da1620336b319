"""Layer probes: a Keras model from a model's input to the outputs of some of its layers.

One builder for the sub-model that embeddings (notebooks 08, 09), feature maps, Grad-CAM and
maximally activating patches (notebook 10) and the measured receptive field (notebook 06) read
their activations from. The probe shares the model's weights (nothing is copied).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

__all__ = ["cached_probe", "get_layer", "layer_probe"]

_PROBES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def get_layer(model: Any, layer_name: str) -> Any:
    """``model.get_layer(layer_name)``, or ValueError naming the layers the model has."""
    names = [layer.name for layer in model.layers]
    if layer_name not in names:
        raise ValueError(f"model {model.name!r} has no layer {layer_name!r}; layers: {names}")
    return model.get_layer(layer_name)


def layer_probe(
    model: Any, layer_names: str | Sequence[str], with_output: bool = False,
    name: str | None = None,
) -> Any:
    """A ``keras.Model`` from ``model.inputs`` to the output(s) of ``layer_names``.

    ``layer_names``: one name (the probe returns that layer's output, e.g. (N, H_l, W_l, C_l))
    or a sequence of names (the probe returns a list, in that order). ``with_output=True`` adds
    the model's own output last (Grad-CAM needs the maps and the class scores from one pass).
    Raises ValueError for an empty list or a name the model does not have.
    """
    import keras

    single = isinstance(layer_names, str)
    names = [layer_names] if single else list(layer_names)
    if not names:
        raise ValueError("expected at least one layer name, got none")
    outputs = [get_layer(model, layer_name).output for layer_name in names]
    if with_output:
        outputs.append(model.output)
    if single and not with_output:
        outputs = outputs[0]
    return keras.Model(model.inputs, outputs, name=name or f"{model.name}_probe")


def cached_probe(model: Any, layer_names: str | tuple[str, ...], with_output: bool = False) -> Any:
    """:func:`layer_probe`, built once per (model, layers, with_output) and kept while the model
    lives: a new Keras model per call would be traced again by every ``predict`` and gradient."""
    per_model = _PROBES.setdefault(model, {})
    key = (layer_names, with_output)
    if key not in per_model:
        names = layer_names if isinstance(layer_names, str) else list(layer_names)
        per_model[key] = layer_probe(model, names, with_output=with_output)
    return per_model[key]
