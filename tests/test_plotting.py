"""Generic figures (course_utils.plotting): image grids, matrices, feature maps, learning curves,
seed runs, confusion matrices, and the width rule (fit_width, wrap_title).

Each figure is drawn without a display (Agg) and inspected through its axes. The figures of one
concept are tested with it (test_receptive_field, test_cost, test_embeddings, test_saliency,
test_shapes_figures)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course_utils import plotting  # noqa: E402

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


# --- the width rule -----------------------------------------------------------------------


@pytest.mark.parametrize("n_cols", [1, 3, 12, 16, 25, 40])
def test_fit_width_grids_stay_under_the_limit(n_cols):
    width, height = plotting.fit_width(n_cols, n_rows=2, size=1.3, extra=0.8)
    assert width <= plotting.MAX_WIDTH_IN + 1e-9
    panel = (width - 0.8) / n_cols
    assert panel == pytest.approx(min(1.3, (plotting.MAX_WIDTH_IN - 0.8) / n_cols), abs=1e-3)
    assert height == pytest.approx(panel * 1.15 * 2, abs=2e-3)


def test_fit_width_keeps_small_grids_at_their_size():
    assert plotting.fit_width(3, size=1.0, aspect=1.0) == (3.0, 1.0)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n_cols": 0}, "n_cols"), ({"n_cols": 2, "n_rows": 1.5}, "n_rows"),
    ({"n_cols": 2, "size": 0}, "size must be a positive"),
    ({"n_cols": 2, "extra": 10}, "extra must be in"),
])
def test_fit_width_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plotting.fit_width(**kwargs)


def test_wrap_title_breaks_at_spaces():
    assert plotting.wrap_title("T-shirt/top → Pullover", 70) == "T-shirt/top →\nPullover"
    assert plotting.wrap_title("cat", 5) == "cat"  # a word longer than a line stays whole
    assert plotting.wrap_title("chelsea\nscikit-image data", 50) == "chelsea\nscikit-image\ndata"
    with pytest.raises(ValueError, match="width_pt and fontsize must be positive"):
        plotting.wrap_title("cat", 0)


def test_show_image_draws_grey_and_0_255_float_images():
    fig, (grey, colour) = plt.subplots(1, 2)
    plotting.show_image(grey, np.zeros((4, 4, 1)), "grey", "tab:red")
    assert grey.get_images()[0].get_cmap().name == "gray" and grey.get_xticks().size == 0
    assert (grey.get_title(), grey.title.get_color()) == ("grey", "tab:red")
    plotting.show_image(colour, np.full((4, 4, 3), 300.0))
    drawn = colour.get_images()[0].get_array()
    assert drawn.dtype == np.uint8 and drawn.max() == 255 and colour.get_title() == ""


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
    legend, = fig.legends  # one, under the panels: none inside
    assert [t.get_text() for t in legend.get_texts()] == ["training", "validation"]
    assert loss_ax.get_legend() is None and acc_ax.get_legend() is None


def test_learning_curves_mark_events_at_epoch_plus_one():
    fig = plotting.learning_curves(HISTORY, events={"best": 1, "lr cut": [1, 2]})
    ax = fig.axes[0]
    vertical = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert sorted(line.get_xdata()[0] for line in vertical) == [2, 2, 3]
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["training", "validation", "best", "lr cut"]


def test_learning_rate_panel_is_logarithmic_and_accepts_a_history_object():
    class FakeHistory:
        history = HISTORY

    fig = plotting.learning_curves(FakeHistory(), metrics="learning_rate", title="lr")
    assert len(fig.axes) == 1 and fig.axes[0].get_yscale() == "log"
    assert not fig.legends  # one curve: its axis names it
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


def test_feature_map_grid_one_row_per_layer_with_the_image_first():
    rng = np.random.default_rng(0)
    maps = {"l1": rng.normal(size=(4, 4, 3)), "l2": rng.normal(size=(2, 2, 3))}
    fig = plotting.feature_map_grid(maps, n_channels=3, image=np.zeros((8, 8, 3)))
    assert len(fig.axes) == 2 * 4 and fig.axes[0].get_title() == "input"
    assert fig.axes[1].get_ylabel() == "l1\n4×4×3" and fig.axes[5].get_ylabel() == "l2\n2×2×3"
    with pytest.raises(ValueError, match="at least one layer's maps, got none"):
        plotting.feature_map_grid({})


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


def test_channel_grid_shows_every_channel_and_marks_silent_ones():
    maps = np.random.default_rng(0).random((4, 4, 12))
    maps[..., 3] = 0.0
    fig = plotting.channel_grid(maps, ncols=5)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(titles) == 12 and titles[3] == "3: silent" and titles[4] == "4"
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
