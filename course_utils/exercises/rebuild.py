"""Judge side: a Keras model rebuilt from the JSON config a probe sent (Keras' safe mode), and
the named facts the checks compare about it.

The student's process hands out a model as its architecture only (``model.to_json()``); every
fact a check compares (parameters, layers, receptive fields, training) is computed from the
model rebuilt here, so a student cannot claim facts their model does not have.
"""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Callable
from typing import Any

from .framework import NotRight
from .probes import all_layers, build_unweighted
from .wire import KerasConfig, type_name


def rebuild(got: Any, weights: bool = True, hint: str = "", sent_weights: bool = False) -> Any:
    """The Keras model described by ``got`` (a :class:`~.probes.KerasConfig`).

    ``weights=False`` builds it without drawing its initial weights (for counting a big model,
    never for predicting); ``sent_weights=True`` loads the weights the student's model had
    (when they were sent), else the weights are freshly drawn. Raises :class:`NotRight` for
    anything that is not a model's config or that Keras' safe mode refuses (e.g. a ``Lambda``
    layer); ``hint`` is added to the message when the config cannot be rebuilt.
    """
    import keras

    from .. import models  # noqa: F401 - registers the course's serialisable layers

    if not isinstance(got, KerasConfig):
        raise NotRight(f"expected a Keras model, got {type_name(got)}")
    try:
        config = json.loads(got.json)
        build = lambda: keras.saving.deserialize_keras_object(config, safe_mode=True)  # noqa: E731
        model = build() if weights else build_unweighted(build)
    except Exception as exc:  # noqa: BLE001 - a config Keras refuses is a verdict
        raise NotRight(f"could not read the model ({type(exc).__name__}: {exc})"
                       + (f"; {hint}" if hint else "")) from None
    if not isinstance(model, keras.Model):
        raise NotRight(f"expected a Keras model, got {type(model).__name__}")
    if sent_weights and got.weights is not None:
        try:
            model.set_weights(got.weights)
        except Exception as exc:  # noqa: BLE001 - weights that do not fit the architecture
            raise NotRight(f"the model's weights do not fit its layers ({exc})") from None
    frozen = _frozen_names(config)
    for layer in all_layers(model):
        if layer.name in frozen:
            layer.trainable = False  # Keras' from_config leaves every layer trainable
    return model


def config_layers(config: Any) -> list[dict]:
    """The inner ``config`` dict of every layer and nested model in a Keras config."""
    found: list[dict] = []
    if isinstance(config, dict):
        inner = config.get("config")
        if isinstance(inner, dict) and isinstance(inner.get("name"), str):
            found.append(inner)
        for value in config.values():
            found += config_layers(value)
    elif isinstance(config, list):
        for value in config:
            found += config_layers(value)
    return found


def _frozen_names(config: Any) -> set[str]:
    """Names of the layers (and nested models) whose config says ``"trainable": false``."""
    return {layer["name"] for layer in config_layers(config) if layer.get("trainable") is False}


# --- facts: what a check compares about a model, each computed from the rebuilt model -------

def _kind(layer: Any) -> str:
    return type(layer).__name__


def _weighted(model: Any) -> list[Any]:
    return [layer for layer in model.layers if _kind(layer) in ("Conv2D", "Dense")]


def _depth(model: Any) -> int:
    from ..cost import model_cost

    return model_cost(model).depth


FACTS: dict[str, Callable[[Any], Any]] = {
    "input_shape": lambda m: tuple(m.input_shape),
    "output_shape": lambda m: tuple(m.output_shape),  # with the batch axis: (None, …)
    "output_dims": lambda m: tuple(m.output.shape[1:]),  # without it
    "layer_kinds": lambda m: tuple(_kind(layer) for layer in m.layers),
    "dense_units": lambda m: [layer.units for layer in m.layers if _kind(layer) == "Dense"],
    "conv_layers": lambda m: sum(_kind(layer) == "Conv2D" for layer in m.layers),
    "add_layers": lambda m: sum(_kind(layer) == "Add" for layer in m.layers),
    "has_add": lambda m: any(_kind(layer) == "Add" for layer in m.layers),
    "pooling": lambda m: tuple(_kind(layer) for layer in all_layers(m)
                               if "Pooling" in _kind(layer)),  # e.g. ("AveragePooling2D", …)
    "row_parameters": lambda m: tuple(int(layer.count_params()) for layer in _weighted(m)),
    "activations": lambda m: tuple(str(layer.get_config().get("activation"))
                                   for layer in _weighted(m)),
    "weighted_depth": _depth,  # Conv/Dense layers on the longest path (cost.model_cost)
    "parameters": lambda m: int(m.count_params()),
}


def facts_record(name: str, *fields: str) -> type:
    """A named-tuple type of these :data:`FACTS` (e.g. ``("input_shape", "parameters")``)."""
    unknown = [f for f in fields if f not in FACTS]
    if unknown:
        raise ValueError(f"facts must be among {sorted(FACTS)}, got {unknown}")
    return namedtuple(name, fields)


def facts_of(record: type, model: Any) -> tuple:
    """``record`` (from :func:`facts_record`) filled with the facts of a Keras ``model``."""
    return record(*(FACTS[field](model) for field in record._fields))


def model_facts(record: type, weights: bool = True, hint: str = "") -> Callable[..., tuple]:
    """A ``Spec.facts``: the ``record`` of the model rebuilt from the answer (see
    :func:`rebuild`); NotRight when it cannot be rebuilt or read (``hint`` added)."""
    def facts(got: Any, *_: Any) -> tuple:
        model = rebuild(got, weights=weights, hint=hint)
        try:
            return facts_of(record, model)
        except Exception as exc:  # noqa: BLE001 - an unbuilt or odd model is a verdict
            raise NotRight(f"could not read the model ({type(exc).__name__}: {exc})"
                           + (f"; {hint}" if hint else "")) from None
    return facts
