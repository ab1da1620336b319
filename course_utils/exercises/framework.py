"""The check builder: a :class:`Spec` states a check's cases, reference, comparison and hints.

A check has two sides that may run in different processes:

- the **student side**, :func:`course_utils.exercises.probes.run`, runs the answer on the cases
  and hands out outcomes as data;
- the **judge side**, :meth:`Spec.judge`, compares those outcomes with the reference and returns
  a :class:`Verdict`. Facts about a model (its parameters, layers, receptive field) are computed
  here from its JSON config.

Reuse: where an exercise asks the student to build or write something, the course already has
the answer (``models.lenet5``, ``saliency.occlude``, ``keras.applications.VGG19`` …). The probe
reports the functions and classes an answer is, refers to or calls (``"uses"``, see
:mod:`.probes`); a spec names the ones that are its answer (``Spec.forbidden``) and the judge
rejects an answer that uses one, with the spec's ``reuse_hint``. The checks' own reference
answers (``course_utils.exercises.nb*``) are forbidden to every check (:data:`ALWAYS_FORBIDDEN`).

:meth:`Spec.run` does both in the notebook's process and prints one line,
``✓ Exercise 2.1: correct (…)`` or ``✗ Exercise 2.1: <what is wrong> (<hint>)``. A stub (``None``,
``...``, a function that raises ``NotImplementedError`` or returns ``None``) gives a ✗ line, never
a traceback: the student edition (solutions removed) runs cleanly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from ..validation import is_int
from . import probes
from .probes import NOT_IMPLEMENTED, Opaque, attempt, type_name

Compare = Callable[[Any, Any, bool], "str | None"]
Hint = tuple[Callable[..., bool], "str | Callable[..., str]"]

__all__ = ["ALWAYS_FORBIDDEN", "BUILD_IT", "Compare", "GRADING_PROFILE", "Hint", "NotRight", "Spec",
           "Verdict", "WRITE_IT", "array", "attempt", "check", "contextual", "exact",
           "grading_profile", "named", "notebook_data", "number", "register", "report", "reused",
           "sandbox_context", "sandbox_source", "spec", "SPECS"]


class Verdict(NamedTuple):
    """A check's result: passed, and the detail of its ✓/✗ line."""

    passed: bool
    detail: str = ""


def report(exercise: str, passed: bool, detail: str = "") -> bool:
    """Print ``✓ Exercise <exercise>: correct`` or ``✗ Exercise <exercise>: <detail>``.

    Returns ``passed`` so tests (and notebooks) can use the verdict.
    """
    if passed:
        print(f"✓ Exercise {exercise}: correct" + (f" ({detail})" if detail else ""))
    else:
        print(f"✗ Exercise {exercise}: {detail or 'not correct yet'}")
    return bool(passed)


class NotRight(Exception):
    """Raised by a ``facts`` step of a :class:`Spec` when an answer has the wrong form."""


# --- comparisons: compare(got, want, reveal) -> None when right, else what is wrong ------------

def _show(value: Any) -> str:
    return f"{value:,}" if is_int(value) else repr(value)


def _equal(got: Any, want: Any) -> bool:
    try:
        return bool(got == want)
    except Exception:  # noqa: BLE001 - an answer that cannot be compared is not equal
        return False


def exact(got: Any, want: Any, reveal: bool) -> str | None:
    """``got == want``; a whole number (not ``bool``) where ``want`` is one."""
    if is_int(want) and got is not None and not is_int(got):
        return f"expected a whole number, got {got!r}"
    if _equal(got, want):
        return None
    return f"expected {_show(want)}, got {_show(got)}" if reveal else \
        f"got {_show(got)}, which is not right yet"


def number(rtol: float = 1e-9, atol: float = 0.0) -> Compare:
    """A real number within ``rtol``/``atol`` of the reference (``bool`` and strings rejected)."""
    def compare(got: Any, want: Any, reveal: bool) -> str | None:
        if isinstance(got, bool) or not isinstance(got, (int, float, np.number)):
            return f"expected a number, got {type_name(got)}"
        if np.isclose(float(got), float(want), rtol=rtol, atol=atol):
            return None
        return f"expected {want:.6g}, got {got:.6g}" if reveal else \
            f"got {_show(got)}, which is not right yet"
    return compare


def array(atol: float = 1e-6, dtype: Any = None) -> Compare:
    """An array (or nested list) of the reference's shape, equal to ``atol``; if ``dtype`` is
    given, an ``np.ndarray`` answer must have it."""
    def compare(got: Any, want: Any, reveal: bool) -> str | None:
        try:
            if got is None or isinstance(got, Opaque):
                raise TypeError
            # a numeric array is compared in its own dtype: no float64 copy of a large answer
            numeric = isinstance(got, np.ndarray) and got.dtype.kind in "biuf"
            values = got if numeric else np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            if isinstance(got, Opaque) and got.type == "ndarray":  # object dtype, or too large
                return f"expected a numeric array, got {got.text}"
            return f"expected an array, got {type_name(got)}"
        if values.shape != np.shape(want):
            return f"expected shape {np.shape(want)}, got {values.shape}"
        if dtype is not None and isinstance(got, np.ndarray) and got.dtype != dtype:
            return f"expected dtype {np.dtype(dtype)}, got {got.dtype}"
        if np.allclose(values, want, atol=atol):
            return None
        worst = np.unravel_index(np.argmax(np.abs(values - want)), values.shape)
        return f"values differ, e.g. at index {tuple(map(int, worst))}"
    return compare


def named(names: Sequence[str], item: Compare = exact) -> Compare:
    """A tuple/list with one value per name, each compared with ``item``; the first wrong value
    is reported by its name."""
    def compare(got: Any, want: Any, reveal: bool) -> str | None:
        if not isinstance(got, (tuple, list)) or len(got) != len(names):
            return f"expected {len(names)} values ({', '.join(names)}), got {got!r}"
        for name, g, w in zip(names, got, want, strict=True):
            problem = item(g, w, reveal)
            if problem:
                return f"{name}: {problem}"
        return None
    return compare


# --- one answer against the reference ----------------------------------------------------------

def _label(case: tuple) -> str:
    parts = [f"array of shape {a.shape}" if isinstance(a, np.ndarray) else repr(a) for a in case]
    return ", ".join(parts)


def _hint(hints: Sequence[Hint], got: Any, want: Any, case: tuple) -> str:
    for predicate, hint in hints:
        try:
            matches = bool(predicate(got, want, *case))
        except Exception:  # noqa: BLE001 - a hint that does not apply to this answer
            matches = False
        if matches:
            return f" ({hint(got, want, *case) if callable(hint) else hint})"
    return ""


def _verdict(got: Any, want: Any, case: tuple, compare: Compare, hints: Sequence[Hint],
             facts: Callable[..., Any] | None, reveal: bool) -> tuple[str | None, str, Any]:
    """(what is wrong or None, the hint or "", the compared value) for the answer ``got``."""
    if facts is not None:
        try:
            got = facts(got, *case)
        except NotRight as exc:
            return str(exc), "", got
        except Exception as exc:  # noqa: BLE001 - an odd answer (or model) is a verdict
            return f"raised {type(exc).__name__}: {exc}", "", got
    problem = compare(got, want, reveal)
    return problem, _hint(hints, got, want, case) if problem else "", got


# --- reuse of the course's own answer ------------------------------------------------------------

ALWAYS_FORBIDDEN = ("course_utils.exercises.nb",)  # prefixes: the checks' reference answers
BUILD_IT = "write the layers yourself: the exercise is to build it"
WRITE_IT = "write the code yourself: the exercise is to write it"


def _names(forbidden: Sequence[Any]) -> list[str]:
    """Qualified names of the ``forbidden`` callables (strings are taken as names)."""
    names = [f if isinstance(f, str) else probes.qualified_name(f) for f in forbidden]
    bad = [f for f, n in zip(forbidden, names, strict=True) if not n]
    if bad:
        raise ValueError(f"forbidden must be functions, classes or qualified names, got {bad!r}")
    return names


def reused(uses: Any, forbidden: Sequence[Any] = ()) -> list[str]:
    """The names in ``uses`` (what a probe reported an answer uses) that are a ``forbidden``
    callable, a method of a forbidden class, or a check's reference answer
    (:data:`ALWAYS_FORBIDDEN`). ``uses`` that is not a list of strings is treated as empty."""
    if not isinstance(uses, list):
        return []
    names = _names(forbidden)
    return sorted({u for u in uses if isinstance(u, str) and (
        u.startswith(ALWAYS_FORBIDDEN) or any(u == n or u.startswith(n + ".") for n in names))})


def _no_answer(value: Any) -> bool:
    return value is None or isinstance(value, Opaque) and value.type == "ellipsis"


# --- the spec ----------------------------------------------------------------------------------

Stage = Callable[[list, list, tuple], "Verdict | None"]


@dataclass(frozen=True)
class Spec:
    """One check, declared: what the student's answer is run on and how it is judged.

    - ``name``: the notebook-facing function (``"check_output_size"``); ``exercise``: its label.
    - ``probe``: the kind of :func:`probes.run` that turns the answer into outcomes.
    - ``cases(rng, *context) -> list[tuple]``: the inputs, as data. ``rng`` is None in the
      notebook (fixed cases) and a ``np.random.Generator`` when a grader draws them; ``context``
      holds the notebook values a check is called with (e.g. its images), named by ``context``.
    - ``reference(*case)``: the expected value for a case (judge side).
    - ``facts(got, *case)``: turns an answer into what is compared (a model config into a named
      record of its facts); raises :class:`NotRight` for an answer of the wrong form.
    - ``compare(got, want, reveal)`` → None or what is wrong; ``hints``: ``(predicate, hint)``
      pairs tried in order, ``predicate(got, want, *case)`` (a predicate that raises does not
      match). ``reveal`` (default: function checks) lets messages name the expected value.
    - ``label``: names a failing case (``label.format(*case)``, a function of the case, or ""),
      ``success``: detail of the ✓ line (a string, where ``{n}`` is the number of cases, or a
      function of the last compared value).
    - ``compared``: how many leading cases are compared with the reference (None: all);
      ``then(values, cases, context)``: the later stage (e.g. training), run when the compared
      cases pass, with every case's decoded value; returns a failing :class:`Verdict`, a passing
      one whose detail replaces ``success``, or None.
    - ``on_error(message)``: rewrites the message of a case on which the student's code raised
      (e.g. adds a hint).
    - ``bind(*context) -> Spec``: for a check that depends on notebook values (its images, its
      threshold), the spec that judges with them; :func:`contextual` makes such a spec.
    - ``forbidden() -> callables``: the course's or library's functions and classes that are this
      exercise's answer; an answer that is or uses one fails with ``reuse_hint`` (see
      :func:`reused`; called on the judge side only, so the probe imports none of them).
    - ``grading_context(rng) -> tuple``: for a check with ``context``, the values a grader
      judges with, rebuilt on the trusted side from ``course_utils`` alone (data loaders, fixed
      seeds; the :data:`GRADING_PROFILE` a sandboxed run uses) by the same function the
      notebook's check cell calls — never from the student's kernel. ``rng``: the grader's
      generator (None: fixed). None: the check cannot be graded outside its notebook.
      ``grading_note``: what that context leaves out of the notebook's and why (recorded in
      the note of every graded row).
    """

    name: str
    exercise: str
    probe: str
    cases: Callable[..., list]
    reference: Callable[..., Any]
    compare: Compare = exact
    hints: Sequence[Hint] = ()
    facts: Callable[..., Any] | None = None
    label: str | Callable[..., str] | None = None
    success: str | Callable[[Any], str] = ""
    reveal: bool | None = None
    context: tuple[str, ...] = ()
    compared: int | None = None
    then: Stage | None = None
    on_error: Callable[[str], str] | None = None
    bind: Callable[..., Spec] | None = None
    forbidden: Callable[[], Sequence[Any]] = tuple
    reuse_hint: str = BUILD_IT
    grading_context: Callable[[np.random.Generator | None], tuple] | None = None
    grading_note: str = ""

    def judge(self, answers: Sequence[Any], cases: Sequence[Any],
              context: tuple = ()) -> Verdict:
        """The verdict on ``answers`` (decoded outcomes, one per case) for ``cases``; never
        raises: answers of any form, forged ones included, give a failing verdict."""
        if self.bind is not None:
            return self.bind(*context).judge(answers, cases)
        try:
            return self._judge(list(answers), [tuple(c) for c in cases], tuple(context))
        except Exception as exc:  # noqa: BLE001 - malformed answer data is a failing verdict
            return Verdict(False, f"could not judge the answer ({type(exc).__name__}: {exc})")

    def _judge(self, answers: list, cases: list, context: tuple) -> Verdict:
        if len(answers) != len(cases) or not all(isinstance(a, dict) for a in answers):
            return Verdict(False, f"expected {len(cases)} outcomes, one per case, got "
                                  f"{len(answers)}")
        reuse = self._reuse(answers)
        if reuse:
            return reuse
        n = len(cases) if self.compared is None else self.compared
        got = None
        for case, outcome in zip(cases[:n], answers[:n], strict=True):
            problem, got = self._case(case, outcome)
            if problem:
                return Verdict(False, problem)
        if self.then is not None:
            later = self.then([a.get("value") for a in answers], cases, context)
            if later is not None and (not later.passed or later.detail):
                return later
        detail = self.success(got) if callable(self.success) else \
            self.success.format(n=len(cases))
        return Verdict(True, detail)

    def _reuse(self, answers: list[dict]) -> Verdict | None:
        """A failing verdict when the answer is or uses a forbidden callable, else None."""
        found = sorted({name for a in answers for name in reused(a.get("uses"),
                                                                 self.forbidden())})
        if not found:
            return None
        return Verdict(False, f"your answer uses {', '.join(found)}, which already is this "
                              f"exercise's answer ({self.reuse_hint})")

    def _case(self, case: tuple, outcome: dict) -> tuple[str | None, Any]:
        """(what is wrong with this case's outcome or None, the compared value)."""
        if "refused" in outcome:
            return str(outcome["refused"]), None
        reveal = self.probe != "value" if self.reveal is None else self.reveal
        where = self._where(case, reveal)
        prefix = f"{where}: " if where else ""
        if "error" in outcome:
            error = str(outcome["error"])
            if error == NOT_IMPLEMENTED:
                return error, None
            return prefix + (self.on_error(error) if self.on_error else error), None
        if "changed" in outcome:
            return (f"{prefix}your function changed its argument {outcome['changed']} in place: "
                    "work on a copy"), None
        got = outcome.get("value")
        if self.probe == "value" and _no_answer(got):
            return f"no answer yet (got {got!r})", None
        problem, hint, compared = _verdict(got, self.reference(*case), case, self.compare,
                                           self.hints, self.facts, reveal)
        if problem and got is None and not hint and self.probe != "value":
            hint = " (your function returned None: did you forget `return`?)"
        return (prefix + problem + hint if problem else None), compared

    def _where(self, case: tuple, reveal: bool) -> str:
        if callable(self.label):
            return self.label(*case)
        if self.label is None:
            return _label(case) if reveal else ""
        return self.label.format(*case)

    def run(self, answer: Any, *context: Any) -> bool:
        """The in-notebook check: probe ``answer`` here, judge its outcomes as a grader would
        (after a JSON round trip), print the ✓/✗ line and return the verdict."""
        if self.bind is not None:
            return self.bind(*context).run(answer)
        cases = self.cases(None, *context)
        outcomes = probes.roundtrip(probes.run(self.probe, answer, cases))
        verdict = self.judge(outcomes, cases, context)
        return report(self.exercise, verdict.passed, verdict.detail)


def contextual(name: str, exercise: str, probe: str, context: tuple[str, ...],
               bind: Callable[..., Spec],
               forbidden: Callable[[], Sequence[Any]] = tuple,
               grading_context: Callable[[np.random.Generator | None], tuple] | None = None,
               grading_note: str = "") -> Spec:
    """A spec whose cases and judgement depend on notebook values named ``context``:
    ``bind(*context)`` gives the spec that judges with them. ``forbidden``: as the bound spec's
    (readable here without notebook values, e.g. by the answer-leak test).
    ``grading_context``, ``grading_note``: see :class:`Spec`."""
    return Spec(name=name, exercise=exercise, probe=probe, context=context, bind=bind,
                cases=lambda rng, *values: bind(*values).cases(rng), reference=lambda *_: None,
                forbidden=forbidden, grading_context=grading_context, grading_note=grading_note)


# --- the context a grader judges with ----------------------------------------------------------

GRADING_PROFILE = "quick"  # the profile of every sandboxed run (grading.sandbox.env_args)


def grading_profile() -> Any:
    """The :class:`course_utils.config.Profile` a sandboxed run uses (:data:`GRADING_PROFILE`):
    a grader rebuilds a check's context with it, as the student's kernel built it."""
    from ..config import get_profile

    return get_profile(GRADING_PROFILE)


_DATASETS = ("mnist", "fashion_mnist", "cifar10")


def sandbox_source(dataset: str) -> str:
    """The ``source=`` of ``data.load_<dataset>`` that gives the grader's process the images a
    sandboxed run loads with ``source="auto"``: inside the sandbox the Keras cache is an empty
    tmpfs, the network is off (``COURSE_OFFLINE=1``) and ``COURSE_KERAS_DATASETS`` is unset, so
    MNIST and CIFAR-10 come from the bundled files (``"offline"``) and Fashion-MNIST from
    Debian's original files where they are installed (``/usr`` is visible inside; ``"auto"``
    here gives the same images, from them or the Keras cache), else the bundled ones."""
    from .. import data

    if dataset not in _DATASETS:
        raise ValueError(f"dataset must be one of {_DATASETS}, got {dataset!r}")
    debian = all((data.DEBIAN_FASHION_DIR / f).exists() for f in data.FASHION_FILES)
    return "auto" if dataset == "fashion_mnist" and debian else "offline"


def notebook_data(dataset: str, profile: Any = None, source: str = "auto") -> Any:
    """The data set a notebook loads by its profile's sizes: ``data.load_<dataset>(n_train=…,
    n_test=…, source=source)`` with ``profile.n_train``/``n_test`` (MNIST, Fashion-MNIST) or
    ``profile.n_cifar_train``/``n_cifar_test`` (CIFAR-10); ``profile`` default
    ``config.get_profile()``."""
    from .. import config, data

    if dataset not in _DATASETS:
        raise ValueError(f"dataset must be one of {_DATASETS}, got {dataset!r}")
    profile = profile or config.get_profile()
    if dataset == "cifar10":
        return data.load_cifar10(n_train=profile.n_cifar_train, n_test=profile.n_cifar_test,
                                 source=source)
    load = data.load_mnist if dataset == "mnist" else data.load_fashion_mnist
    return load(n_train=profile.n_train, n_test=profile.n_test, source=source)


def sandbox_context(build: Callable[[Any, str], tuple], dataset: str
                    ) -> Callable[[np.random.Generator | None], tuple]:
    """The ``grading_context`` of a check whose notebook context is ``build(profile, source)``
    (the function its check cell calls, loading ``dataset``): the same function with the
    :func:`grading_profile` and the :func:`sandbox_source` of ``dataset``."""
    if dataset not in _DATASETS:
        raise ValueError(f"dataset must be one of {_DATASETS}, got {dataset!r}")
    return lambda rng: tuple(build(grading_profile(), sandbox_source(dataset)))


SPECS: dict[str, Spec] = {}


def register(new: Spec) -> Spec:
    """Add ``new`` to :data:`SPECS` under its name (a name is registered once)."""
    if new.name in SPECS:
        raise ValueError(f"a check named {new.name!r} is already registered")
    if new.probe not in probes.KINDS:
        raise ValueError(f"probe must be one of {sorted(probes.KINDS)}, got {new.probe!r}")
    SPECS[new.name] = new
    return new


def spec(name: str) -> Spec:
    """The registered :class:`Spec` of the check ``name`` (e.g. ``"check_output_size"``)."""
    if name not in SPECS:
        raise ValueError(f"no check named {name!r}; known: {', '.join(sorted(SPECS))}")
    return SPECS[name]


def check(exercise: str, answer: Any, reference: Any, *, cases: Sequence[tuple] | None = None,
          compare: Compare = exact, hints: Sequence[Hint] = (),
          convert: Callable[..., Any] | None = None,
          label: str | Callable[..., str] | None = None,
          success: str | Callable[[Any], str] = "") -> bool:
    """A one-off check (not registered), printed as :meth:`Spec.run` prints it.

    - Value exercise (``cases`` is None): ``answer`` is compared with ``reference``; the message
      never gives the answer away.
    - Function exercise: ``answer(*case)`` is compared with ``reference(*case)`` for each case;
      the failing case and its expected value are named (``label``). Changing an argument in
      place is a mistake.
    - ``convert(value, *case)`` turns the answer into what is compared (see ``Spec.facts``).
    """
    value = cases is None
    one_off = Spec(name=f"check {exercise}", exercise=exercise,
                   probe="value" if value else "call",
                   cases=lambda rng: [()] if value else list(cases),
                   reference=(lambda: reference) if value else reference, compare=compare,
                   hints=hints, facts=convert, label=label, success=success)
    return one_off.run(answer)
