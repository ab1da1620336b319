"""Checks reject the course's own answer: an answer that is or uses the builder or library
function the exercise asks the student to write fails, with a hint.

The student side (:mod:`course_utils.exercises.probes`) reports what an answer's code refers to
(``referenced_names``: code objects, globals, attribute chains, nested and notebook-level
functions) and what it called while the probe ran (``recording_calls``) as ``"uses"``; the judge
(``Spec.forbidden``, :func:`framework.reused`) turns a forbidden name into ✗.
"""

from __future__ import annotations

import functools
import sys

import keras
import numpy as np
import pytest
import scipy.signal
import skimage.measure
from scipy.spatial.distance import cdist
from sklearn.neighbors import KNeighborsClassifier

from course_utils import conv, models, saliency, shapes, stats, training, transfer
from course_utils import exercises as ex
from course_utils import receptive_field as rf
from course_utils.exercises import framework, probes
from tests.test_exercises import KERNEL_IMAGES

LENET5 = "course_utils.models.lecture.lenet5"


def helper_building_lenet():
    return models.lenet5()


def via_helper():
    return helper_building_lenet()


def via_local_import():
    from course_utils.models import lenet5

    return lenet5()


def via_getattr():
    return getattr(models, "len" + "et5")()


def via_nested():
    def inner():
        return models.lenet5()
    return inner()


def via_default(build=models.lenet5):
    return build()


def own_layers():
    layers = keras.layers
    return keras.Sequential([keras.Input((4,)), layers.Dense(3)])


# --- the student side: what an answer uses -----------------------------------------------------

def test_qualified_name_of_functions_classes_and_partials():
    assert probes.qualified_name(models.lenet5) == LENET5
    assert probes.qualified_name(functools.partial(models.lenet5, (32, 32, 3))) == LENET5
    assert probes.qualified_name(keras.applications.VGG19) == \
        "keras.src.applications.vgg19.VGG19"
    assert probes.qualified_name(keras.layers.Dense).endswith(".Dense")
    assert probes.qualified_name(len) == "builtins.len"
    assert probes.qualified_name(np) is None and probes.qualified_name(3) is None


def test_a_numpy_function_is_named_as_a_recorded_call_names_it():
    """NumPy's functions are array-function dispatchers: static reading names them by the
    function they dispatch to, the name the profiler records when they run."""
    namespace = {"np": np}
    exec("def fit(a, b):\n    return np.linalg.lstsq(a, b, rcond=None)[0]", namespace)
    with probes.recording_calls(namespace) as called:
        namespace["fit"](np.eye(3), np.ones(3))
    name = probes.qualified_name(np.linalg.lstsq)
    assert name in called and name in probes.referenced_names(namespace["fit"])


@pytest.mark.parametrize("answer", [via_helper, via_local_import, via_nested, via_default,
                                    models.lenet5, functools.partial(models.lenet5)],
                         ids=["notebook helper", "local import", "nested function", "default",
                              "the builder itself", "partial"])
def test_static_reading_finds_the_builder(answer):
    assert LENET5 in probes.referenced_names(answer)


def test_static_reading_follows_attribute_chains_locals_and_reports_no_notebook_function():
    names = probes.referenced_names(own_layers)
    assert f"{__name__}.own_layers" in names
    assert "keras.src.models.sequential.Sequential" in names
    assert any(n.endswith("core.dense.Dense") for n in names)
    assert not any("lenet" in n for n in names)
    assert f"{__name__}.helper_building_lenet" not in probes.referenced_names(via_helper)


def test_static_reading_reads_class_methods():
    class Answer:
        def build(self):
            return models.mlp_baseline()
    assert "course_utils.models.lecture.mlp_baseline" in probes.referenced_names(Answer)


def test_recording_catches_what_static_reading_misses_and_restores_the_profiler():
    assert LENET5 not in probes.referenced_names(via_getattr)
    before = sys.getprofile()
    with probes.recording_calls(globals()) as called:
        via_getattr()
    assert LENET5 in called
    assert sys.getprofile() is before


def test_recording_notes_only_direct_calls_from_the_notebook():
    with probes.recording_calls(globals()) as called:
        own_layers()
    assert not any(n.startswith("course_utils") for n in called)  # keras internals not listed
    assert any("sequential" in n.lower() for n in called)


def test_run_adds_uses_to_every_outcome_and_they_survive_json():
    outcomes = probes.roundtrip(probes.run("call", via_getattr, [(), ()]))
    assert all(LENET5 in o["uses"] for o in outcomes)
    assert "uses" not in probes.run("value", 3, [()])[0]
    assert probes.run("call", None, [()]) == [{"refused": "expected a function, got NoneType"}]


# --- the judge side: forbidden names -----------------------------------------------------------

def test_reused_matches_names_methods_and_the_checks_own_references():
    forbidden = [models.lenet5, keras.layers.Dense]
    dense = probes.qualified_name(keras.layers.Dense)
    assert framework.reused([LENET5, "numpy.diag"], forbidden) == [LENET5]
    assert framework.reused([f"{dense}.__init__"], forbidden) == [f"{dense}.__init__"]
    assert framework.reused(["course_utils.exercises.nb04.lenet5_params"]) == \
        ["course_utils.exercises.nb04.lenet5_params"]
    assert framework.reused(["course_utils.models.lecture.lenet5_insa"], forbidden) == []
    assert framework.reused("not a list", forbidden) == []
    assert framework.reused([3, None], forbidden) == []
    with pytest.raises(ValueError, match="forbidden must be functions"):
        framework.reused([LENET5], [3])


def test_judge_rejects_reported_reuse_and_ignores_malformed_uses():
    spec = ex.spec("check_rf_size")
    cases = spec.cases(None)
    right = [{"value": spec.reference(*c)} for c in cases]
    assert spec.judge(right, cases).passed
    reported = [{**o, "uses": ["course_utils.receptive_field.receptive_field"]} for o in right]
    verdict = spec.judge(reported, cases)
    assert not verdict.passed and "write the recursion yourself" in verdict.detail
    assert spec.judge([{**o, "uses": {"x": 1}} for o in right], cases).passed


# --- every build-or-write exercise rejects the course's answer --------------------------------

IMAGES = np.random.default_rng(0).uniform(0, 1, (20, 32, 32, 1)).astype("float32")
LABELS = np.arange(20) % 10
RGB = np.random.default_rng(1).integers(0, 255, (20, 32, 32, 3)).astype("uint8")

REUSE = {
    "2.1 scipy": (ex.check_correlate2d,
                  lambda im, k: scipy.signal.correlate2d(im, k, mode="valid"),
                  "scipy.signal._signaltools.correlate2d", "write the code yourself"),
    "2.1 course": (ex.check_correlate2d, conv.correlate2d, "course_utils.conv.correlate2d",
                   "write the code yourself"),
    "2.3 skimage": (ex.check_max_pool, lambda x: skimage.measure.block_reduce(
        x[:x.shape[0] // 2 * 2, :x.shape[1] // 2 * 2], 2, np.max), "block_reduce",
        "write the code yourself"),
    "2.4 lstsq": (lambda f: ex.check_learned_kernel(f, KERNEL_IMAGES),
                  lambda im, t, k0: np.linalg.lstsq(np.concatenate(
                      [conv.im2col(i, 3, padding="same").T for i in im]), t.reshape(-1),
                      rcond=None)[0].reshape(3, 3), "lstsq", "learn it by gradient descent"),
    "3.1 conv_output_size": (ex.check_output_size,
                             lambda n, f, p, s: shapes.conv_output_size(n, f, s, p).size,
                             "course_utils.shapes.conv_output_size", "write the code yourself"),
    "5.1 early_stop_epoch": (ex.check_early_stop_epoch, training.early_stop_epoch,
                             "course_utils.training.early_stop_epoch", "loop over the epochs"),
    "5.5 welch_p_values": (ex.check_welch_p_values, stats.welch_p_values,
                           "course_utils.stats.welch_p_values", "scipy.stats.ttest_ind yourself"),
    "5.6 seeds_needed": (ex.check_seeds_needed, lambda e, sd, k=2: stats.seeds_needed(e, sd, k),
                         "course_utils.stats.seeds_needed", "write the code yourself"),
    "8.1 cdist": (ex.check_pairwise_l2, lambda a, b: cdist(a, b), "cdist",
                  "write the code yourself"),
    "8.2 scikit-learn": (ex.check_knn_predict, lambda tx, ty, x, k: KNeighborsClassifier(
        n_neighbors=k).fit(tx, ty).predict(x), "KNeighborsClassifier", "np.argsort"),
    "4.1 lenet5": (ex.check_lenet_params,
                   lambda c: models.lenet5(input_shape=(32, 32, c)).count_params(),
                   "course_utils.models.lecture.lenet5", "count them from the layer shapes"),
    "4.2 mlp_baseline": (ex.check_mlp_baseline, lambda: models.mlp_baseline(),
                         "mlp_baseline", "write the layers yourself"),
    "4.4 lenet5": (lambda f: ex.check_lenet_build(f, IMAGES, LABELS, IMAGES, LABELS, 0.0),
                   lambda: models.lenet5(), LENET5, "write the layers yourself"),
    "4.4 lenet5 itself": (lambda f: ex.check_lenet_build(f, IMAGES, LABELS, IMAGES, LABELS, 0.0),
                          models.lenet5, LENET5, "the exercise is to build it"),
    "6.1 receptive_field": (ex.check_rf_size,
                            lambda k, s: rf.receptive_field(list(zip(k, s, strict=True)))[-1].size,
                            "course_utils.receptive_field.receptive_field", "r = r + (k − 1)·j"),
    "7.2 basic_block": (ex.check_basic_block, lambda x, f, s: models.basic_block(x, f, s),
                        "course_utils.models.classic.basic_block", "write the layers yourself"),
    "7.3 VGG19": (ex.check_vgg19, lambda: keras.applications.VGG19(weights=None),
                  "keras.src.applications.vgg19.VGG19", "models.vgg_block may build"),
    "7.4 mini_resnet": (lambda f: ex.check_residual_net(f, RGB, LABELS),
                        lambda n, residual=True: models.mini_resnet(
                            widths=(8, 16, 32), blocks_per_stage=n, residual=residual),
                        "course_utils.models.classic.mini_resnet", "your basic_block"),
    "9.2 keras top-k": (ex.check_top_k_accuracy,
                        lambda p, y, k: float(np.mean(keras.ops.convert_to_numpy(
                            keras.ops.in_top_k(y, p, k)))), "in_top_k", "np.argsort"),
    "10.1 occlude": (ex.check_occlude, lambda im, t, left, s: saliency.occlude(im, t, left, s),
                     "course_utils.saliency.occlude", "copy the image"),
    "10.1 occlude itself": (ex.check_occlude, saliency.occlude, "course_utils.saliency.occlude",
                            "copy the image"),
    "10.2 grad_cam_from": (ex.check_grad_cam, saliency.grad_cam_from,
                           "course_utils.saliency.grad_cam_from", "ReLU of the weighted sum"),
    "10.3 occlusion_map": (ex.check_occlusion_drops, lambda p, im, c, sizes, fill: (
        {s: 1 - saliency.occlusion_map(p, im, c, s, s // 2, fill) for s in sizes},
        {s: float(s) for s in sizes}, sizes[0]), "course_utils.saliency.occlusion_map",
        "your occlude of exercise 10.1"),
    "9.3 reference": (ex.check_pick_cut, lambda *a: ex.spec("check_pick_cut").reference(*a),
                      "course_utils.exercises.nb09.best_cut", "already is this exercise's"),
}


@pytest.mark.parametrize("case", REUSE)
def test_a_check_rejects_the_courses_own_answer(case, capsys):
    check, answer, name, hint = REUSE[case]
    assert check(answer) is False
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("✗ Exercise ") and "your answer uses" in line, line
    assert name in line and hint in line, line


def test_an_allowed_library_function_does_not_trigger_reuse(capsys):
    """10.3 may hide its squares with saliency.occlude (10.1's answer); 9.3 trains its heads with
    transfer.train_softmax_head."""
    def study(predict, image, c, sizes, fill):
        maps = {}
        for s in sizes:
            rows, cols = (saliency.occlusion_positions(n, s, s // 2) for n in image.shape[:2])
            batch = np.stack([saliency.occlude(image, t, u, s, fill) for t in rows for u in cols])
            maps[s] = predict(image[None])[0, c] - predict(batch)[:, c].reshape(len(rows), -1)
        scores = {s: float(m.max()) for s, m in maps.items()}
        return maps, scores, max(scores, key=scores.get)

    def pick_cut(train, y_train, val, y_val, lr):
        return max(train, key=lambda cut: np.mean([transfer.train_softmax_head(
            train[cut], y_train, lr, seed=s).accuracy(val[cut], y_val) for s in (0, 1, 2)]))

    assert ex.check_occlusion_drops(study) is True
    assert ex.check_pick_cut(pick_cut) is True
    assert "uses" not in capsys.readouterr().out


def lenet(pooling):
    layers = keras.layers
    return keras.Sequential([
        keras.Input((32, 32, 1)), layers.Conv2D(6, 5, activation="tanh"), pooling(2),
        layers.Conv2D(16, 5, activation="tanh"), pooling(2), layers.Flatten(),
        layers.Dense(120, activation="relu"), layers.Dense(84, activation="relu"),
        layers.Dense(10, activation="softmax")])


def test_a_lenet_with_max_pooling_fails_the_structure_check(capsys):
    check = ex.spec("check_lenet_build").bind(IMAGES, LABELS, IMAGES, LABELS, 0.0)
    assert check.run(lambda: lenet(keras.layers.MaxPooling2D)) is False
    line = capsys.readouterr().out
    assert "pooling layers" in line and "average pooling (AveragePooling2D), not max" in line
    assert check.run(lambda: lenet(keras.layers.AveragePooling2D)) is True
