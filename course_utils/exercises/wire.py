"""The data a check's two sides exchange: JSON-serialisable, no pickle, no code run on reading.

**Encoding** (:func:`to_data` / :func:`from_data`, JSON-serialisable, no pickle): ``None``,
``bool``, ``int``, finite ``float`` and ``str`` as themselves (NumPy scalars as Python ones);
lists as lists; every other value as a one-key object:

==========================  ============================================================
``{"__tuple__": [...]}``     a tuple
``{"__dict__": [[k, v]]}``   a dict (any encodable keys, order kept)
``{"__float__": "nan"}``     ``nan``, ``inf``, ``-inf``
``{"__ndarray__": b64,       a numeric NumPy array: its bytes (C order, little-endian)
"dtype": "<f4",              in base64, with dtype and shape (``np.frombuffer`` on the
"shape": [2, 3]}``           other side: no code runs)
``{"__keras__": json,        a Keras model: ``model.to_json()`` and, up to
"weights": [arrays]}``       :data:`MAX_WEIGHTS` parameters, its weights; the judge
                             rebuilds it in Keras' safe mode
``{"__object__": type,       anything else (a function, a class, ``...``): its type name and
"repr": text}``              a shortened repr — :class:`Opaque` on the other side
==========================  ============================================================
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any, NamedTuple

import numpy as np

MAX_TEXT = 2_000  # characters kept of a message or a repr
# a bigger array is sent as an Opaque; the largest a course check receives is exercise 0.1's
# full-profile answer, MNIST's training digits as float32 (N, 28, 28, 1): 188 MB at N = 60,000
MAX_ARRAY_BYTES = 256 * 2**20
MAX_DEPTH = 32  # nesting kept; deeper is sent as an Opaque
MAX_WEIGHTS = 1_000_000  # a model's weights are sent up to this many parameters


class Opaque(NamedTuple):
    """What the judge sees of a value that is not data: its type name and (shortened) repr."""

    type: str
    text: str

    def __repr__(self) -> str:
        return self.text


class KerasConfig(NamedTuple):
    """A Keras model as its architecture, ``model.to_json()``, and (for a model of at most
    :data:`MAX_WEIGHTS` parameters whose weights exist) its weights, ``model.get_weights()``."""

    json: str
    weights: list | None = None


def type_name(value: Any) -> str:
    """``type(value).__name__``, or the original type's name for an :class:`Opaque`."""
    return value.type if isinstance(value, Opaque) else type(value).__name__


def shorten(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + " …"


def _opaque(value: Any) -> dict:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a repr that raises still names the type
        text = f"<{type(value).__name__}>"
    return {"__object__": type(value).__name__, "repr": shorten(text)}


def _is_keras_model(value: Any) -> bool:
    return all(hasattr(value, a) for a in ("to_json", "count_params", "layers")) \
        and not isinstance(value, type)


def _array(value: np.ndarray) -> dict:
    if value.dtype.kind not in "biuf":
        return _opaque(value)
    if value.nbytes > MAX_ARRAY_BYTES:
        return {"__object__": "ndarray", "repr": f"an array {value.shape} of {value.dtype} too "
                f"large to send ({value.nbytes / 2**20:,.0f} MiB; at most "
                f"{MAX_ARRAY_BYTES / 2**20:,.0f} MiB)"}
    value = np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("<"))
    return {"__ndarray__": base64.b64encode(value.tobytes()).decode("ascii"),
            "dtype": value.dtype.str, "shape": list(value.shape)}


def to_data(value: Any, depth: int = 0, whole_text: bool = False) -> Any:
    """``value`` as JSON-serialisable data (see the module's table); never raises. Strings are
    cut to :data:`MAX_TEXT` characters unless ``whole_text`` (a grader's own cases, e.g. a
    model's JSON config)."""
    if depth > MAX_DEPTH:
        return _opaque(value)
    if value is None or isinstance(value, (bool, int, str)) and type(value) in (bool, int, str):
        return shorten(value) if isinstance(value, str) and not whole_text else value
    if isinstance(value, (float, np.floating)) and type(value) in (float, np.float64,
                                                                   np.float32, np.float16):
        value = float(value)
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.ndarray):
        return _array(value)
    if type(value) in (list, tuple):
        items = [to_data(v, depth + 1, whole_text) for v in value]
        return items if type(value) is list else {"__tuple__": items}
    if type(value) is dict:
        return {"__dict__": [[to_data(k, depth + 1, whole_text), to_data(v, depth + 1, whole_text)]
                             for k, v in value.items()]}
    if _is_keras_model(value):
        return _model(value)
    return _opaque(value)


def _model(model: Any) -> dict:
    try:
        data: dict[str, Any] = {"__keras__": str(model.to_json())}
    except Exception as exc:  # noqa: BLE001 - a model Keras cannot describe
        return {"__object__": type(model).__name__,
                "repr": shorten(f"a model Keras cannot save ({type(exc).__name__}: {exc})")}
    try:
        if model.count_params() <= MAX_WEIGHTS:
            data["weights"] = [_array(np.asarray(w)) for w in model.get_weights()]
    except Exception:  # noqa: BLE001 - unbuilt or uninitialised: the architecture only
        pass
    return data


def _key(value: Any) -> Any:
    return value if isinstance(value, (int, float, str, bool, tuple, type(None))) else repr(value)


def from_data(data: Any) -> Any:
    """The value :func:`to_data` encoded (arrays read with ``np.frombuffer``; no code runs).

    Raises ValueError on anything that is not such an encoding.
    """
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [from_data(v) for v in data]
    if not isinstance(data, dict) or len(data) not in (1, 2, 3):
        raise ValueError(f"expected encoded data, got {type(data).__name__}")
    if "__tuple__" in data:
        return tuple(from_data(v) for v in data["__tuple__"])
    if "__dict__" in data:
        return {_key(from_data(k)): from_data(v) for k, v in data["__dict__"]}
    if "__float__" in data:
        return float(data["__float__"])
    if "__ndarray__" in data:
        dtype = np.dtype(str(data["dtype"]))
        if dtype.kind not in "biuf":
            raise ValueError(f"expected a numeric dtype, got {dtype}")
        raw = base64.b64decode(str(data["__ndarray__"]), validate=True)
        return np.frombuffer(raw, dtype=dtype).reshape([int(n) for n in data["shape"]]).copy()
    if "__keras__" in data:
        weights = data.get("weights")
        return KerasConfig(str(data["__keras__"]),
                           None if weights is None else [from_data(w) for w in weights])
    if "__object__" in data:
        return Opaque(str(data["__object__"]), str(data.get("repr", "")))
    raise ValueError(f"unknown encoding with keys {sorted(data)}")


def roundtrip(value: Any) -> Any:
    """``from_data(json.loads(json.dumps(to_data(value))))``: what a judge in another process
    would receive."""
    return from_data(json.loads(json.dumps(to_data(value), allow_nan=False)))


