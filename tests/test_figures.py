"""Legible figures (course_utils.figures): the width rule, fit_width, the title-overlap detector,
the IPython hook config.setup() installs, and the executed notebooks.

The notebook tests read the committed outputs only (no kernel): every image/png output must be
≤ figures.MAX_WIDTH_PX wide (JupyterLab scales wider ones down) and no output may carry the
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

from course_utils import figures  # noqa: E402

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


# --- png_size, fit_width ------------------------------------------------------------------


def test_png_size_reads_the_header():
    fig = plt.figure(figsize=(3, 2), dpi=50)
    fig.add_subplot().plot([0, 1])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert figures.png_size(buffer.getvalue()) == (150, 100)
    with pytest.raises(ValueError, match="expected PNG data"):
        figures.png_size(b"GIF89a" + bytes(30))


@pytest.mark.parametrize("n_cols", [1, 3, 8, 10, 16, 25])
def test_fit_width_grids_stay_under_the_limit(n_cols):
    width, height = figures.fit_width(n_cols, n_rows=2, size=1.3, extra=0.8)
    assert width <= figures.MAX_WIDTH_IN + 1e-9
    panel = (width - 0.8) / n_cols
    assert panel == pytest.approx(min(1.3, (figures.MAX_WIDTH_IN - 0.8) / n_cols), abs=1e-3)
    assert height == pytest.approx(panel * 1.15 * 2, abs=2e-3)
    fig, axes = plt.subplots(2, n_cols, figsize=(width, height), layout="constrained",
                             dpi=figures.DPI)
    for ax in axes.flat:
        ax.imshow(np.zeros((8, 8)))
        ax.set_title("9", fontsize=8)
        ax.axis("off")
    assert figures.png_size(inline_png(fig))[0] <= figures.MAX_WIDTH_PX


def test_fit_width_keeps_small_grids_at_their_size():
    assert figures.fit_width(3, size=1.0, aspect=1.0) == (3.0, 1.0)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n_cols": 0}, "n_cols"), ({"n_cols": 2, "n_rows": 1.5}, "n_rows"),
    ({"n_cols": 2, "size": 0}, "size must be a positive"),
    ({"n_cols": 2, "extra": 10}, "extra must be in"),
])
def test_fit_width_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        figures.fit_width(**kwargs)


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


def test_check_figure_reports_the_width():
    fig, ax = plt.subplots(figsize=(12, 2), dpi=figures.DPI, layout="constrained")
    ax.plot([0, 1])
    messages = figures.check_figure(fig, inline_png(fig))
    assert len(messages) == 1 and "px wide, more than the 990 px" in messages[0]
    fig.set_size_inches(figures.MAX_WIDTH_IN, 2)
    assert figures.check_figure(fig, inline_png(fig)) == []


# --- the IPython hook ---------------------------------------------------------------------


def test_hook_prints_warnings_for_the_figures_ipython_shows(capsys):
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.core.pylabtools import select_figure_formats

    shell = InteractiveShell.instance()
    try:
        select_figure_formats(shell, {"png"}, bbox_inches="tight")
        assert figures.install(shell)
        assert figures.install(shell)  # a second install does not wrap twice
        png = shell.display_formatter.formatters["image/png"]
        crowded = png(crowded_figure())
        out = capsys.readouterr().out
        assert figures.png_size(base64.b64decode(crowded))[0] < figures.MAX_WIDTH_PX
        assert out.count("FIGURE WARNING: titles overlap in axes 0 and 1") == 1
        fig, ax = plt.subplots(figsize=(5, 3), layout="constrained")
        ax.set_title("fine")
        assert png(fig) and capsys.readouterr().out == ""
    finally:
        InteractiveShell.clear_instance()


def test_install_outside_ipython_does_nothing():
    assert figures.install() is False


# --- the executed notebooks ---------------------------------------------------------------


def drawn_by(source: str) -> str:
    """The plotting helpers and pyplot calls a cell's source makes (what drew its figures)."""
    import re

    calls = re.findall(r"(?:plotting\.\w+|plt\.(?:subplots|figure|imshow|plot)|figsize=\([^)]*\))",
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


def figure_warnings(path: Path) -> list[tuple[int, str]]:
    """(cell index, line) of every stored output line that starts with FIGURE WARNING."""
    found = []
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        for output in cell.get("outputs", []):
            text = output.get("text", "")
            text = "".join(text) if isinstance(text, list) else text
            found += [(index, line) for line in text.splitlines()
                      if line.startswith(figures.WARNING_PREFIX)]
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_figures_fit_the_display_width(path):
    figures_found = notebook_figures(path)
    wide = [f"{path.name} cell {i}: {w} px ({line})" for i, w, line in figures_found
            if w > figures.MAX_WIDTH_PX]
    assert not wide, (f"{len(wide)} figure(s) wider than {figures.MAX_WIDTH_PX} px (keep figsize "
                      f"width ≤ {figures.MAX_WIDTH_IN} in at dpi {figures.DPI}):\n"
                      + "\n".join(wide))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_figures_have_no_overlapping_titles(path):
    warnings = [f"{path.name} cell {i}: {line}" for i, line in figure_warnings(path)]
    assert not warnings, "\n".join(warnings)


def test_notebooks_were_found():
    assert len(NOTEBOOKS) >= 11
