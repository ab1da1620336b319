"""Checks that students call to test their exercise answers, and the API a grader uses.

In a notebook: ``from course_utils import exercises as ex`` then ``ex.check_output_size(fn)``
prints one line, ``✓ Exercise 3.1: correct (…)`` or ``✗ Exercise 3.1: <what is wrong> (<hint>)``,
and returns the verdict. Modules: :mod:`.framework` (the builder: :class:`Spec`, comparisons,
hints), :mod:`.probes` (the student side, free of reference answers), ``nb00`` … ``nb10`` (one
module of checks per notebook).

Grading in two processes
------------------------
Every ``check_*`` is a registered :class:`Spec`; the student's code runs in one process, the
verdict is decided in another::

    from course_utils import exercises
    from course_utils.exercises import probes

    s = exercises.spec("check_output_size")       # judge side (trusted)
    cases = s.cases(np.random.default_rng(seed))  # inputs as data, drawn by the grader
    # student side (the student's kernel): the answer is the object the check is called with
    outcomes = probes.to_data(probes.run(s.probe, answer, probes.from_data(sent_cases)))
    # judge side again: outcomes came back as JSON
    verdict = s.judge(probes.from_data(outcomes), cases)   # Verdict(passed, detail)

- ``exercises.spec(name) -> Spec``: ``name`` is the check function's name;
  ``exercises.SPECS`` maps every name to its spec. ``Spec.exercise`` is the label ("3.1"),
  ``Spec.probe`` the probe kind, ``Spec.context`` the names of the notebook values the check is
  called with besides the answer (``cases(rng, *context)`` and ``judge(…, context)`` take them;
  empty for checks that need none).
- ``Spec.cases(rng) -> list[tuple]``: with ``rng=None`` the notebook's fixed cases; with a
  ``np.random.Generator`` cases drawn for grading (where the check supports it, else the fixed
  ones). Cases are data (:func:`probes.to_data` encodes them).
- ``probes.run(kind, answer, cases) -> list[dict]``: one outcome per case (``{"value": …}``,
  ``{"error": …}``, ``{"refused": …}``); ``probes.to_data`` / ``probes.from_data`` encode them
  as JSON-serialisable data (arrays as base64 bytes with dtype and shape, Keras models as their
  JSON config; no pickle). ``probes`` imports no reference answer.
- ``Spec.judge(outcomes, cases, context=()) -> Verdict``: never raises; a model's facts are
  computed from its config, so forged facts cannot pass.
- ``Spec.run(answer, *context)``: both sides in one process, as the notebooks call it.
- ``Spec.grading_context(rng) -> tuple``: for a check with ``context``, the values a grader
  judges with, rebuilt from ``course_utils`` alone by the ``<check>_context(profile)`` function
  the notebook's check cell calls (e.g. ``ex.keras_layout_context``), with the sandbox's
  profile and data sources; ``Spec.grading_note``: what it leaves out of the notebook's values.

The package imports its modules lazily (PEP 562): ``import course_utils.exercises.probes`` in
the student's kernel loads :mod:`.probes` and :mod:`.wire` only, never a module of checks (the
reference answers); ``ex.check_x`` loads the module of that check, ``spec``/``SPECS`` all of them.
"""

from __future__ import annotations

import importlib
from typing import Any

CHECK_MODULES = ("nb00", "nb01", "nb02", "nb03", "nb04", "nb05", "nb05b", "nb06", "nb07",
                 "nb08", "nb09", "nb10")

# public name -> the module that defines it (relative to this package)
_WHERE = {
    "LENET_MIN_ACCURACY": ".nb04",
    "SOBEL_X": ".nb02",
    "check_basic_block": ".nb07",
    "check_bounding_box_height": ".nb01",
    "check_choose_k": ".nb08",
    "check_class_counts": ".nb00",
    "check_conv_mult_adds": ".nb07",
    "check_conv_ops": ".nb03",
    "check_conv_stack": ".nb03",
    "check_correlate2d": ".nb02",
    "check_deletion_auc": ".nb10",
    "check_dense_vs_conv": ".nb01",
    "check_dilations": ".nb06",
    "check_early_stop_epoch": ".nb05",
    "check_grad_cam": ".nb10",
    "check_keras_layout": ".nb00",
    "check_knn_predict": ".nb08",
    "check_linear_classifier": ".nb01",
    "check_layer_answer": ".nb03",
    "check_learned_kernel": ".nb02",
    "check_lenet_build": ".nb04",
    "check_lenet_params": ".nb04",
    "check_lr_logger": ".nb05",
    "check_max_pool": ".nb02",
    "check_mlp_baseline": ".nb04",
    "check_n_3x3_layers": ".nb06",
    "check_new_feature": ".nb01",
    "check_no_pooling": ".nb05",
    "check_occlude": ".nb10",
    "check_occlusion_drops": ".nb10",
    "check_output_size": ".nb03",
    "check_pairwise_l2": ".nb08",
    "check_per_class_accuracy": ".nb04",
    "check_pick_cut": ".nb09",
    "check_relative_change": ".nb09",
    "check_residual_net": ".nb07",
    "check_rf_size": ".nb06",
    "check_scales_design": ".nb06",
    "check_seeds_needed": ".nb05b",
    "check_separable_mult_adds": ".nb07",
    "check_shift_kernel": ".nb02",
    "check_stop_at_target": ".nb05",
    "check_top_k_accuracy": ".nb09",
    "check_transfer_head": ".nb09",
    "check_vgg19": ".nb07",
    "check_vgg_row": ".nb07",
    "check_welch_p_values": ".nb05b",
    "lenet_validation_accuracy": ".nb04",
    # the context each notebook-dependent check is called with (the grader rebuilds it so)
    "bounding_box_height_context": ".nb01",
    "class_counts_context": ".nb00",
    "conv_stack_context": ".nb03",
    "keras_layout_context": ".nb00",
    "learned_kernel_context": ".nb02",
    "lenet_build_context": ".nb04",
    "linear_classifier_context": ".nb01",
    "new_feature_context": ".nb01",
    "residual_net_context": ".nb07",
    "transfer_head_context": ".nb09",
}
_FRAMEWORK = ("NotRight", "Spec", "Verdict", "array", "attempt", "check", "contextual", "exact",
              "named", "number", "register", "report")


def _load_checks() -> None:
    """Import every module of checks (each registers its specs)."""
    for name in CHECK_MODULES:
        importlib.import_module(f".{name}", __name__)


def spec(name: str) -> Any:
    """The registered :class:`~.framework.Spec` of the check ``name`` (e.g.
    ``"check_output_size"``); ValueError for an unknown name."""
    _load_checks()
    from .framework import spec as find

    return find(name)


def __getattr__(name: str) -> Any:
    if name == "SPECS":
        _load_checks()
        from .framework import SPECS

        return SPECS
    if name in _FRAMEWORK:
        return getattr(importlib.import_module(".framework", __name__), name)
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), "SPECS", *_FRAMEWORK, *_WHERE])


__all__ = ["SPECS", "spec", *_FRAMEWORK, *_WHERE]
