"""Legible figures (course_utils.figures): the title-overlap detector, the IPython hook
config.setup() installs, the width rule of course_utils.plotting as rendered, and the executed
notebooks.

The notebook tests read the committed outputs only (no kernel): every image/png output must be
≤ plotting.MAX_WIDTH_PX wide (JupyterLab scales wider ones down) and no output may carry the
"FIGURE WARNING" line the hook prints for overlapping titles."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import figures, plotting  # noqa: E402
from course_utils.plotting import DPI, MAX_WIDTH_IN, MAX_WIDTH_PX  # noqa: E402

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def inline_png(fig) -> bytes:
    """The PNG the inline backend would show: figure dpi, bbox_inches="tight"."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches="tight")
    return buffer.getvalue()


# --- png_size, the width rule as rendered -------------------------------------------------


def test_png_size_reads_the_header():
    fig = plt.figure(figsize=(3, 2), dpi=50)
    fig.add_subplot().plot([0, 1])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert figures.png_size(buffer.getvalue()) == (150, 100)
    with pytest.raises(ValueError, match="expected PNG data"):
        figures.png_size(b"GIF89a" + bytes(30))


@pytest.mark.parametrize("n_cols", [1, 3, 12])
def test_fit_width_grids_render_under_the_limit(n_cols):
    """plotting.fit_width's arithmetic is tested in test_plotting; here its PNG is measured."""
    width, height = plotting.fit_width(n_cols, n_rows=2, size=1.3, extra=0.8)
    fig, axes = plt.subplots(1, n_cols, figsize=(width, height / 2), layout="constrained",
                             dpi=DPI, squeeze=False)  # one row: the width is tested
    for ax in axes.flat:
        ax.imshow(np.zeros((8, 8)))
        ax.set_title("9", fontsize=8)
        ax.axis("off")
    assert figures.png_size(inline_png(fig))[0] <= MAX_WIDTH_PX


# --- the overlap detector -----------------------------------------------------------------


def crowded_figure():
    """Four panels 1 in wide with titles about 2 in long: neighbours' titles overlap."""
    fig, axes = plt.subplots(1, 4, figsize=(4, 1.6))
    for ax in axes:
        ax.imshow(np.zeros((4, 4)))
        ax.set_title("a rather long panel title")
    return fig


def test_detector_finds_overlapping_titles():
    messages = figures.find_overlaps(crowded_figure())
    pairs = {m.split(" (")[0] for m in messages}
    assert {f"FIGURE WARNING: titles overlap in axes {i} and {i + 1}" for i in range(3)} <= pairs
    assert all(m.startswith(figures.WARNING_PREFIX) for m in messages)


def test_detector_passes_a_constrained_grid_with_short_titles():
    fig, axes = plt.subplots(2, 3, figsize=(7, 4.5), layout="constrained")
    for i, ax in enumerate(axes.flat):
        ax.plot(np.arange(10), np.arange(10) ** 2)
        ax.set_title(f"panel {i}")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
    fig.suptitle("a suptitle")
    assert figures.find_overlaps(fig) == []


def test_detector_finds_a_title_under_the_tick_labels_above():
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(4, 3))
    top.plot([0, 1000], [0, 1])
    top.set_position((0.1, 0.55, 0.8, 0.4))
    bottom.set_position((0.1, 0.08, 0.8, 0.4))  # its title lands in top's x tick labels
    bottom.set_title("bottom panel")
    messages = figures.find_overlaps(fig)
    assert messages and all("axes 1" in m and "tick label" in m for m in messages)


def test_detector_finds_a_suptitle_on_a_title():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_position((0.1, 0.1, 0.8, 0.86))
    ax.set_title("axes title")
    fig.suptitle("figure title", y=0.985)
    assert any(m.startswith("FIGURE WARNING: suptitle 'figure title' overlaps title")
               for m in figures.find_overlaps(fig))


def test_detector_finds_values_written_on_top_of_each_other():
    fig, ax = plt.subplots(figsize=(3, 2), layout="constrained")
    ax.bar([0, 1], [1.0, 1.0])
    ax.text(0, 1.0, "0.386", ha="center", fontsize=7)
    ax.text(0.05, 1.0, "0.385", ha="center", fontsize=7)  # 0.05 bar widths apart: they collide
    ax.text(1, 1.0, "1.00", ha="center", fontsize=7)
    messages = figures.find_overlaps(fig)
    assert messages == ["FIGURE WARNING: text '0.386' of axes 0 overlaps text '0.385' of axes 0"]


def test_figure_problems_reports_the_width():
    fig, ax = plt.subplots(figsize=(12, 2), dpi=DPI, layout="constrained")
    ax.plot([0, 1])
    messages = figures.figure_problems(fig, inline_png(fig))
    assert len(messages) == 1 and "px wide, more than the 990 px" in messages[0]
    fig.set_size_inches(MAX_WIDTH_IN, 2)
    assert figures.figure_problems(fig, inline_png(fig)) == []


# --- the IPython hook ---------------------------------------------------------------------


def test_hook_prints_warnings_for_the_figures_ipython_shows(capsys):
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.core.pylabtools import select_figure_formats
    from matplotlib.figure import Figure

    shell = InteractiveShell.instance()
    try:
        select_figure_formats(shell, {"png"}, bbox_inches="tight")
        assert figures.install(shell)
        assert figures.install(shell)  # a second install does not wrap twice
        png = shell.display_formatter.formatters["image/png"]
        crowded, metadata = png(crowded_figure())
        out = capsys.readouterr().out
        assert figures.png_size(base64.b64decode(crowded))[0] < MAX_WIDTH_PX
        assert metadata[figures.PROBLEMS_KEY] >= 3
        assert out.count("FIGURE WARNING: titles overlap in axes 0 and 1") == 1
        assert len(out.splitlines()) <= figures.MAX_LINES + 1
        fig, ax = plt.subplots(figsize=(5, 3), layout="constrained")
        ax.set_title("fine")
        assert png(fig)[1] == {figures.PROBLEMS_KEY: 0} and capsys.readouterr().out == ""
        png.pop(Figure)
        assert figures.install(shell) is False  # no PNG printer for figures: nothing to wrap
    finally:
        InteractiveShell.clear_instance()


def test_install_outside_ipython_does_nothing():
    assert figures.install() is False


# --- the executed notebooks ---------------------------------------------------------------


def drawn_by(source: str) -> str:
    """The figure helpers and pyplot calls a cell's source makes (what drew its figures)."""
    import re

    helpers = r"(?:plotting|shapes_figures|rf|cost|emb|saliency|feature_visualisation)\.\w+"
    calls = re.findall(helpers + r"|plt\.(?:subplots|figure|imshow|plot)|figsize=\([^)]*\)",
                       source)
    return ", ".join(dict.fromkeys(calls)) or source.strip().splitlines()[0][:60]


def notebook_figures(path: Path) -> list[tuple[int, int, str]]:
    """(cell index, PNG width, what drew it) of every image/png output of a notebook."""
    found = []
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get("image/png")
            if data:
                data = "".join("".join(data).split())  # a str or a list of lines, maybe wrapped
                width = figures.png_size(base64.b64decode(data[:64]))[0]
                found.append((index, width, drawn_by("".join(cell["source"]))))
    return found


# what matplotlib writes to stderr when a cell fights the constrained-layout default
LAYOUT_WARNINGS = ("The figure layout has changed to tight",
                   "incompatible with subplots_adjust and/or tight_layout")


def figure_warnings(path: Path) -> list[tuple[int, str]]:
    """(cell index, line) of every stored output line that starts with FIGURE WARNING, or that
    is matplotlib's warning about tight_layout / subplots_adjust under constrained layout."""
    found = []
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        for output in cell.get("outputs", []):
            text = output.get("text", "")
            text = "".join(text) if isinstance(text, list) else text
            found += [(index, line.strip()) for line in text.splitlines()
                      if line.startswith(figures.WARNING_PREFIX)
                      or any(w in line for w in LAYOUT_WARNINGS)]
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_figures_fit_the_display_width(path):
    figures_found = notebook_figures(path)
    wide = [f"{path.name} cell {i}: {w} px ({line})" for i, w, line in figures_found
            if w > MAX_WIDTH_PX]
    assert not wide, (f"{len(wide)} figure(s) wider than {MAX_WIDTH_PX} px (keep figsize "
                      f"width ≤ {MAX_WIDTH_IN} in at dpi {DPI}):\n"
                      + "\n".join(wide))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_figures_have_no_overlapping_titles(path):
    warnings = [f"{path.name} cell {i}: {line}" for i, line in figure_warnings(path)]
    assert not warnings, ("\n".join(warnings) + "\n(a layout warning: drop the cell's "
                          "tight_layout()/subplots_adjust(); config.setup() makes constrained "
                          "layout the default)")


def test_layout_warnings_are_what_matplotlib_prints():
    fig, ax = plt.subplots(layout="constrained")
    ax.plot([0, 1])
    with pytest.warns(UserWarning) as caught:
        fig.tight_layout()
    assert any(LAYOUT_WARNINGS[0] in str(w.message) for w in caught)
    fig, ax = plt.subplots(layout="constrained")
    with pytest.warns(UserWarning) as caught:
        fig.subplots_adjust(left=0.2)
    assert any(LAYOUT_WARNINGS[1] in str(w.message) for w in caught)


def unchecked_figures(path: Path) -> list[int]:
    """Cells with a matplotlib figure output that config.setup()'s check did not see.

    The hook stores ``{figures.PROBLEMS_KEY: problems}`` as the output's image/png metadata;
    a PNG carried by a widget's bundle (conv_explorer's static fallback) is not a shown figure.
    """
    cells = []
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" not in data or "application/vnd.jupyter.widget-view+json" in data:
                continue
            checked = output.get("metadata", {}).get("image/png", {}).get(figures.PROBLEMS_KEY)
            if checked != 0:
                cells.append(index)
    return cells


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_figures_were_checked_when_executed(path):
    cells = unchecked_figures(path)
    assert not cells, (f"{path.name}: figures in cells {cells} carry no clean "
                       f"'{figures.PROBLEMS_KEY}' metadata: executed before config.setup() checked "
                       "figures (re-execute the notebook) or the check found problems")


def test_notebooks_were_found():
    assert len(NOTEBOOKS) >= 11


# --- every figure helper fits and has no overlapping titles by default ---------------------

FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Ankle boot"]


def helper_figures():
    """(name, thunk) pairs: each helper called with notebook-sized inputs and default sizes."""
    from types import SimpleNamespace

    from course_utils import cost as course_cost
    from course_utils import embeddings, saliency
    from course_utils import feature_visualisation as fv

    rng = np.random.default_rng(0)
    digits = rng.integers(0, 255, (40, 28, 28), dtype=np.uint8)
    colour = rng.integers(0, 255, (40, 32, 32, 3), dtype=np.uint8)
    labels = np.arange(40) % 10
    points = rng.normal(size=(200, 2))
    patch = SimpleNamespace(pixels=colour[0], activation=12.3)
    history = {"loss": [1.0, 0.5, 0.4], "val_loss": [1.1, 0.7, 0.6], "accuracy": [0.5, 0.8, 0.9],
               "val_accuracy": [0.4, 0.7, 0.8], "learning_rate": [1e-3, 1e-3, 5e-4]}
    cost = [SimpleNamespace(name=n, params=p, mult_adds=p * 30, activation_bytes=p * 4)
            for n, p in (("LeNet-5", 6e4), ("AlexNet", 6e7), ("VGG-16", 1.4e8),
                         ("ResNet-50", 2.5e7))]
    return [
        ("image_grid", lambda: plotting.image_grid(digits[:20], [str(i) for i in range(20)])),
        ("labelled_grid", lambda: plotting.labelled_grid(colour[:20], labels[:20], FASHION)),
        ("mistakes_grid", lambda: plotting.mistakes_grid(digits, labels, (labels + 3) % 10,
                                                         FASHION)),
        ("maps_with_colorbar", lambda: plotting.maps_with_colorbar(
            [rng.normal(size=(20, 20)) for _ in range(5)], [f"|map {i}|" for i in range(5)])),
        ("matrix_figure", lambda: plotting.matrix_figure(
            [rng.integers(0, 9, (12, 12)), np.ones((3, 3)), np.zeros((10, 10))],
            ["input", "kernel", "output"], ["∗", "="])),
        ("learning_curves", lambda: plotting.learning_curves(
            history, ("loss", "accuracy", "learning_rate"), title="a run")),
        ("confusion_matrix", lambda: plotting.confusion_matrix(labels, (labels + 1) % 10,
                                                               FASHION)),
        ("cost_bars", lambda: course_cost.cost_bars(cost)),
        ("embedding_panels", lambda: embeddings.embedding_panels(
            {n: points for n in ("t-SNE pixels", "t-SNE CNN", "PCA pixels", "PCA CNN")},
            labels.repeat(5), FASHION)),
        ("neighbors_figure", lambda: embeddings.neighbors_figure(
            colour[:2], {"pixels": colour[:16].reshape(2, 8, 32, 32, 3),
                         "CNN": colour[16:32].reshape(2, 8, 32, 32, 3)}, labels[:2],
            {"pixels": labels[:16].reshape(2, 8), "CNN": labels[16:32].reshape(2, 8)},
            FASHION)),
        ("feature_map_grid", lambda: plotting.feature_map_grid(
            {f"conv{i}": rng.normal(size=(16, 16, 8)) for i in range(3)}, image=colour[0])),
        ("patches_grid", lambda: fv.patches_grid({f"ch {i}": [patch] * 9 for i in range(3)})),
        ("saliency_grid", lambda: saliency.saliency_grid(
            colour[:2], [{n: saliency.HeatMap.cam(rng.random((4, 4))) for n in ("Grad-CAM", "drop")}
                         ] * 2, ["cat", "dog"])),
        ("top5_error_figure", lambda: course_cost.top5_error_figure(
            [(2010, "NEC", None, 28.2), (2012, "AlexNet", 8, 16.4), (2014, "VGG", 19, 7.3),
             (2015, "ResNet", 152, 3.6)], human=5.1)),
        ("seed_runs", lambda: plotting.seed_runs(
            {"recipe": [0.34, 0.32, 0.36], "without input normalisation": [0.29, 0.31, 0.28],
             "constant learning rate": [0.16, 0.14, 0.18]}, title="three seeds per variant")),
    ]


@pytest.mark.parametrize("name", [n for n, _ in helper_figures()])
def test_plotting_helpers_fit_and_do_not_overlap(name):
    fig = dict(helper_figures())[name]()
    fig.set_dpi(DPI)
    png = inline_png(fig)
    renderer = fig.canvas.get_renderer()
    assert figures.png_size(png)[0] <= MAX_WIDTH_PX
    assert figures.figure_problems(fig, png, renderer) == []


def test_style_figures_sets_the_defaults(monkeypatch):
    from course_utils import config

    monkeypatch.setattr(matplotlib, "rcParams", matplotlib.rcParams.copy())
    assert config.style_figures() is False  # no IPython here: nothing to hook
    assert matplotlib.rcParams["figure.dpi"] == DPI
    assert matplotlib.rcParams["figure.constrained_layout.use"] is True
    fig = plt.figure()  # the default figsize fits
    assert fig.get_size_inches()[0] <= MAX_WIDTH_IN
    assert fig.get_layout_engine().__class__.__name__ == "ConstrainedLayoutEngine"
