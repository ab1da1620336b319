"""Figures (course_utils.plotting) of every notebook: image grids, matrices, learning curves,
confusion matrices, receptive fields, costs, embeddings, feature maps and heat maps.

Each figure is drawn without a display (Agg) and inspected through its axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course_utils import cost, models, plotting, saliency  # noqa: E402
from course_utils import receptive_field as rf  # noqa: E402
from tests.conftest import LECTURE_STACK  # noqa: E402

HISTORY = {
    "loss": [1.0, 0.6, 0.4, 0.3],
    "val_loss": [1.1, 0.8, 0.9, 1.0],
    "accuracy": [0.5, 0.7, 0.8, 0.9],
    "val_accuracy": [0.45, 0.6, 0.62, 0.61],
    "learning_rate": [1e-3, 1e-3, 5e-4, 2.5e-4],
}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def visible_axes(fig: Figure) -> list:
    return [ax for ax in fig.axes if ax.get_images()]


# --- image_grid (the lead's) -------------------------------------------------------------


def test_image_grid_lays_out_rows_and_titles():
    images = np.random.default_rng(0).integers(0, 255, (12, 8, 8), dtype=np.uint8)
    fig = plotting.image_grid(images, [str(i) for i in range(12)], ncols=5)
    assert len(fig.axes) == 15 and len(visible_axes(fig)) == 12
    assert [ax.get_title() for ax in visible_axes(fig)][:3] == ["0", "1", "2"]
    assert visible_axes(fig)[0].get_images()[0].get_cmap().name == "gray"


def test_image_grid_bad_input():
    with pytest.raises(ValueError, match="at least one image"):
        plotting.image_grid([])
    with pytest.raises(ValueError, match="expected 2 titles"):
        plotting.image_grid(np.zeros((2, 4, 4)), ["a"])


# --- learning curves ---------------------------------------------------------------------


def test_learning_curves_draw_train_and_validation_per_metric():
    fig = plotting.learning_curves(HISTORY)
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_ylabel() == "loss" and acc_ax.get_ylabel() == "accuracy"
    train, val = loss_ax.get_lines()[:2]
    assert list(train.get_xdata()) == [1, 2, 3, 4]  # epochs counted from 1
    assert list(val.get_ydata()) == HISTORY["val_loss"]
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == ["training", "validation"]


def test_learning_curves_mark_events_at_epoch_plus_one():
    fig = plotting.learning_curves(HISTORY, events={"best": 1, "lr cut": [1, 2]})
    ax = fig.axes[0]
    vertical = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert sorted(line.get_xdata()[0] for line in vertical) == [2, 2, 3]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["training", "validation", "best", "lr cut"]


def test_learning_rate_panel_is_logarithmic_and_accepts_a_history_object():
    class FakeHistory:
        history = HISTORY

    fig = plotting.learning_curves(FakeHistory(), metrics="learning_rate", title="lr")
    assert len(fig.axes) == 1 and fig.axes[0].get_yscale() == "log"
    assert fig._suptitle.get_text() == "lr"


def test_learning_curves_bad_input():
    with pytest.raises(ValueError, match=r"\['recall'\] not in the history"):
        plotting.learning_curves(HISTORY, metrics=("loss", "recall"))
    with pytest.raises(ValueError, match="Keras History or a non-empty dict"):
        plotting.learning_curves({})
    with pytest.raises(ValueError, match="Keras History"):
        plotting.learning_curves([1, 2, 3])


# --- confusion matrix --------------------------------------------------------------------


def test_confusion_matrix_counts_and_accuracy():
    y_true = np.array([0, 0, 1, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 1, 2, 0, 2])
    fig = plotting.confusion_matrix(y_true, y_pred, ["a", "b", "c"], title="test")
    ax = fig.axes[0]
    matrix = ax.get_images()[0].get_array()
    assert np.array_equal(matrix, [[1, 1, 0], [0, 2, 0], [1, 0, 2]])
    assert ax.get_title() == "test: accuracy 0.714 (7 images)"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]


def test_confusion_matrix_defaults_to_label_numbers():
    fig = plotting.confusion_matrix([0, 1, 2, 3], [0, 1, 2, 2])
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["0", "1", "2", "3"]


def test_confusion_matrix_bad_input():
    with pytest.raises(ValueError, match="equally long"):
        plotting.confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError, match=r"labels must be in 0\.\.1"):
        plotting.confusion_matrix([0, 2], [0, 1], ["a", "b"])


# --- grids with class names and mistakes --------------------------------------------------


def test_labelled_grid_titles_are_class_names():
    fig = plotting.labelled_grid(np.zeros((3, 4, 4, 3)), [2, 0, 1], ["cat", "dog", "ship"])
    assert [ax.get_title() for ax in visible_axes(fig)] == ["ship", "cat", "dog"]
    with pytest.raises(ValueError, match="one label per image"):
        plotting.labelled_grid(np.zeros((3, 4, 4)), [0, 1], ["a", "b"])
    with pytest.raises(ValueError, match=r"labels must be in 0\.\.1"):
        plotting.labelled_grid(np.zeros((2, 4, 4)), [0, 5], ["a", "b"])


def test_mistakes_grid_shows_only_misclassified_images_true_then_predicted():
    images = np.arange(5)[:, None, None] * np.ones((5, 4, 4))
    fig = plotting.mistakes_grid(images, [0, 1, 2, 3, 4], [0, 2, 2, 1, 4], list("abcde"))
    axes = visible_axes(fig)
    assert [ax.get_title() for ax in axes] == ["b → c", "d → b"]
    assert axes[0].get_images()[0].get_array().max() == 1  # image 1 is the first mistake


def test_mistakes_grid_limits_the_count_and_handles_no_mistakes():
    y = np.arange(30) % 3
    fig = plotting.mistakes_grid(np.zeros((30, 4, 4)), y, (y + 1) % 3, list("abc"), n=7)
    assert len(visible_axes(fig)) == 7
    fig = plotting.mistakes_grid(np.arange(30)[:, None, None] * np.ones((30, 4, 4)), y,
                                 (y + 1) % 3, list("abc"), n=5, seed=0)
    shown = [ax.get_images()[0].get_array().max() for ax in visible_axes(fig)]
    assert len(shown) == 5 and shown == sorted(shown) and shown != [0, 1, 2, 3, 4]
    fig = plotting.mistakes_grid(np.zeros((3, 4, 4)), [0, 1, 2], [0, 1, 2], list("abc"))
    assert "no mistakes among 3 images" in fig.axes[0].texts[0].get_text()


def test_mistakes_grid_bad_input():
    with pytest.raises(ValueError, match="equally long"):
        plotting.mistakes_grid(np.zeros((3, 4, 4)), [0, 1], [0, 1], ["a", "b"])
    with pytest.raises(ValueError, match="n must be an integer >= 1, got 0"):
        plotting.mistakes_grid(np.zeros((2, 4, 4)), [0, 1], [1, 0], ["a", "b"], n=0)


# --- exercise 4.3 (reading a confusion matrix) --------------------------------------------


def test_check_per_class_accuracy(capsys):
    from course_utils import exercises as ex

    assert ex.check_per_class_accuracy(lambda cm: np.diag(cm) / cm.sum(axis=1))
    assert not ex.check_per_class_accuracy(lambda cm: np.diag(cm) / cm.sum(axis=0))
    assert "row sums" in capsys.readouterr().out
    assert not ex.check_per_class_accuracy(lambda cm: np.diag(cm))
    assert not ex.check_per_class_accuracy(lambda cm: None)
    assert not ex.check_per_class_accuracy(lambda cm: [1.0])

    def stub(cm):
        raise NotImplementedError

    assert not ex.check_per_class_accuracy(stub)
    assert "not implemented yet" in capsys.readouterr().out


def test_matrix_figure_draws_values_and_boxes():
    fig = plotting.matrix_figure([np.eye(3), np.array([[1.5, -2]])], ["a", "b"], ["∗"],
                                 boxes=[(0, 0, 0, 2, 2)])
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "1" in texts and "1.50" in texts and "∗" in texts
    assert len(fig.axes[0].patches) == 1
    plt.close(fig)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (([np.eye(2)], ["a", "b"]), "expected 1 titles"),
        (([np.eye(2), np.eye(2)], None, ["∗", "="]), "expected 1 symbols"),
        (([np.ones((2, 2, 2))],), "2-D matrices"),
        (([],), "2-D matrices"),
    ],
)
def test_matrix_figure_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        plotting.matrix_figure(*args)


def test_conv_arithmetic_figure_title_and_cells():
    fig = plotting.conv_arithmetic_figure(6, 3, stride=2, padding="valid")
    assert "⌊(6 − 3)/2⌋ + 1 = 2" in fig.texts[0].get_text()
    assert "1 pixel(s) ignored" in fig.texts[0].get_text()
    ax_in, ax_out = fig.axes
    assert len(ax_out.patches) == 4  # 2×2 output cells
    plt.close(fig)
    fig = plotting.conv_arithmetic_figure(4, 3, stride=2, padding="same")
    assert "padding 0/1" in fig.axes[0].get_title()
    plt.close(fig)
    with pytest.raises(ValueError, match="larger than the padded input"):
        plotting.conv_arithmetic_figure(2, 5)


def test_conv_explorer_without_kernel_is_a_static_figure():
    fig = plotting.conv_explorer(n=5, kernel=3, stride=1, padding="valid")
    assert isinstance(fig, matplotlib.figure.Figure)
    plt.close(fig)


def test_static_fallback_bundle_carries_png():
    class FakeWidget:
        def _repr_mimebundle_(self, **kwargs):
            return {"application/vnd.jupyter.widget-view+json": {"model_id": "x"}}

    bundle = plotting._StaticFallback(FakeWidget(), b"\x89PNG")._repr_mimebundle_()
    assert set(bundle) == {"application/vnd.jupyter.widget-view+json", "image/png", "text/plain"}


def test_figures_of_notebook_06():
    image, grad = np.zeros((28, 28)), np.random.default_rng(0).random((28, 28))
    fig = plotting.receptive_field_figure(image, grad, {"theory": ((4, 21), (4, 21))}, "t")
    assert len(fig.axes) == 3 and len(fig.axes[0].patches) == 1
    with pytest.raises(ValueError, match="gradient"):
        plotting.receptive_field_figure(image, grad[:5], {})
    fig2 = plotting.receptive_field_growth({"a": rf.receptive_field(LECTURE_STACK)}, 28)
    assert len(fig2.axes[0].lines) == 2  # the stack and the whole-input line
    with pytest.raises(ValueError, match="at least one"):
        plotting.receptive_field_growth({})
    yy, xx = np.mgrid[:21, :21]
    fig3 = plotting.effective_rf_figure(np.exp(-((yy - 10) ** 2 + (xx - 10) ** 2) / 18.0), 21)
    legend = [t.get_text() for t in fig3.axes[1].get_legend().get_texts()]
    assert any("σ = 3.0" in text for text in legend)  # exp(−d²/18) has σ = 3
    with pytest.raises(ValueError, match="H, W"):
        plotting.effective_rf_figure(np.zeros(5), 3)
    plt.close("all")


def test_figures_of_notebook_07():
    fig = plotting.top5_error_figure(models.ILSVRC_TOP5_ERROR, models.HUMAN_TOP5_ERROR)
    assert len(fig.axes[0].patches) == len(models.ILSVRC_TOP5_ERROR)
    costs = [cost.model_cost(models.lecture_cnn()), cost.model_cost(models.mini_vgg())]
    assert len(plotting.cost_bars(costs).axes) == 3
    with pytest.raises(ValueError, match="at least one"):
        plotting.top5_error_figure([])
    with pytest.raises(ValueError, match="at least one"):
        plotting.cost_bars([])
    plt.close("all")


def test_plotting_helpers_draw():
    rng = np.random.default_rng(0)
    labels = np.arange(20) % 4
    fig = plotting.embedding_panels({"a": rng.normal(size=(20, 2)), "b": rng.normal(size=(20, 2))},
                                    labels, ["w", "x", "y", "z"])
    assert len(fig.axes) == 2
    with pytest.raises(ValueError, match="shape"):
        plotting.embedding_panels({"a": np.zeros((3, 2))}, labels)
    images = rng.integers(0, 255, (3, 8, 8), dtype=np.uint8)
    fig = plotting.neighbors_figure(images[:2], {"pixels": np.stack([images[:2]] * 2, 1)},
                                    np.array([0, 1]), {"pixels": np.array([[0, 1], [1, 1]])},
                                    ["zero", "one"])
    assert len(fig.axes) == 2 * 3
    assert len(plotting.thumbnail_scatter(rng.normal(size=(3, 2)), images).axes) == 1
    maps = {"l1": rng.normal(size=(4, 4, 3))}
    assert len(plotting.feature_map_grid(maps, n_channels=3, image=images[0]).axes) == 4
    patch = saliency.Patch(0, 0, 0, 1.0, rng.uniform(0, 255, (5, 5, 3)))
    assert len(plotting.patches_grid({"ch 0": [patch, patch]}).axes) == 2
    plt.close("all")


def test_maps_with_colorbar_shares_one_scale_and_centres_zero():
    a, b = np.array([[0.0, 2.0], [1.0, 1.0]]), np.array([[-4.0, 0.5, 3.0]])
    fig = plotting.maps_with_colorbar([a, b], ["a", "b"])
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 2 and len(fig.axes) == 3                       # two maps + one bar
    assert all(im.get_clim() == (-4.0, 3.0) for im in images)             # one shared scale
    assert [ax.get_title() for ax in fig.axes[:2]] == ["a", "b"]
    plt.close(fig)
    fig = plotting.maps_with_colorbar([a, b], centre_zero=True, ncols=1)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert all(im.get_clim() == (-4.0, 4.0) for im in images)             # white = 0
    assert images[0].get_cmap().name == "RdBu_r"
    assert fig.get_layout_engine().__class__.__name__ == "ConstrainedLayoutEngine"
    plt.close(fig)


@pytest.mark.parametrize("args, match", [
    (([],), "at least one map, got none"),
    (([np.ones(3)],), r"non-empty 2-D array \(H, W\), got shapes \[\(3,\)\]"),
    (([np.ones((2, 2))], ["a", "b"]), "expected 1 titles"),
    (([np.ones((2, 2))], None, None, False, 0), "ncols"),
])
def test_maps_with_colorbar_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        plotting.maps_with_colorbar(*args)


def test_heat_map_scales_are_fixed_and_checked():
    drop = plotting.HeatMap.drop(np.array([[0.2, -0.1]]))
    assert (drop.vmin, drop.vmax, drop.cmap) == (-1.0, 1.0, "RdBu_r")  # centred on zero
    cam = plotting.HeatMap.cam(np.zeros((2, 2)))
    assert (cam.vmin, cam.vmax) == (0.0, 1.0)
    with pytest.raises(ValueError, match=r"\(h, w\)"):
        plotting.HeatMap(np.zeros(3))
    with pytest.raises(ValueError, match="vmin < vmax"):
        plotting.HeatMap(np.zeros((2, 2)), vmin=1.0, vmax=1.0)


def test_saliency_grid_draws_each_map_at_its_extent():
    image = np.zeros((16, 16, 3), dtype=np.uint8)
    extent = (3.5, 11.5, 11.5, 3.5)
    rows = [{"drop": plotting.HeatMap.drop(np.ones((2, 2)), extent),
             "cam": plotting.HeatMap.cam(np.ones((4, 4)))}] * 2
    fig = plotting.saliency_grid([image, image], rows, ["a", "b"])
    axes = fig.axes
    drawn = axes[1].images[-1]
    assert tuple(drawn.get_extent()) == extent and drawn.get_clim() == (-1.0, 1.0)
    assert axes[1].get_xlim() == (-0.5, 15.5)  # the image's frame, not the map's
    assert tuple(axes[2].images[-1].get_extent()) == (-0.5, 15.5, 15.5, -0.5)
    assert fig.get_figwidth() <= 9.6
    plt.close(fig)
    with pytest.raises(ValueError, match="one dict of heat maps per image"):
        plotting.saliency_grid([image], rows)
    with pytest.raises(ValueError, match="the panels"):
        plotting.saliency_grid([image, image], [rows[0], {"other": rows[0]["cam"]}])


def test_channel_grid_shows_every_channel_and_marks_silent_ones():
    maps = np.random.default_rng(0).random((4, 4, 12))
    maps[..., 3] = 0.0
    fig = plotting.channel_grid(maps, ncols=5)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(titles) == 12 and titles[3] == "0" and titles[4] == "4"
    assert fig.get_figwidth() <= 9.6
    plt.close(fig)
    with pytest.raises(ValueError, match=r"\(h, w, C\)"):
        plotting.channel_grid(maps[..., 0])


def test_seed_runs_draws_every_run_and_the_mean_with_its_sd():
    runs = {"recipe": [0.34, 0.32, 0.36], "without BatchNorm": [0.28, 0.29]}
    fig = plotting.seed_runs(runs, title="ablation")
    ax = fig.axes[0]
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert [list(d.get_xdata()) for d in dots] == [runs["recipe"], runs["without BatchNorm"]]
    bars = [p.get_width() for p in ax.patches]
    assert bars == pytest.approx([0.34, 0.285])
    assert [t.get_text() for t in ax.get_yticklabels()] == list(runs)
    plt.close(fig)


def test_seed_runs_bad_input():
    with pytest.raises(ValueError, match="at least one variant"):
        plotting.seed_runs({})
    with pytest.raises(ValueError, match=">= 2 scores per variant, got 1 for 'recipe'"):
        plotting.seed_runs({"recipe": [0.3]})
