"""The two sides of a check: probes (student side, data out) and Spec.judge (judge side).

The grader runs ``probes.run`` in the student's kernel and ``Spec.judge`` in its own process;
these tests prove that this split gives the notebook's verdict, that the data crossing it is
plain JSON, that forged data cannot pass, and that the student side imports no reference answer.
Also the library functions the checks moved into their topic modules.
"""

from __future__ import annotations

import ast
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import scipy.signal
from scipy import stats as scipy_stats

from course_utils import conv, receptive_field, stats, training
from course_utils import exercises as ex
from course_utils.exercises import framework, probes, wire
from course_utils.exercises.framework import Verdict
from tests.conftest import not_implemented as stub
from tests.test_exercises import IMAGES, lenet, one_line
from tests.test_exercises_keras import mlp

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "course_utils" / "exercises"


# --- the student side imports no reference answer ----------------------------------------------

def _imports(path: Path) -> set[str]:
    """Modules a file imports (relative ones as '.name')."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return found


def test_probes_import_only_the_standard_library_numpy_keras_and_the_wire_format():
    allowed = set(sys.stdlib_module_names) | {"numpy", "keras", "__future__"}
    # models.classic: the library's builder without weights (no exercise's reference answer)
    for name, relative_ok in (("probes.py", {".wire", "..models.classic"}), ("wire.py", set())):
        imports = _imports(PACKAGE / name)
        outside = {m for m in imports if m.split(".")[0] not in allowed and m not in relative_ok}
        assert not outside, f"{name} imports {outside}"


def test_importing_probes_loads_no_module_of_checks():
    code = ("import sys, course_utils.exercises.probes as p\n"
            "print(sorted(m for m in sys.modules if m.startswith('course_utils')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    assert eval(out) == ["course_utils", "course_utils.exercises",  # noqa: S307 - our output
                         "course_utils.exercises.probes", "course_utils.exercises.wire"]


# --- the registry ------------------------------------------------------------------------------

def test_every_check_is_registered_under_its_function_name():
    checks = {name for name in ex.__all__ if name.startswith("check_")}
    assert checks and set(ex.SPECS) == checks  # every exported check registered, nothing more
    for name in checks:
        spec = ex.spec(name)
        assert spec.name == name and re.fullmatch(r"\d+\.\d", spec.exercise)
        assert spec.probe in probes.KINDS


def test_every_name_the_notebooks_use_exists():
    used = set()
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        for cell in json.loads(notebook.read_text())["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "code":
                used |= set(re.findall(r"\bex\.([A-Za-z_]\w*)", source))
    assert used, "no ex.<name> found in the notebooks"
    assert all(hasattr(ex, name) for name in used), sorted(n for n in used if not hasattr(ex, n))


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="no check named 'check_nothing'"):
        ex.spec("check_nothing")
    with pytest.raises(ValueError, match="probe kind must be one of"):
        probes.run("telepathy", 1, [()])
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        _ = ex.nothing


# --- the wire format ---------------------------------------------------------------------------

def test_data_round_trips_through_json_with_types_kept():
    value = {3: np.arange(6, dtype=np.int64).reshape(2, 3), "f32": np.ones(2, np.float32),
             "mask": np.array([True, False]), (1, 2): [1.5, None, "x", True],
             "special": [float("nan"), float("inf")], "scalar": np.float32(0.5),
             "numpy int": np.int64(7)}
    text = json.dumps(wire.to_data(value), allow_nan=False)
    back = wire.from_data(json.loads(text))
    assert list(back) == [3, "f32", "mask", (1, 2), "special", "scalar", "numpy int"]
    assert back[3].dtype == np.int64 and np.array_equal(back[3], value[3])
    assert back["f32"].dtype == np.float32 and back["mask"].dtype == bool
    assert back[(1, 2)] == [1.5, None, "x", True]
    assert math.isnan(back["special"][0]) and back["special"][1] == math.inf
    assert back["scalar"] == 0.5 and type(back["numpy int"]) is int


def test_what_is_not_data_arrives_as_an_opaque_record():
    back = probes.roundtrip([len, ..., np.array(["a"], dtype=object), "x" * 5000])
    assert back[0] == wire.Opaque("builtin_function_or_method", "<built-in function len>")
    assert repr(back[1]) == "Ellipsis" and wire.type_name(back[1]) == "ellipsis"
    assert wire.type_name(back[2]) == "ndarray"
    assert len(back[3]) < 2100 and back[3].endswith(" …")


def test_an_array_too_large_to_send_says_so(monkeypatch):
    monkeypatch.setattr(wire, "MAX_ARRAY_BYTES", 1000)
    big = np.zeros((500, 1), np.float32)
    back = probes.roundtrip(big)
    assert back.type == "ndarray" and "(500, 1) of float32 too large to send" in back.text
    problem = framework.array()(back, big, False)
    assert problem.startswith("expected a numeric array, got an array (500, 1)"), problem
    assert np.array_equal(probes.roundtrip(big[:100]), big[:100])


@pytest.mark.parametrize("data, message", [
    ({"__ndarray__": "AAAA", "dtype": "|O", "shape": [1]}, "expected a numeric dtype"),
    ({"__pickle__": "gASV"}, "unknown encoding"),
    ({"a": 1, "b": 2, "c": 3, "d": 4}, "expected encoded data"),
])
def test_from_data_refuses_what_it_does_not_know(data, message):
    with pytest.raises(ValueError, match=message):
        wire.from_data(data)


def test_a_keras_model_travels_as_its_config_and_small_weights():
    model = mlp()
    sent = probes.roundtrip(model)
    assert isinstance(sent, wire.KerasConfig)
    assert json.loads(sent.json)["class_name"] == "Sequential"
    assert [w.shape for w in sent.weights] == [w.shape for w in model.get_weights()]


def test_probes_materialise_described_arguments():
    tensor = probes.materialise({"keras_input": [4, 4, 2]})
    assert tuple(tensor.shape) == (None, 4, 4, 2)
    base = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3)])
    base.trainable = False
    copy = probes.materialise({"keras_config": base.to_json(), "trainable": True})
    assert copy is not base and len(copy.trainable_weights) == 2
    classifier = probes.materialise({"stand_in": "brightness"})
    assert classifier.predict(np.zeros((3, 4, 4, 1))).shape == (3, 2)
    assert probes.materialise({"other": 1}) == {"other": 1}


# --- probe + judge in two steps (as the grader runs them) = the in-notebook check --------------

def grade(name: str, answer, *context, rng=None) -> Verdict:
    """The grader's path: cases drawn and sent as JSON, outcomes back as JSON, judged."""
    spec = ex.spec(name)
    cases = spec.cases(rng, *context)
    sent = wire.from_data(json.loads(json.dumps(wire.to_data(cases), allow_nan=False)))
    outcomes = json.dumps(wire.to_data(probes.run(spec.probe, answer, sent)), allow_nan=False)
    return spec.judge(wire.from_data(json.loads(outcomes)), cases, context)


def padded_lenet(c_in):
    return lenet(c_in, bias=0)


SPLIT_CASES = [
    ("check_output_size", lambda n, f, p, s: (n + 2 * p - f) // s + 1, ()),
    ("check_output_size", lambda n, f, p, s: (n + 2 * p - f) / s + 1, ()),
    ("check_output_size", stub, ()),
    ("check_output_size", None, ()),
    ("check_layer_answer", (32, 32, 16, 1216), ()),
    ("check_layer_answer", (32, 32, 16, 1200), ()),
    ("check_layer_answer", ..., ()),
    ("check_conv_ops", 389_376, ()),
    ("check_conv_ops", 194_688, ()),
    ("check_conv_ops", "389376", ()),
    ("check_lenet_params", lenet, ()),
    ("check_lenet_params", padded_lenet, ()),
    ("check_mlp_baseline", mlp, ()),
    ("check_mlp_baseline", lambda: mlp(hidden=(120,)), ()),
    ("check_per_class_accuracy", lambda cm: np.diag(cm) / cm.sum(axis=1), ()),
    ("check_per_class_accuracy", lambda cm: np.diag(cm) / cm.sum(axis=0), ()),
    ("check_keras_layout", (IMAGES / 255.0).astype(np.float32)[..., None], (IMAGES,)),
    ("check_keras_layout", IMAGES[..., None], (IMAGES,)),
    ("check_max_pool", lambda x: conv.max_pool2d(x, 2), ()),
    ("check_max_pool", lambda x: conv.avg_pool2d(x, 2), ()),
]


@pytest.mark.parametrize("name, answer, context", SPLIT_CASES,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(SPLIT_CASES)])
def test_probe_then_judge_gives_the_notebooks_verdict(name, answer, context, capsys):
    verdict = grade(name, answer, *context)
    passed = getattr(ex, name)(answer, *context)
    line = one_line(capsys)
    exercise = ex.spec(name).exercise
    assert passed is verdict.passed
    mark = "✓" if passed else "✗"
    expected = f"{mark} Exercise {exercise}: " + (
        f"correct ({verdict.detail})" if passed and verdict.detail else
        "correct" if passed else verdict.detail)
    assert line == expected


STUDENT_SIDE = """
import json, sys
import course_utils.exercises.probes as probes
def output_size(n, f, p, s):
    return (n + 2 * p - f) // s + 1
cases = probes.from_data(json.loads(sys.stdin.read()))
print(json.dumps(probes.to_data(probes.run("call", output_size, cases))))
print(sorted(m for m in sys.modules if m.startswith("course_utils.exercises.")))
"""


def test_the_student_side_runs_in_another_process():
    spec = ex.spec("check_output_size")
    cases = spec.cases(np.random.default_rng(7))
    result = subprocess.run([sys.executable, "-c", STUDENT_SIDE], capture_output=True, text=True,
                            check=True, cwd=ROOT, input=json.dumps(wire.to_data(cases)))
    outcomes, modules = result.stdout.splitlines()
    assert spec.judge(wire.from_data(json.loads(outcomes)), cases) == Verdict(True, "80 cases")
    assert "course_utils.exercises.nb03" not in modules


def test_cases_drawn_at_grading_time_catch_a_memorised_answer():
    spec = ex.spec("check_output_size")
    table = {case: (case[0] + 2 * case[2] - case[1]) // case[3] + 1 for case in spec.cases(None)}
    assert grade("check_output_size", lambda *case: table[case]).passed
    verdict = grade("check_output_size", lambda *case: table[case], rng=np.random.default_rng(1))
    assert not verdict.passed and "raised KeyError" in verdict.detail
    other = spec.cases(np.random.default_rng(2))
    assert other != spec.cases(np.random.default_rng(1)) and len(other) == 80


@pytest.mark.parametrize("name", ["check_correlate2d", "check_max_pool", "check_rf_size",
                                  "check_welch_p_values", "check_early_stop_epoch",
                                  "check_top_k_accuracy", "check_occlude"])
def test_the_reference_passes_on_drawn_cases(name):
    spec = ex.spec(name)
    cases = spec.cases(np.random.default_rng(5))
    outcomes = [{"value": spec.reference(*case)} for case in cases]
    assert spec.judge(probes.roundtrip(outcomes), cases).passed


# --- forged answer data cannot pass ------------------------------------------------------------

def _outcome(value) -> list[dict]:
    return probes.roundtrip([{"value": value}])


def test_facts_claimed_by_the_student_side_do_not_pass_a_model_check():
    spec = ex.spec("check_mlp_baseline")
    claimed = ((None, 32, 32, 1), (None, 10), [84, 10], 86_950)
    verdict = spec.judge(_outcome(claimed), [()])
    assert not verdict.passed and "expected a Keras model, got tuple" in verdict.detail
    verdict = spec.judge(_outcome({"input_shape": [None, 32, 32, 1], "parameters": 86_950}), [()])
    assert not verdict.passed


def test_a_forged_config_is_judged_by_the_model_it_describes():
    spec = ex.spec("check_mlp_baseline")
    wrong = wire.to_data(mlp(hidden=(120,)))
    wrong["weights"] = wire.to_data(mlp().get_weights())  # the right model's weights
    verdict = spec.judge([{"value": wire.from_data(wrong)}], [()])
    assert not verdict.passed and "Dense units: expected [84, 10], got [120, 10]" in verdict.detail
    lambda_model = keras.Sequential([keras.Input((32, 32, 1)), keras.layers.Flatten(),
                                     keras.layers.Lambda(lambda x: x[:, :10])])
    verdict = spec.judge(_outcome(lambda_model), [()])
    assert not verdict.passed and "Lambda" in verdict.detail


def test_weights_that_do_not_fit_the_architecture_fail():
    from tests.test_exercises import _digit_net

    model = _digit_net("conv", "pool3", "conv", "pool2", "conv")
    sent = probes.roundtrip(model)
    forged = wire.KerasConfig(sent.json, [w[:1] for w in sent.weights])
    verdict = ex.spec("check_scales_design").judge([{"value": forged}], [()])
    assert not verdict.passed and "weights do not fit" in verdict.detail


@pytest.mark.parametrize("outcomes", [
    [], [{}, {}], ["✓"], [{"value": 389_376}, {"value": 389_376}], None, [{"refused": "yes"}],
    [{"error": "not implemented yet"}],
])
def test_malformed_outcomes_fail_without_raising(outcomes):
    verdict = ex.spec("check_conv_ops").judge(outcomes, [()])
    assert isinstance(verdict, Verdict) and not verdict.passed


def test_a_callback_claiming_it_stopped_is_still_judged_by_its_fit():
    spec = ex.spec("check_stop_at_target")
    cases = spec.cases(None)
    right = [{"value": {"stops": [e], "attributes": {"stopped_epoch": e}}}
             for e in (2, 0, None, 1)]
    right[2] = {"value": {"stops": [], "attributes": {"stopped_epoch": None}}}
    never_stopped = {"value": {"history": {"val_accuracy": [0.5] * 40}, "attributes": {}}}
    verdict = spec.judge(probes.roundtrip([*right, never_stopped]), cases)
    assert verdict == Verdict(False, "in a real fit it did not stop at the first epoch "
                                     "reaching the target")


def test_a_value_checks_expected_value_is_the_reference_of_its_case():
    spec = ex.spec("check_conv_ops")
    assert spec.reference(*spec.cases(None)[0]) == 389_376


# --- library functions the checks moved into their topic modules -------------------------------

RUNS = {"recipe": [0.34, 0.32, 0.36], "a": [0.29, 0.31, 0.28], "b": [0.35, 0.33, 0.37]}


def test_welch_p_values_are_scipys_welch_test():
    p = stats.welch_p_values(RUNS)
    assert list(p) == ["a", "b"]
    for name in p:
        assert p[name] == pytest.approx(scipy_stats.ttest_ind(RUNS["recipe"], RUNS[name],
                                                              equal_var=False).pvalue)
    assert stats.welch_p_values(RUNS, equal_var=True)["a"] != pytest.approx(p["a"])
    assert stats.welch_tests(RUNS)["a"].statistic > 0
    with pytest.raises(ValueError, match="must hold the baseline 'recipe', got keys"):
        stats.welch_p_values({"a": [1.0, 2.0]})


@pytest.mark.parametrize("effect, sd, k", [(0.05, 0.02, 2), (-0.01, 0.021, 2), (0.02, 0.01, 3),
                                           (1.0, 0.001, 2)])
def test_seeds_needed_is_the_first_n_that_works(effect, sd, k):
    n = stats.seeds_needed(effect, sd, k)
    assert n >= 2 and k * sd * math.sqrt(2 / n) < abs(effect)
    assert n == 2 or k * sd * math.sqrt(2 / (n - 1)) >= abs(effect)


def test_seeds_needed_refuses_a_zero_effect():
    with pytest.raises(ValueError, match="expected a non-zero effect and sd >= 0, got effect=0"):
        stats.seeds_needed(0, 0.1)


def test_early_stop_epoch_refuses_a_patience_below_one():
    assert training.early_stop_epoch([1.0, 1.1, 1.2], 2) == 2
    with pytest.raises(ValueError, match="patience"):
        training.early_stop_epoch([1.0], 0)


@pytest.mark.parametrize("dilations, holes", [([1, 2, 4, 8], []), ([1, 1, 1], []),
                                              ([2], [-1, 1]), ([1, 4], [-2, 2])])
def test_gridding_holes(dilations, holes):
    assert receptive_field.gridding_holes(dilations) == holes
    assert max(receptive_field.dilated_offsets(dilations)) == sum(dilations)


def test_dilated_offsets_refuse_a_zero_rate():
    with pytest.raises(ValueError, match="dilation"):
        receptive_field.dilated_offsets([1, 0])


def test_kernel_targets_are_same_padded_correlations():
    images = np.random.default_rng(0).normal(size=(2, 6, 5))
    kernel = np.arange(9.0).reshape(3, 3)
    got = conv.kernel_targets(images, kernel)
    want = [scipy.signal.correlate2d(im, kernel, mode="same") for im in images]
    assert np.allclose(got, want)


def test_validation_accuracy_refuses_unequal_lengths():
    x = np.zeros((4, 2))
    with pytest.raises(ValueError, match="equal lengths, got 4, 3 and 4, 4"):
        training.validation_accuracy(lambda: None, x, np.zeros(3), x, np.zeros(4), 1, 4, 4)
    with pytest.raises(ValueError, match="equal lengths, got 4, 4 and 0, 0"):
        training.compare_models({}, x, np.zeros(4), x[:0], np.zeros(0))
