"""Generic figures and the course's width rule.

Image grids (:func:`image_grid`, :func:`labelled_grid`, :func:`mistakes_grid`), 2-D maps and
kernels (:func:`maps_with_colorbar`, :func:`maps_with_colorbars`, :func:`matrix_figure`),
feature maps (:func:`feature_map_grid`, :func:`channel_grid`), curves (:func:`learning_curves`,
:func:`seed_runs`) and the confusion matrix. The figures of one concept live with it:
:mod:`course_utils.receptive_field`, :mod:`course_utils.cost`, :mod:`course_utils.embeddings`,
:mod:`course_utils.feature_visualisation`, :mod:`course_utils.saliency` and
:mod:`course_utils.shapes_figures` (padding and stride).

The width rule. JupyterLab shows a PNG at its natural size only up to the width of the
notebook's output area (about 990 px); a wider figure is scaled down, and its 8-pt panel titles
become 6-7 px tall. The inline backend saves a figure at ``figure.dpi`` with
``bbox_inches="tight"`` (0.1 in of padding), so a figure ``w`` inches wide becomes about
``(w + 0.1) * dpi`` pixels. Hence

    figsize width ≤ ``MAX_WIDTH_IN`` = 9.6 in at ``DPI`` = 100 dots per inch (≤ 990 px saved),

and every figure drawn here obeys it (grids shrink their panels through :func:`fit_width`) and
is laid out by matplotlib's constrained layout, so that titles do not overlap. Each figure
function returns its ``Figure`` (one figure per notebook cell).
:mod:`course_utils.figures` reports any shown figure that breaks the rule.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .validation import is_int, positive_int

DPI = 100  # figure.dpi that config.setup() sets (matplotlib's default; the inline backend uses it)
MAX_WIDTH_PX = 990  # JupyterLab's output area: wider PNGs are scaled down
MAX_WIDTH_IN = 9.6  # figsize width that stays ≤ MAX_WIDTH_PX at DPI with bbox_inches="tight"


def fit_width(
    n_cols: int, n_rows: int = 1, size: float = 1.2, aspect: float = 1.15, extra: float = 0.0
) -> tuple[float, float]:
    """figsize ``(width, height)`` in inches of an ``n_rows`` × ``n_cols`` grid of panels.

    Each panel is ``size`` inches wide (``size * aspect`` high), shrunk when needed so that
    ``width = panel * n_cols + extra ≤ MAX_WIDTH_IN``; ``extra`` is room for a colour bar or a
    legend beside the grid. ``height = panel * aspect * n_rows``.

    >>> fit_width(10)                    # 10 panels of 1.2 in would be 12 in: shrunk
    (9.6, 1.104)
    """
    n_cols, n_rows = positive_int("n_cols", n_cols), positive_int("n_rows", n_rows)
    for name, value in (("size", size), ("aspect", aspect)):
        if not value > 0:
            raise ValueError(f"{name} must be a positive number of inches, got {value!r}")
    if not 0 <= extra < MAX_WIDTH_IN:
        raise ValueError(f"extra must be in [0, {MAX_WIDTH_IN}) inches, got {extra!r}")
    panel = min(float(size), (MAX_WIDTH_IN - extra) / n_cols)
    return round(panel * n_cols + extra, 3), round(panel * aspect * n_rows, 3)


def wrap_title(text: str, width_pt: float, fontsize: float = 8.0) -> str:
    """``text`` broken at spaces into lines that fit ``width_pt`` points at ``fontsize``.

    A character is taken as ``0.55 * fontsize`` points wide (DejaVu Sans averages about
    that), so a line holds ``⌊width_pt / (0.55 * fontsize)⌋`` characters; a word longer than a
    line stays whole and line breaks already in ``text`` are kept. Used for panel titles of
    grids whose panels :func:`fit_width` shrank.

    >>> wrap_title("T-shirt/top → Pullover", 70)
    'T-shirt/top →\\nPullover'
    """
    if not width_pt > 0 or not fontsize > 0:
        raise ValueError(f"width_pt and fontsize must be positive, got {width_pt!r}, {fontsize!r}")
    chars = max(1, int(width_pt / (0.55 * fontsize)))
    return "\n".join("\n".join(textwrap.wrap(line, chars, break_long_words=False,
                                             break_on_hyphens=False) or [line])
                     for line in text.split("\n"))


def show_image(ax: Axes, image: np.ndarray, title: str = "", colour: str = "black") -> None:
    """Draw one image on ``ax`` without ticks, titled ``title`` in ``colour``.

    ``image``: (H, W), (H, W, 1) or (H, W, 3); grey images use the ``gray`` colour map, and
    float RGB images with values above 1 are taken as 0-255 (clipped, shown as uint8).
    """
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.dtype != np.uint8 and image.ndim == 3 and image.max() > 1.0:
        image = np.clip(image, 0, 255).astype(np.uint8)
    ax.imshow(image, cmap="gray" if image.ndim == 2 else None)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=8, color=colour)


def image_grid(
    images: Sequence[np.ndarray] | np.ndarray,
    titles: Sequence[str] | None = None,
    ncols: int = 10,
    cmap: str | None = None,
    size: float = 1.2,
) -> Figure:
    """Show ``images`` (each (H, W) or (H, W, 3)) in a grid of ``ncols`` columns.

    ``titles`` (one per image) are drawn above the images, broken at spaces to the panel's
    width; ``size`` is inches per image, shrunk so that the grid is at most ``MAX_WIDTH_IN``
    wide (:func:`fit_width`: a notebook shows it unscaled). Grey-scale images default to the
    ``gray`` colour map. Constrained layout: titles never overlap.

    Used in notebooks 00, 01, 02, 02b, 05, 09 and 10.
    """
    n = len(images)
    if n == 0:
        raise ValueError("image_grid needs at least one image, got an empty sequence")
    if titles is not None and len(titles) != n:
        raise ValueError(f"expected {n} titles (one per image), got {len(titles)}")
    ncols = positive_int("ncols", ncols)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    panel = fit_width(ncols, size=size)[0] / ncols
    shown = None if titles is None else [wrap_title(str(t), panel * 72, 8) for t in titles]
    lines = max((t.count("\n") + 1 for t in shown), default=0) if shown else 0
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(panel * ncols, nrows * (panel + 0.07 + 0.13 * lines)),
        squeeze=False, layout="constrained",
    )
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        image = np.asarray(images[i])
        if image.ndim == 3 and image.shape[-1] == 1:
            image = image[..., 0]
        ax.imshow(image, cmap=cmap or ("gray" if image.ndim == 2 else None))
        if shown is not None:
            ax.set_title(shown[i], fontsize=8)
    return fig


def labelled_grid(
    images: Sequence[np.ndarray] | np.ndarray,
    labels: Sequence[int] | np.ndarray,
    class_names: Sequence[str],
    ncols: int = 10,
    size: float = 1.2,
    cmap: str | None = None,
) -> Figure:
    """:func:`image_grid` of ``images`` titled with their class names (``class_names[label]``).

    ``images``: (N, H, W) or (N, H, W, C); ``labels``: (N,) integers in 0..len(class_names)-1.

    Used in notebooks 04 and 05.
    """
    labels = np.asarray(labels).ravel()
    if len(labels) != len(images):
        raise ValueError(f"expected one label per image ({len(images)}), got {len(labels)}")
    if labels.size and (labels.min() < 0 or labels.max() >= len(class_names)):
        raise ValueError(
            f"labels must be in 0..{len(class_names) - 1}, got {labels.min()}..{labels.max()}"
        )
    return image_grid(images, [str(class_names[y]) for y in labels], ncols=ncols, cmap=cmap,
                      size=size)


def mistakes_grid(
    images: Sequence[np.ndarray] | np.ndarray,
    y_true: Sequence[int] | np.ndarray,
    y_pred: Sequence[int] | np.ndarray,
    class_names: Sequence[str],
    n: int = 20,
    ncols: int = 10,
    size: float = 1.3,
    seed: int | None = None,
) -> Figure:
    """``n`` misclassified images, each titled ``true → predicted``.

    ``images``: (N, H, W) or (N, H, W, C); ``y_true``, ``y_pred``: (N,) integer labels.
    The first ``n`` mistakes, or with ``seed`` ``n`` mistakes drawn at random (shown in data
    order) — useful when the data are sorted by class. With no mistake at all, a figure saying
    so is returned.

    Used in notebook 04.
    """
    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    if not len(images) == len(y_true) == len(y_pred):
        raise ValueError(
            f"images, y_true and y_pred must be equally long, got {len(images)}, {len(y_true)}, "
            f"{len(y_pred)}"
        )
    n = positive_int("n", n)
    wrong = np.flatnonzero(y_true != y_pred)
    if seed is not None and wrong.size > n:
        wrong = np.sort(np.random.default_rng(seed).choice(wrong, n, replace=False))
    wrong = wrong[:n]
    if wrong.size == 0:
        fig, ax = plt.subplots(figsize=(4, 1), layout="constrained")
        ax.axis("off")
        ax.text(0.5, 0.5, f"no mistakes among {len(y_true)} images", ha="center", va="center")
        return fig
    titles = [f"{class_names[y_true[i]]} → {class_names[y_pred[i]]}" for i in wrong]
    return image_grid(np.asarray(images)[wrong], titles, ncols=ncols, size=size)


def maps_with_colorbar(
    maps: Sequence[np.ndarray],
    titles: Sequence[str] | None = None,
    cmap: str | None = None,
    centre_zero: bool = False,
    ncols: int | None = None,
    size: float = 2.2,
    label: str = "",
) -> Figure:
    """2-D maps side by side on ONE colour scale, with one shared colour bar.

    ``maps``: each (H, W) (sizes may differ); ``titles``: one per map. The scale spans the
    minimum to the maximum over all maps, so equal colours mean equal values in every panel;
    with ``centre_zero`` it is symmetric, ``[−m, m]`` with ``m = max |value|``, and the default
    colour map is the diverging ``RdBu_r`` (white = 0), else ``magma``. ``size``: inches per
    panel; the layout is matplotlib's constrained layout (titles never overlap).

    Used in notebooks 01 and 02b.
    """
    arrays = [np.asarray(m, dtype=float) for m in maps]
    if not arrays:
        raise ValueError("maps_with_colorbar needs at least one map, got none")
    if any(a.ndim != 2 or a.size == 0 for a in arrays):
        raise ValueError("every map must be a non-empty 2-D array (H, W), got shapes "
                         f"{[a.shape for a in arrays]}")
    if titles is not None and len(titles) != len(arrays):
        raise ValueError(f"expected {len(arrays)} titles (one per map), got {len(titles)}")
    ncols = min(positive_int("ncols", ncols if ncols is not None else len(arrays)), len(arrays))
    nrows = -(-len(arrays) // ncols)
    if centre_zero:
        top = max(float(np.nanmax(np.abs(a))) for a in arrays) or 1.0
        vmin, vmax = -top, top
    else:
        vmin = min(float(np.nanmin(a)) for a in arrays)
        vmax = max(float(np.nanmax(a)) for a in arrays)
    cmap = cmap or ("RdBu_r" if centre_zero else "magma")
    fig, axes = plt.subplots(nrows, ncols, squeeze=False, layout="constrained",
                             figsize=fit_width(ncols, nrows, size=size, aspect=1.1, extra=0.9))
    shown = None
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= len(arrays):
            ax.axis("off")
            continue
        shown = ax.imshow(arrays[i], cmap=cmap, vmin=vmin, vmax=vmax)
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=8)
    fig.colorbar(shown, ax=axes, shrink=0.9, label=label)
    return fig


def maps_with_colorbars(
    maps: Sequence[np.ndarray],
    titles: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    cmap: str = "magma",
    size: float = 2.2,
) -> Figure:
    """2-D maps of DIFFERENT quantities side by side, each on its own scale with its own colour
    bar (for maps on one scale use :func:`maps_with_colorbar`).

    ``maps``: each (H, W); ``titles``: one per map; ``labels``: one colour-bar label per map.
    A map holding negative and positive values is drawn with the diverging ``RdBu_r`` on
    ``[−m, m]``, ``m = max |value|`` (white = 0); any other map with ``cmap`` from its minimum to
    its maximum. Each colour bar's ticks include both ends of its range.

    Used in notebook 02b.
    """
    arrays = [np.asarray(m, dtype=float) for m in maps]
    if not arrays or any(a.ndim != 2 or a.size == 0 for a in arrays):
        raise ValueError("maps_with_colorbars needs one or more non-empty 2-D maps (H, W), got "
                         f"shapes {[a.shape for a in arrays]}")
    for name, given in (("titles", titles), ("labels", labels)):
        if given is not None and len(given) != len(arrays):
            raise ValueError(f"expected {len(arrays)} {name} (one per map), got {len(given)}")
    n = len(arrays)
    fig, axes = plt.subplots(1, n, squeeze=False, layout="constrained",
                             figsize=fit_width(n, size=size, aspect=0.95, extra=0.45 * n))
    for i, (ax, a) in enumerate(zip(axes[0], arrays, strict=True)):
        low, high = float(np.nanmin(a)), float(np.nanmax(a))
        if low < 0 < high:
            top = max(-low, high)
            low, high, colours = -top, top, "RdBu_r"
        else:
            colours = cmap
        if low == high:
            high = low + 1.0
        shown = ax.imshow(a, cmap=colours, vmin=low, vmax=high)
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=8)
        bar = fig.colorbar(shown, ax=ax, shrink=0.8, label=None if labels is None else labels[i])
        bar.set_ticks(np.linspace(low, high, 3))
    return fig


def _cell_text(value: float, fmt: str | None) -> str:
    if fmt is not None:
        return format(value, fmt)
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}"


def matrix_figure(
    matrices: Sequence[np.ndarray],
    titles: Sequence[str] | None = None,
    between: Sequence[str] | None = None,
    fmt: str | None = None,
    boxes: Sequence[tuple[int, int, int, int, int]] = (),
    cell: float = 0.42,
) -> Figure:
    """Small matrices side by side, every value written in its cell (the slides' pictures).

    ``matrices``: each (h, w); ``titles``: one per matrix; ``between``: symbols drawn between
    consecutive matrices (e.g. ``["∗", "="]``); ``fmt``: number format (default: integers as
    integers, other values with 2 decimals); ``boxes``: rectangles ``(matrix, row, col, height,
    width)`` outlined in orange (e.g. the window that makes one output); ``cell``: inches per cell.
    Colours: blue negative, red positive, white zero (each matrix scaled by its own max |value|).

    Used in notebooks 02, 02b and 03.
    """
    mats = [np.atleast_2d(np.asarray(m, dtype=float)) for m in matrices]
    if not mats or any(m.ndim != 2 for m in mats):
        raise ValueError("matrix_figure needs one or more 2-D matrices")
    if titles is not None and len(titles) != len(mats):
        raise ValueError(f"expected {len(mats)} titles (one per matrix), got {len(titles)}")
    if between is not None and len(between) != len(mats) - 1:
        raise ValueError(f"expected {len(mats) - 1} symbols between the matrices, "
                         f"got {len(between)}")
    widths = [m.shape[1] for m in mats]
    gap = 1.2 if between is not None else 0.6
    height = max(m.shape[0] for m in mats)
    cell = min(cell, MAX_WIDTH_IN / (sum(widths) + gap * len(mats)))  # fits a notebook
    fig, axes = plt.subplots(
        1, len(mats), figsize=(cell * (sum(widths) + gap * len(mats)), cell * (height + 1.6)),
        gridspec_kw={"width_ratios": widths}, squeeze=False, layout="tight",
    )
    for i, (ax, m) in enumerate(zip(axes[0], mats, strict=True)):
        scale = np.abs(m).max() or 1.0
        ax.imshow(m, cmap="RdBu_r", vmin=-scale * 1.6, vmax=scale * 1.6)
        for (r, c), v in np.ndenumerate(m):
            ax.text(c, r, _cell_text(v, fmt), ha="center", va="center", fontsize=8)
        ax.set_xticks(np.arange(-0.5, m.shape[1]), minor=True)
        ax.set_yticks(np.arange(-0.5, m.shape[0]), minor=True)
        ax.grid(which="minor", color="0.6", linewidth=0.5)
        ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
        if titles is not None:
            ax.set_title(titles[i], fontsize=9)
        if between is not None and i < len(mats) - 1:
            ax.annotate(between[i], xy=(1.0, 0.5), xycoords="axes fraction",
                        xytext=(cell * 36 * gap / 2, 0), textcoords="offset points",
                        ha="center", va="center", fontsize=14)
    for k, r, c, h, w in boxes:
        axes[0][k].add_patch(plt.Rectangle((c - 0.5, r - 0.5), w, h, fill=False,
                                           edgecolor="tab:orange", linewidth=2.5))
    return fig


def feature_map_grid(
    maps: dict[str, np.ndarray], n_channels: int = 8, image: np.ndarray | None = None,
    size: float = 1.1,
) -> Figure:
    """Feature maps at several depths: one row per layer, its first ``n_channels`` channels.

    ``maps``: {layer name: (h, w, C)}; each map is drawn with its own colour scale (viridis).
    ``image`` (optional) is drawn first in every row, for reference.

    Used in notebook 10.
    """
    if not maps:
        raise ValueError("expected at least one layer's maps, got none")
    extra = int(image is not None)
    fig, axes = plt.subplots(len(maps), n_channels + extra,
                             figsize=fit_width(n_channels + extra, len(maps), size=size,
                                               aspect=1.2),
                             squeeze=False, layout="constrained")
    for row, (name, m) in zip(axes, maps.items(), strict=True):
        if extra:
            show_image(row[0], image, "input")
        for c in range(n_channels):
            ax = row[c + extra]
            ax.imshow(m[..., c], cmap="viridis")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"ch {c}", fontsize=7)
        row[extra].set_ylabel(f"{name}\n{m.shape[0]}×{m.shape[1]}×{m.shape[2]}", fontsize=7)
    return fig


def channel_grid(maps: np.ndarray, ncols: int = 10, size: float = 0.9, title: str = "") -> Figure:
    """Every channel of one layer's activations (Chollet's "visualizing intermediate
    activations"): maps (h, w, C) → C small panels, each with its own colour scale (viridis);
    a channel that is zero everywhere on this image is drawn blank and titled "<index>: silent".

    Used in notebook 10.
    """
    maps = np.asarray(maps)
    if maps.ndim != 3:
        raise ValueError(f"expected one layer's maps (h, w, C), got shape {maps.shape}")
    n = maps.shape[-1]
    ncols = min(positive_int("ncols", ncols), n)
    nrows = -(-n // ncols)
    width, height = fit_width(ncols, nrows, size=size, aspect=1.2)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False,
                             layout="constrained")
    for c, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if c >= n:
            ax.axis("off")
            continue
        channel = maps[..., c]
        dead = not np.any(channel)
        if not dead:
            ax.imshow(channel, cmap="viridis")
        ax.set_title(f"{c}: silent" if dead else str(c), fontsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    return fig


def learning_curves(
    history: object,
    metrics: Sequence[str] = ("loss", "accuracy"),
    events: dict[str, int | Sequence[int]] | None = None,
    title: str | None = None,
    log_scale: Sequence[str] = ("learning_rate",),
) -> Figure:
    """One panel per metric: training (solid) and validation (``val_<metric>``, dashed) per epoch.

    ``history``: a Keras ``History`` or ``{metric: [value per epoch]}``. Epochs are drawn 1..E.
    ``events`` marks where a callback acted, ``{label: epoch or [epochs]}`` with 0-based epochs
    as Keras reports them (e.g. ``{"best": es.best_epoch, "stopped": es.stopped_epoch}``);
    each label gets a vertical line in every panel. Metrics in ``log_scale`` use a log y axis.
    One legend under the panels (inside, it covered the curves); a panel with a single curve and
    no validation twin is named by its axis, not the legend.

    Used in notebooks 04b and 05.
    """
    from .training import history_dict

    values = history_dict(history)
    if isinstance(metrics, str):
        metrics = (metrics,)
    missing = [m for m in metrics if m not in values]
    if not metrics or missing:
        raise ValueError(
            f"metrics {missing or list(metrics)} not in the history; it has {sorted(values)}"
        )
    n_epochs = max(len(v) for v in values.values())
    fig, axes = plt.subplots(1, len(metrics), figsize=fit_width(len(metrics), size=4.6,
                                                                aspect=3.3 / 4.6),
                             squeeze=False, layout="constrained")
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, metric in zip(axes.flat, metrics, strict=True):
        epochs = np.arange(1, len(values[metric]) + 1)
        ax.plot(epochs, values[metric], "o-", ms=3, label="training" if f"val_{metric}" in values
                else metric)
        if f"val_{metric}" in values:
            ax.plot(epochs, values[f"val_{metric}"], "s--", ms=3, label="validation")
        for i, (label, where) in enumerate((events or {}).items()):
            where = [where] if is_int(where) else list(where)
            for j, epoch in enumerate(where):
                ax.axvline(int(epoch) + 1, color=colours[(i + 2) % len(colours)], ls=":", lw=1.5,
                           label=label if j == 0 else None)
        if metric in log_scale:
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.set_xlim(0.5, n_epochs + 0.5)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
    entries = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label != ax.get_ylabel():
                entries.setdefault(label, handle)
    if entries:
        fig.legend(entries.values(), entries.keys(), loc="outside lower center",
                   ncols=len(entries), fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def seed_runs(runs: Mapping[str, Sequence[float]], xlabel: str = "validation accuracy",
              title: str = "") -> Figure:
    """One row per variant: every run (seed) as a dot, the mean as a bar with ± 1 sd whiskers.

    ``runs``: variant name → its scores, one per seed (at least 2, for the sd with ddof=1).
    Showing the runs themselves, not only the mean, lets the reader judge the spread — with
    three seeds a mean ± sd hides little. Used in notebook 05b.
    """
    if not runs:
        raise ValueError("seed_runs needs at least one variant, got none")
    for name, scores in runs.items():
        if len(scores) < 2:
            raise ValueError(f"seed_runs needs >= 2 scores per variant, got {len(scores)} for "
                             f"{name!r}")
    names = list(runs)
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(names) + 1.2), layout="constrained")
    for row, name in enumerate(names):
        scores = np.asarray(runs[name], dtype=float)
        mean, sd = scores.mean(), scores.std(ddof=1)
        ax.barh(row, mean, color="tab:blue", alpha=0.35, height=0.6)
        ax.errorbar(mean, row, xerr=sd, color="tab:blue", capsize=4)
        ax.plot(scores, np.full(len(scores), row), "o", color="black", markersize=4)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlabel(f"{xlabel} (dots: runs; bar: mean ± sd)")
    if title:
        ax.set_title(title)
    return fig


def confusion_matrix(
    y_true: Sequence[int] | np.ndarray,
    y_pred: Sequence[int] | np.ndarray,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
    size: float = 5.0,
) -> Figure:
    """The confusion matrix C (C[i, j] = images of true class i predicted as j) with counts.

    ``y_true``, ``y_pred``: (N,) integer labels in 0..K-1; ``class_names``: K names (default
    the digits 0..K-1). Drawn by scikit-learn's ``ConfusionMatrixDisplay``; the diagonal holds
    the correct predictions, so accuracy = trace(C) / N (shown in the title).

    Used in notebook 04.
    """
    from sklearn.metrics import ConfusionMatrixDisplay
    from sklearn.metrics import confusion_matrix as sk_confusion_matrix

    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    if y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(
            f"y_true and y_pred must be non-empty and equally long, got {y_true.shape} and "
            f"{y_pred.shape}"
        )
    k = int(max(y_true.max(), y_pred.max())) + 1 if class_names is None else len(class_names)
    low, high = min(y_true.min(), y_pred.min()), max(y_true.max(), y_pred.max())
    if low < 0 or high >= k:
        raise ValueError(f"labels must be in 0..{k - 1} (one per class name), got {low}..{high}")
    names = [str(c) for c in (class_names if class_names is not None else range(k))]
    matrix = sk_confusion_matrix(y_true, y_pred, labels=list(range(k)))
    fig, ax = plt.subplots(figsize=(size, size), layout="constrained")
    ConfusionMatrixDisplay(matrix, display_labels=names).plot(
        ax=ax, cmap="Blues", colorbar=False, values_format="d"
    )
    if max(len(n) for n in names) > 2:
        ax.tick_params(axis="x", labelrotation=90)
    accuracy = np.trace(matrix) / matrix.sum()
    ax.set_title(f"{title + ': ' if title else ''}accuracy {accuracy:.3f} ({len(y_true)} images)")
    return fig
