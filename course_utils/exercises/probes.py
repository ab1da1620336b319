"""The student side of a check: run the student's answer and hand out what it did, as data.

A *probe* turns an answer (a value, a function, a Keras model builder, a callback class) into
one *outcome* per case, ``run(kind, answer, cases) -> list[dict]``:

- ``{"value": v}`` — the answer's value (or the function's result) on that case;
- ``{"error": "raised ValueError: …"}`` — the student's code raised on that case;
- ``{"refused": "…"}`` — the answer as a whole cannot be run (not a function, not implemented
  yet, not a callback class); the judge reports it as it is;
- ``{"changed": i}`` added when the function changed its argument ``i`` (1-based) in place;
- ``{"uses": [names]}`` added to every outcome when the answer is a function or class: the
  qualified names (``module.qualname``) of the functions and classes from outside the notebook
  that its code refers to (:func:`referenced_names`: code objects walked through nested and
  notebook-level functions, names resolved through the function's globals and attribute chains)
  or that it called while the probe ran (:func:`recording_calls`). The judge rejects an answer
  that is or uses the course's own answer (``Spec.forbidden``); the probe only reports.

This module is what a grader runs inside the student's (sandboxed) kernel, so it imports nothing
that holds a reference answer: only the standard library, NumPy and (lazily) Keras. The verdict
is decided by :meth:`course_utils.exercises.framework.Spec.judge` in another process, from
:func:`to_data` of the outcomes only; facts such as a model's parameter count are computed there
from the model's JSON config, never taken from here.

Outcomes travel as data: :func:`to_data` / :func:`from_data` (see :mod:`.wire`).
"""

from __future__ import annotations

import contextlib
import dis
import functools
import sys
import types
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .wire import KerasConfig, Opaque, from_data, roundtrip, shorten, to_data, type_name

__all__ = ["KINDS", "KerasConfig", "MAX_USES", "NOT_IMPLEMENTED", "Opaque", "attempt",
           "from_data", "materialise", "qualified_name", "recording_calls", "referenced_names",
           "roundtrip", "run", "to_data", "type_name"]

NOT_IMPLEMENTED = "not implemented yet"


def attempt(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[bool, Any]:
    """Call student code ``fn(*args, **kwargs)`` safely.

    Returns ``(True, result)``, or ``(False, message)`` when ``fn`` is not callable, raises
    ``NotImplementedError`` ("not implemented yet") or raises anything else ("raised X: ...",
    shortened to :data:`MAX_TEXT` characters).
    """
    if not callable(fn):
        return False, f"expected a function, got {type(fn).__name__}"
    try:
        return True, fn(*args, **kwargs)
    except NotImplementedError:
        return False, NOT_IMPLEMENTED
    except Exception as exc:  # noqa: BLE001 - any error in student code is a verdict, not a crash
        return False, shorten(f"raised {type(exc).__name__}: {exc}")


# --- the probes -------------------------------------------------------------------------------

def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, (np.ndarray, list)) else value


class BrightnessClassifier:
    """A stand-in classifier: softmax over (mean of the top-left quarter, mean of the whole
    image) / 50 of a batch (N, H, W, C) → (N, 2); hiding the bright top-left corner lowers
    p(class 0). ``predict`` is Keras-like."""

    def __call__(self, batch: Any) -> np.ndarray:
        batch = np.asarray(batch, dtype="float64")
        h, w = batch.shape[1] // 2, batch.shape[2] // 2
        logits = np.stack([batch[:, :h, :w].mean(axis=(1, 2, 3)),
                           batch.mean(axis=(1, 2, 3))], axis=1) / 50
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, batch: Any, batch_size: int | None = None, verbose: int = 0) -> np.ndarray:
        return self(batch)


STAND_INS = {"brightness": BrightnessClassifier}


def materialise(arg: Any) -> Any:
    """A case argument the student's code needs as an object, from its description:
    ``{"keras_input": shape}`` → ``keras.Input(shape)``; ``{"stand_in": name}`` → a
    :data:`STAND_INS` object; ``{"keras_config": json, "trainable": bool}`` → that Keras model
    (rebuilt in safe mode, fresh weights). Anything else is returned as it is."""
    if not isinstance(arg, dict):
        return arg
    if "stand_in" in arg:
        return STAND_INS[arg["stand_in"]]()
    if "keras_input" not in arg and "keras_config" not in arg:
        return arg
    import json

    import keras

    if "keras_input" in arg:
        return keras.Input(tuple(arg["keras_input"]))
    model = keras.saving.deserialize_keras_object(json.loads(arg["keras_config"]),
                                                  safe_mode=True)
    for layer in [model, *all_layers(model)]:
        layer.trainable = bool(arg.get("trainable", True))
    return model


def all_layers(model: Any) -> list[Any]:
    """Every layer of ``model``, nested models' layers included (depth first)."""
    found = []
    for layer in getattr(model, "layers", []):
        found += [layer, *all_layers(layer)]
    return found


def _call(fn: Callable[..., Any], case: Sequence[Any]) -> dict:
    """One outcome of ``fn(*case)`` on copies of the arguments (descriptions materialised)."""
    case = [materialise(a) for a in case]
    args = tuple(_copy(a) for a in case)
    ok, got = attempt(fn, *args)
    if not ok:
        return {"error": got}
    outcome = {"value": got}
    changed = [i for i, (a, b) in enumerate(zip(args, case, strict=True))
               if isinstance(b, np.ndarray) and not np.array_equal(a, b, equal_nan=True)]
    if changed:
        outcome["changed"] = changed[0] + 1
    return outcome


def _refusal(fn: Any) -> dict | None:
    if callable(fn):
        return None
    return {"refused": f"expected a function, got {type(fn).__name__}"}


def probe_value(answer: Any, cases: Sequence[Any]) -> list[dict]:
    """``value``: the answer itself, once per case."""
    return [{"value": answer} for _ in cases]


def probe_call(fn: Any, cases: Sequence[Any]) -> list[dict]:
    """``call``: ``fn(*case)`` for each case (arguments copied, in-place changes noted)."""
    refused = _refusal(fn)
    return [refused or _call(fn, case) for case in cases]


def build_unweighted(builder: Callable[..., Any], *args: Any) -> Any:
    """``builder(*args)`` with Keras variables created but not initialised, for counting:
    :func:`course_utils.models.classic.build_without_weights` (a library helper, no answer)."""
    from ..models.classic import build_without_weights

    return build_without_weights(builder, *args)


def probe_call_unweighted(fn: Any, cases: Sequence[Any]) -> list[dict]:
    """``call_unweighted``: like ``call`` for a builder of a big Keras model, built without
    drawing its weights (:func:`build_unweighted`)."""
    refused = _refusal(fn)
    return [refused or _call(lambda *a: build_unweighted(fn, *a), case) for case in cases]


def probe_tensor_call(fn: Any, cases: Sequence[Any]) -> list[dict]:
    """``tensor_call``: each argument ``{"keras_input": shape}`` becomes ``keras.Input(shape)``;
    the value is ``keras.Model(inputs, fn(*args))`` (sent as its JSON config)."""
    import keras

    refused = _refusal(fn)
    outcomes = []
    for case in cases:
        args = [materialise(a) for a in case]
        outcome = refused or _call(fn, args)
        if "value" in outcome:
            inputs = [a for a in args if isinstance(a, keras.KerasTensor)]
            ok, model = attempt(keras.Model, inputs[0] if len(inputs) == 1 else inputs,
                                outcome["value"])
            outcome = {"value": model} if ok else \
                {"error": f"cannot build a model from your output: {model}"}
        outcomes.append(outcome)
    return outcomes


# --- callbacks: a student's keras.callbacks.Callback subclass driven by given logs or a fit ---

def _callback_refusal(callback_class: Any) -> dict | None:
    import keras

    if callback_class is None or callback_class is Ellipsis:
        return {"refused": f"no answer yet (got {callback_class!r})"}
    if not (isinstance(callback_class, type) and issubclass(callback_class,
                                                            keras.callbacks.Callback)):
        return {"refused": "expected a subclass of keras.callbacks.Callback, got "
                           f"{shorten(repr(callback_class))}"}
    return None


def _attributes(callback: Any, names: Sequence[str]) -> dict:
    return {name: getattr(callback, name) for name in names if hasattr(callback, name)}


def _drive_on_logs(callback: Any, logs: Sequence[dict]) -> list[int] | str:
    """Feed ``logs`` (one dict per epoch) to ``callback.on_epoch_end``; the epochs at which it
    set ``model.stop_training`` (it stops at the first), or the error message."""
    import keras

    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
    callback.set_model(model)
    for epoch, epoch_logs in enumerate(logs):
        model.stop_training = False
        ok, problem = attempt(callback.on_epoch_end, epoch, dict(epoch_logs))
        if not ok:
            return f"on_epoch_end {problem}"
        if model.stop_training:
            return [epoch]
    return []


def _fit_lr_halving(callback: Any) -> dict:
    """A Dense(1) regression, 3 epochs of SGD at 0.08, 0.04, 0.02 (a scheduler halves it)."""
    import keras

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.08), loss="mse")
    halve = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.08 / 2**epoch)
    return model.fit(x, y, epochs=3, batch_size=16, verbose=0,
                     callbacks=[halve, callback]).history


def _fit_blobs(callback: Any) -> dict:
    """A softmax regression on two separable 2-D blobs (300 fit, 100 validation rows), up to 40
    epochs of SGD at 0.02."""
    import keras

    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-1, 1, (200, 2)), rng.normal(1, 1, (200, 2))]).astype("float32")
    y = np.repeat([0, 1], 200)
    order = rng.permutation(400)
    x, y = x[order], y[order]
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.02), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model.fit(x[:300], y[:300], epochs=40, batch_size=32, verbose=0,
                     validation_data=(x[300:], y[300:]), callbacks=[callback]).history


FITS = {"lr_halving": _fit_lr_halving, "blobs": _fit_blobs}


def _callback_case(callback_class: type, case: Sequence[Any]) -> dict:
    """One case ``(driver, init_args, what, attributes)``: ``("logs", init_args, logs, names)``
    or ``("fit", init_args, fit_name, names)``."""
    driver, init_args, what, names = case
    ok, callback = attempt(callback_class, *init_args)
    if not ok:
        with_args = f" with {', '.join(map(repr, init_args))}" if init_args else ""
        return {"error": f"could not create it{with_args}: {callback}"}
    if driver == "logs":
        stops = _drive_on_logs(callback, what)
        if isinstance(stops, str):
            return {"error": stops}
        return {"value": {"stops": stops, "attributes": _attributes(callback, names)}}
    ok, history = attempt(FITS[what], callback)
    if not ok:
        return {"error": f"training with it failed: {history}"}
    return {"value": {"history": dict(history), "attributes": _attributes(callback, names)}}


def probe_callback(callback_class: Any, cases: Sequence[Any]) -> list[dict]:
    """``callback``: a ``keras.callbacks.Callback`` subclass, created with each case's
    ``init_args`` and either fed epoch ``logs`` (the epochs at which it stopped training) or
    used in one of the :data:`FITS` (the fit's history); the callback's attributes ``names``
    after it."""
    refused = _callback_refusal(callback_class)
    return [refused or _callback_case(callback_class, case) for case in cases]


KINDS: dict[str, Callable[[Any, Sequence[Any]], list[dict]]] = {
    "value": probe_value,
    "call": probe_call,
    "call_unweighted": probe_call_unweighted,
    "tensor_call": probe_tensor_call,
    "callback": probe_callback,
}


def run(kind: str, answer: Any, cases: Sequence[Any]) -> list[dict]:
    """The outcomes of ``answer`` on ``cases`` by the probe ``kind`` (a key of :data:`KINDS`),
    one per case; pass them through :func:`to_data` to send them. For a function or class
    answer every outcome also gets ``"uses"``: :func:`referenced_names` and the calls its code
    made while the probe ran (:func:`recording_calls`), at most :data:`MAX_USES` names."""
    if kind not in KINDS:
        raise ValueError(f"probe kind must be one of {sorted(KINDS)}, got {kind!r}")
    namespace = _namespace(answer)
    if namespace is None:
        return KINDS[kind](answer, cases)
    with recording_calls(namespace) as called:
        outcomes = KINDS[kind](answer, cases)
    uses = sorted(set(referenced_names(answer)) | called)[:MAX_USES]
    return [{**outcome, "uses": uses} if "refused" not in outcome else outcome
            for outcome in outcomes]


# --- what an answer uses: the student side reports, the judge decides -------------------------

MAX_USES = 300  # names reported per answer, at most
_MISSING = object()
_LOADS = ("LOAD_GLOBAL", "LOAD_NAME", "LOAD_DEREF", "LOAD_CLASSDEREF")
_ATTRIBUTES = ("LOAD_ATTR", "LOAD_METHOD")
_STORES = ("STORE_FAST", "STORE_NAME", "STORE_DEREF")


def qualified_name(obj: Any) -> str | None:
    """``module.qualname`` of a function, method, class or builtin (``functools.partial``: of
    its function; a NumPy array-function dispatcher such as ``np.linalg.lstsq``: of the function
    it dispatches to, the name a recorded call has); None for anything else (modules, instances)."""
    if isinstance(obj, functools.partial):
        return qualified_name(obj.func)
    if isinstance(getattr(obj, "_implementation", None), types.FunctionType):
        return qualified_name(obj._implementation)
    target = getattr(obj, "__func__", obj)
    if not isinstance(target, (types.FunctionType, types.BuiltinFunctionType, type)):
        return None
    module, name = getattr(target, "__module__", None), getattr(target, "__qualname__", None)
    return f"{module}.{name}" if isinstance(module, str) and isinstance(name, str) else None


def _functions_of(answer: Any) -> list[types.FunctionType]:
    """The Python functions whose code makes up ``answer`` (a function, method, partial, or a
    class's own methods)."""
    if isinstance(answer, functools.partial):
        return _functions_of(answer.func)
    target = getattr(answer, "__func__", answer)
    target = getattr(target, "__wrapped__", target)
    if isinstance(target, types.FunctionType):
        return [target]
    if isinstance(target, type):
        found = []
        for value in vars(target).values():
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            if isinstance(value, types.FunctionType):
                found.append(value)
        return found
    return []


def _namespace(answer: Any) -> dict | None:
    """The globals of the module (the notebook) that defines ``answer``; None for a value."""
    functions = _functions_of(answer)
    return functions[0].__globals__ if functions else None


def _attribute(obj: Any, name: str) -> Any:
    """``obj.name`` for a module or class (never a property of an instance), else missing."""
    if not isinstance(obj, (types.ModuleType, type)):
        return _MISSING
    try:
        return getattr(obj, name)
    except Exception:  # noqa: BLE001 - a lazy attribute that fails to load is not used
        return _MISSING


def _lookup(function: types.FunctionType, name: str) -> Any:
    """A global (or builtin) name as ``function`` resolves it; a free variable from its
    closure."""
    if name in function.__code__.co_freevars and function.__closure__:
        cell = function.__closure__[function.__code__.co_freevars.index(name)]
        with contextlib.suppress(ValueError):  # an empty cell
            return cell.cell_contents
        return _MISSING
    if name in function.__globals__:
        return function.__globals__[name]
    return _MISSING


def _codes(code: types.CodeType) -> Iterator[types.CodeType]:
    """``code`` and the code objects nested in it (inner functions, lambdas, comprehensions)."""
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes(const)


def _resolved(function: types.FunctionType) -> Iterator[Any]:
    """Every object a global name, free variable, attribute chain (``keras.applications.VGG19``)
    or import in ``function``'s code (nested code included) stands for, when it can be resolved
    without running it — a local name bound to one (``layers = keras.layers``) included; plus
    its defaults and closure values."""
    yield from function.__defaults__ or ()
    yield from (function.__kwdefaults__ or {}).values()
    for cell in function.__closure__ or ():
        with contextlib.suppress(ValueError):
            yield cell.cell_contents
    for code in _codes(function.__code__):
        current, imported, local = _MISSING, _MISSING, {}
        for instruction in dis.get_instructions(code):
            op, name = instruction.opname, instruction.argval
            if op in _STORES and isinstance(name, str) and current is not _MISSING:
                local[name] = current  # `layers = keras.layers`, `from m import f`
                current = _MISSING
                continue
            if op in _LOADS and isinstance(name, str):
                current = _lookup(function, name)
            elif op == "LOAD_FAST" and isinstance(name, str):
                current = local.get(name, _MISSING)
            elif op in _ATTRIBUTES and isinstance(name, str) and current is not _MISSING:
                current = _attribute(current, name)
            elif op == "IMPORT_NAME" and isinstance(name, str):
                imported = sys.modules.get(name, _MISSING)
                current = sys.modules.get(name.split(".")[0], _MISSING)
            elif op == "IMPORT_FROM" and isinstance(name, str):
                current = _attribute(imported, name)
            else:
                current = _MISSING
            if current is not _MISSING:
                yield current


def referenced_names(answer: Any) -> list[str]:
    """Qualified names (:func:`qualified_name`) of ``answer`` itself and of the functions and
    classes from outside its notebook that its code refers to — statically, without running it.
    Functions and classes defined in the same module as the answer (the notebook: same globals)
    are followed recursively and not reported; the answer's own name always is."""
    namespace = _namespace(answer)
    own = qualified_name(answer)
    names = {own} if own else set()
    seen: set[int] = set()
    todo = list(_functions_of(answer))
    while todo:
        function = todo.pop()
        if id(function) in seen:
            continue
        seen.add(id(function))
        for obj in _resolved(function):
            if namespace is not None and _defined_in(obj, namespace):
                todo += [f for f in _functions_of(obj) if id(f) not in seen]
                continue
            name = qualified_name(obj)
            if name:
                names.add(name)
    return sorted(names)


def _defined_in(obj: Any, namespace: dict) -> bool:
    functions = _functions_of(obj)
    return bool(functions) and all(f.__globals__ is namespace for f in functions)


@contextlib.contextmanager
def recording_calls(namespace: dict) -> Iterator[set[str]]:
    """Record, while the block runs, every Python function that code defined in ``namespace``
    (the notebook's globals) calls directly and that is defined elsewhere, as
    ``module.qualname``: what static reading misses (``getattr(models, name)()``, a module
    imported under another name). The calling thread only; the previous profiler is restored."""
    called: set[str] = set()

    def profile(frame: types.FrameType, event: str, arg: Any) -> None:
        if event != "call":
            return
        caller = frame.f_back
        if caller is not None and caller.f_globals is namespace \
                and frame.f_globals is not namespace:
            module = frame.f_globals.get("__name__", "?")
            called.add(f"{module}.{getattr(frame.f_code, 'co_qualname', frame.f_code.co_name)}")

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield called
    finally:
        sys.setprofile(previous)
