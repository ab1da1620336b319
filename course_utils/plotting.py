"""Figures: image grids, kernels, feature maps, learning curves, confusion matrices.

All functions return the matplotlib ``Figure`` they draw (one figure per notebook cell). By
default every figure is at most ``figures.MAX_WIDTH_IN`` = 9.6 in wide (≤ 990 px at dpi 100, the
width a notebook shows unscaled; grids shrink their panels through ``figures.fit_width``) and is
laid out by matplotlib's constrained layout, so titles do not overlap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .figures import MAX_WIDTH_IN, fit_width, wrap_title
from .validation import is_int, positive_int


def image_grid(
    images: Sequence[np.ndarray] | np.ndarray,
    titles: Sequence[str] | None = None,
    ncols: int = 10,
    cmap: str | None = None,
    size: float = 1.2,
) -> Figure:
    """Show ``images`` (each (H, W) or (H, W, 3)) in a grid of ``ncols`` columns.

    ``titles`` (one per image) are drawn above the images, broken at spaces to the panel's
    width; ``size`` is inches per image, shrunk so that the grid is at most
    ``figures.MAX_WIDTH_IN`` wide (:func:`course_utils.figures.fit_width`: a notebook shows it
    unscaled). Grey-scale images default to the ``gray`` colour map. Constrained layout: titles
    never overlap.

    Used in notebooks 00, 01, 02, 05, 09 and 10.
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

    Used in notebooks 01 and 02.
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

    Used in notebooks 02 and 03.
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


def conv_arithmetic_figure(
    n: int, kernel: int, stride: int = 1, padding: str | int = "valid", window: int = 0
) -> Figure:
    """Draw an n×n input sliding under a kernel×kernel window and the output grid it gives.

    Left: the input (blue), the zero padding (grey, "0"), pixels no window covers (red),
    the top-left corner of every window position (dots) and one window (orange, number
    ``window`` in reading order). Right: the output grid with that window's output cell.
    The title carries ``⌊(n + p − k)/s⌋ + 1``. Raises ValueError if the kernel does not fit.

    Used in notebook 03.
    """
    from .shapes import conv_output_size

    out = conv_output_size(n, kernel, stride, padding)
    before, total = out.pad_before, n + out.padded
    fig, (ax_in, ax_out) = plt.subplots(
        1, 2, figsize=(7.5, 3.9), gridspec_kw={"width_ratios": [total, max(out.size, 3)]},
        layout="tight",
    )
    covered = np.zeros(total, bool)
    for i in range(out.size):
        covered[i * stride: i * stride + kernel] = True
    for r in range(total):
        for c in range(total):
            inside = before <= r < before + n and before <= c < before + n
            colour = "#f0f0f0"
            if inside:
                colour = "#9ecae1" if covered[r] and covered[c] else "#fc9272"
            else:
                ax_in.text(c + 0.5, r + 0.5, "0", ha="center", va="center", fontsize=7,
                           color="0.55")
            ax_in.add_patch(plt.Rectangle((c, r), 1, 1, facecolor=colour, edgecolor="0.5",
                                          linewidth=0.6))
    for i in range(out.size):
        for j in range(out.size):
            ax_in.plot(j * stride + 0.22, i * stride + 0.22, "k.", markersize=4)
    wi, wj = divmod(min(window, out.size ** 2 - 1), out.size)
    ax_in.add_patch(plt.Rectangle((wj * stride, wi * stride), kernel, kernel, fill=False,
                                  edgecolor="tab:orange", linewidth=2.5))
    for i in range(out.size):
        for j in range(out.size):
            colour = "tab:orange" if (i, j) == (wi, wj) else "#c7e9c0"
            ax_out.add_patch(plt.Rectangle((j, i), 1, 1, facecolor=colour, edgecolor="0.4"))
    for ax, size, name in ((ax_in, total, f"input {n}×{n} + padding {out.pad_before}/"
                            f"{out.pad_after}"), (ax_out, max(out.size, 3),
                                                  f"output {out.size}×{out.size}")):
        ax.set_xlim(-0.05, size + 0.05)
        ax.set_ylim(size + (1.2 if ax is ax_in else 0.05), -0.05)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(name, fontsize=9)
    ax_in.text(0, total + 0.3, "blue: input   grey 0: padding   red: never covered\n"
               "dots: window corners   orange: one window", fontsize=7, va="top")
    note = f", {out.ignored} pixel(s) ignored" if out.ignored else ""
    fig.suptitle(f"kernel {kernel}, stride {stride}, padding {padding!r}: "
                 f"{out.formula()}{note}", fontsize=10)
    return fig


class _StaticFallback:
    """A widget whose display also carries a PNG: front-ends without widgets show the PNG."""

    def __init__(self, widget: object, png: bytes) -> None:
        self.widget, self.png = widget, png

    def _repr_mimebundle_(self, **kwargs: object) -> dict:
        import base64

        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["image/png"] = base64.b64encode(self.png).decode("ascii")
        bundle["text/plain"] = "conv_explorer (static figure: no widget front-end here)"
        return bundle


def conv_explorer(n: int = 6, kernel: int = 3, stride: int = 2, padding: str = "same") -> object:
    """Interactive padding/stride explorer (ipywidgets): sliders → :func:`conv_arithmetic_figure`.

    Where there is no widget front-end (a static viewer, nbconvert HTML, plain Python) the
    figure for the starting values is shown instead: outside IPython the Figure is returned,
    inside it the widget's display also carries that figure as a PNG.

    Used in notebook 03.
    """
    import io

    fig = conv_arithmetic_figure(n, kernel, stride, padding)
    try:
        import ipywidgets as widgets
        from IPython import get_ipython

        if get_ipython() is None or not hasattr(get_ipython(), "kernel"):
            raise ImportError("no IPython kernel")
    except ImportError:
        return fig
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)

    def draw(n: int, kernel: int, stride: int, padding: str) -> None:
        spec: str | int = int(padding) if padding.isdigit() else padding
        try:
            conv_arithmetic_figure(n, kernel, stride, spec)
            plt.show()
        except ValueError as err:
            print(err)

    widget = widgets.interactive(
        draw,
        n=widgets.IntSlider(value=n, min=1, max=16, description="input n"),
        kernel=widgets.IntSlider(value=kernel, min=1, max=7, description="kernel f"),
        stride=widgets.IntSlider(value=stride, min=1, max=4, description="stride s"),
        padding=widgets.Dropdown(options=["valid", "same", "full", "0", "1", "2", "3"],
                                 value=str(padding), description="padding"),
    )
    return _StaticFallback(widget, buffer.getvalue())


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

    Used in notebooks 04 and 05.
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
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
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


def receptive_field_figure(
    image: np.ndarray,
    gradient: np.ndarray,
    boxes: dict[str, tuple[tuple[int, int], tuple[int, int]]],
    title: str = "",
) -> Figure:
    """An input image and a gradient map side by side, receptive fields drawn on both.

    ``image``: (H, W) or (H, W, 3); ``gradient``: (H, W) |∂ unit / ∂ input| (drawn in a heat
    map); ``boxes``: ``{label: ((first_row, last_row), (first_col, last_col))}``, inclusive
    pixel bounds, each drawn as a rectangle in its own colour.

    Used in notebook 06.
    """
    image, gradient = np.asarray(image), np.asarray(gradient)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if gradient.shape != image.shape[:2]:
        raise ValueError(f"gradient must have the image's (H, W) = {image.shape[:2]}, "
                         f"got {gradient.shape}")
    colours = ["tab:orange", "tab:cyan", "tab:green", "tab:red"]
    fig, axes = plt.subplots(1, 2, figsize=(7.5, 3.6), layout="constrained")
    axes[0].imshow(image, cmap="gray" if image.ndim == 2 else None)
    axes[0].set_title("input")
    shown = axes[1].imshow(gradient, cmap="magma")
    axes[1].set_title("|∂ unit / ∂ input|")
    fig.colorbar(shown, ax=axes[1], fraction=0.046)
    for (label, (rows, cols)), colour in zip(boxes.items(), colours * 4, strict=False):
        for ax in axes:
            ax.add_patch(plt.Rectangle((cols[0] - 0.5, rows[0] - 0.5), cols[1] - cols[0] + 1,
                                       rows[1] - rows[0] + 1, fill=False, lw=2,
                                       edgecolor=colour, label=label))
    axes[0].legend(loc="upper center", bbox_to_anchor=(1.1, -0.04), ncol=len(boxes),
                   fontsize=8, frameon=False)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title)
    return fig


def receptive_field_growth(stacks: dict[str, Sequence[object]], input_size: int | None = None
                           ) -> Figure:
    """Receptive-field size after every layer, one line per stack.

    ``stacks``: ``{label: rows}`` where rows are :class:`course_utils.receptive_field.RFRow` (from
    ``receptive_field``). A dashed line marks ``input_size`` (the whole input) when given.

    Used in notebook 06.
    """
    if not stacks:
        raise ValueError("receptive_field_growth needs at least one stack, got none")
    fig, ax = plt.subplots(figsize=(6.5, 3.6), layout="constrained")
    for label, rows in stacks.items():
        sizes = [1] + [r.size for r in rows]
        ax.plot(range(len(sizes)), sizes, marker="o", label=label)
    if input_size is not None:
        ax.axhline(input_size, color="0.5", ls="--", lw=1)
        ax.text(0, input_size, f" whole input ({input_size} px)", va="bottom", fontsize=8)
        ax.set_ylim(0, input_size * 1.12)
    ax.set_xlabel("layer (0 = input)")
    ax.set_ylabel("receptive field (pixels per side)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def effective_rf_figure(gradient: np.ndarray, theoretical: int,
                        centre: tuple[int, int] | None = None) -> Figure:
    """The effective receptive field: mean gradient map and its central row vs a Gaussian.

    ``gradient``: (H, W) mean |∂ unit / ∂ input| of one unit; ``theoretical``: the theoretical
    receptive-field size, drawn as a box / band around ``centre`` (row, col) (default: the
    largest gradient). The Gaussian has the mean and standard deviation of the profile along
    the centre row (treated as a distribution).

    Used in notebook 06.
    """
    g = np.asarray(gradient, dtype=float)
    if g.ndim != 2:
        raise ValueError(f"gradient must be (H, W), got shape {g.shape}")
    if centre is None:
        centre = np.unravel_index(np.argmax(g), g.shape)
    profile = g[centre[0]] / g[centre[0]].sum()
    x = np.arange(g.shape[1])
    mean = float((x * profile).sum())
    std = float(np.sqrt(((x - mean) ** 2 * profile).sum()))
    gauss = np.exp(-0.5 * ((x - mean) / std) ** 2)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
    axes[0].imshow(g, cmap="magma")
    half = (theoretical - 1) / 2
    axes[0].add_patch(plt.Rectangle((centre[1] - half - 0.5, centre[0] - half - 0.5),
                                    theoretical, theoretical, fill=False, ec="tab:cyan", lw=2))
    axes[0].set_title("mean |gradient|, theoretical field in cyan")
    axes[0].set_xticks([])
    axes[0].set_yticks([])
    axes[1].bar(x, profile, color="tab:orange", label="central row of the gradient")
    axes[1].plot(x, gauss * profile.max(), color="k", label=f"Gaussian, σ = {std:.1f} px")
    axes[1].axvspan(centre[1] - half, centre[1] + half, color="tab:cyan", alpha=0.15,
                    label=f"theoretical field ({theoretical} px)")
    axes[1].set_xlabel("input column")
    axes[1].legend(fontsize=8)
    return fig


def top5_error_figure(table: Sequence[tuple[int, str, int | None, float]],
                      human: float | None = None) -> Figure:
    """ImageNet (ILSVRC) top-5 error of the winners: one bar per entry, labelled with its depth.

    ``table``: rows ``(year, entry, layers or None, top-5 error %)``; ``human``: a dashed line.

    Used in notebook 07.
    """
    if not table:
        raise ValueError("top5_error_figure needs at least one row, got none")
    fig, ax = plt.subplots(figsize=(8.5, 3.8), layout="constrained")
    labels = [f"{year}\n{entry}" for year, entry, _, _ in table]
    errors = [row[3] for row in table]
    colours = ["0.6" if layers is None else "tab:blue" for _, _, layers, _ in table]
    bars = ax.bar(range(len(table)), errors, color=colours)
    for bar, (_, _, layers, err) in zip(bars, table, strict=True):
        depth = "shallow" if layers is None else f"{layers} layers"
        ax.text(bar.get_x() + bar.get_width() / 2, err + 0.4, f"{err:g} %\n{depth}",
                ha="center", fontsize=7)
    if human is not None:
        ax.axhline(human, color="tab:red", ls="--", lw=1)
        ax.text(-0.5, human + 0.4, f"human ≈ {human:g} %", color="tab:red", ha="left",
                fontsize=8, bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    ax.set_xticks(range(len(table)))
    ax.set_xticklabels(labels, fontsize=7)
    ax.set_ylabel("top-5 error (%)")
    ax.set_ylim(0, max(errors) * 1.25)
    ax.set_title("ImageNet classification (ILSVRC) winners")
    return fig


def cost_bars(costs: Sequence[object]) -> Figure:
    """Parameters, multiply–adds and activation memory of several models (log scale).

    ``costs``: :class:`course_utils.cost.ModelCost` objects, one bar group per model. Each
    bar carries its value; with more than 5 models the values are written upright (room is
    made above the tallest bar) so that neighbouring values do not overlap.

    Used in notebook 07.
    """
    if not costs:
        raise ValueError("cost_bars needs at least one ModelCost, got none")
    upright = len(costs) > 5
    fig, axes = plt.subplots(1, 3, figsize=(MAX_WIDTH_IN, 3.4), layout="constrained")
    names = [c.name for c in costs]
    panels = [("parameters (millions)", [c.params / 1e6 for c in costs]),
              ("multiply–adds per image (billions)", [c.mult_adds / 1e9 for c in costs]),
              ("activations per image (MiB)", [c.activation_bytes / 2**20 for c in costs])]
    for ax, (title, values) in zip(axes, panels, strict=True):
        ax.bar(names, values, color="tab:blue")
        ax.set_title(title, fontsize=9)
        ax.set_xticks(range(len(names)), names, rotation=60, ha="right",
                      rotation_mode="anchor", fontsize=8)
        for i, v in enumerate(values):
            ax.text(i, v * (1.15 if upright else 1.0), f"{v:.3g}", ha="center", va="bottom",
                    fontsize=7, rotation=90 if upright else 0)
        ax.set_yscale("log")
        if upright:  # two decades of head room for the upright values
            ax.set_ylim(top=max(values) * 100)
    return fig


def _show(ax, image: np.ndarray, title: str = "", colour: str = "black") -> None:
    """One image on ``ax`` without ticks (grey map for (H, W) images; floats taken as 0-255)."""
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


def embedding_panels(
    maps: dict[str, np.ndarray],
    labels: np.ndarray,
    class_names: Sequence[str] | None = None,
    size: float = 3.6,
) -> Figure:
    """Side-by-side 2-D maps of the same points, coloured by class (t-SNE, PCA, ...).

    ``maps``: {panel title: (N, 2) coordinates}; ``labels``: (N,) class ids; panels are laid out
    two per row when there are four, otherwise in one row.

    Used in notebook 08.
    """
    if not maps:
        raise ValueError("expected at least one map, got none")
    labels = np.asarray(labels)
    for title, points in maps.items():
        if np.shape(points) != (len(labels), 2):
            raise ValueError(f"map {title!r} must have shape ({len(labels)}, 2), "
                             f"got {np.shape(points)}")
    ncols = 2 if len(maps) == 4 else len(maps)
    nrows = -(-len(maps) // ncols)
    fig, axes = plt.subplots(nrows, ncols, squeeze=False, layout="constrained",
                             figsize=fit_width(ncols, nrows, size=size, aspect=1.0, extra=1.2))
    classes = np.unique(labels)
    colours = plt.get_cmap("tab10" if len(classes) <= 10 else "tab20")
    for ax, (title, points) in zip(axes.flat, maps.items(), strict=False):
        for k, c in enumerate(classes):
            chosen = labels == c
            name = class_names[c] if class_names is not None else str(c)
            ax.scatter(points[chosen, 0], points[chosen, 1], s=5, color=colours(k % 20),
                       label=name)
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    handles, names = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside right center", markerscale=3, fontsize=8,
               frameon=False)
    return fig


def neighbors_figure(
    queries: np.ndarray,
    neighbors: dict[str, np.ndarray],
    query_labels: np.ndarray,
    neighbor_labels: dict[str, np.ndarray],
    class_names: Sequence[str],
    size: float = 1.0,
) -> Figure:
    """Image retrieval: each query next to its k nearest neighbours, one row per space.

    ``queries``: (Q, H, W[, C]); ``neighbors``: {space name: (Q, k, H, W[, C]) images};
    ``neighbor_labels``: {space name: (Q, k)}. A neighbour's title is green when it has the
    query's class, red otherwise.

    Used in notebook 08.
    """
    spaces = list(neighbors)
    n_queries, k = np.shape(neighbor_labels[spaces[0]])[:2]
    if len(queries) != n_queries:
        raise ValueError(f"expected {n_queries} queries, got {len(queries)}")
    nrows = n_queries * len(spaces)
    fig, axes = plt.subplots(nrows, k + 1, squeeze=False, layout="constrained",
                             figsize=fit_width(k + 1, nrows, size=size, extra=0.8))
    for q in range(n_queries):
        for s, space in enumerate(spaces):
            row = axes[q * len(spaces) + s]
            _show(row[0], queries[q], f"query: {class_names[query_labels[q]]}")
            row[0].set_ylabel(space, fontsize=8)
            for j in range(k):
                label = neighbor_labels[space][q][j]
                same = label == query_labels[q]
                _show(row[j + 1], neighbors[space][q][j], class_names[label],
                      "tab:green" if same else "tab:red")
    return fig


def thumbnail_scatter(
    points: np.ndarray, images: Sequence[np.ndarray], zoom: float | Sequence[float] = 0.5,
    title: str = "", size: float = 7.0,
) -> Figure:
    """A 2-D map (e.g. t-SNE) drawn with a small thumbnail of each image at its point.

    ``points``: (N, 2); ``images``: N images (H, W[, 3]); ``zoom`` scales the thumbnails (one
    number, or one per image when the images have different sizes).

    Used in notebook 08.
    """
    from matplotlib.offsetbox import AnnotationBbox, OffsetImage

    points = np.asarray(points)
    if points.shape != (len(images), 2):
        raise ValueError(f"points must have shape ({len(images)}, 2), got {points.shape}")
    fig, ax = plt.subplots(figsize=(size, size * 0.8), layout="constrained")
    ax.scatter(points[:, 0], points[:, 1], s=0)
    zooms = np.broadcast_to(np.asarray(zoom, dtype=float), (len(images),))
    for (x, y), image, z in zip(points, images, zooms, strict=True):
        image = np.asarray(image)
        box = OffsetImage(image, zoom=z, cmap="gray" if image.ndim == 2 else None)
        ax.add_artist(AnnotationBbox(box, (x, y), frameon=False))
    margin = 0.08 * np.ptp(points, axis=0)
    ax.set_xlim(points[:, 0].min() - margin[0], points[:, 0].max() + margin[0])
    ax.set_ylim(points[:, 1].min() - margin[1], points[:, 1].max() + margin[1])
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)
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
            _show(row[0], image, "input")
        for c in range(n_channels):
            ax = row[c + extra]
            ax.imshow(m[..., c], cmap="viridis")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"ch {c}", fontsize=7)
        row[extra].set_ylabel(f"{name}\n{m.shape[0]}×{m.shape[1]}×{m.shape[2]}", fontsize=7)
    return fig


def patches_grid(patches: dict[str, Sequence], size: float = 1.0) -> Figure:
    """Maximally activating patches: one row per channel, its patches ranked left to right.

    ``patches``: {row title: sequence of objects with ``.pixels`` (s, s, C) and ``.activation``}
    (:class:`course_utils.saliency.Patch`).

    Used in notebook 10.
    """
    if not patches:
        raise ValueError("expected at least one channel's patches, got none")
    n = max(len(p) for p in patches.values())
    fig, axes = plt.subplots(len(patches), n, squeeze=False, layout="constrained",
                             figsize=fit_width(n, len(patches), size=size, aspect=1.2, extra=0.8))
    for row, (title, items) in zip(axes, patches.items(), strict=True):
        for ax in row:
            ax.axis("off")
        for ax, patch in zip(row, items, strict=False):
            ax.axis("on")
            _show(ax, patch.pixels, f"{patch.activation:.1f}")
        row[0].set_ylabel(title, fontsize=8)
    return fig


# ----------------------------------------------------------------------------- saliency (10)
class HeatMap:
    """A saliency map to draw over an image: ``values`` (h, w) placed by ``extent``.

    ``extent``: ``imshow`` (left, right, bottom, top) in image pixels (e.g.
    :func:`course_utils.saliency.occlusion_extent` / ``layer_extent``; None: stretched over the
    whole image). ``vmin``/``vmax`` fix the colour scale (the same for every image, so two maps
    can be compared); ``cmap``; ``label`` names the colour bar.
    """

    def __init__(self, values: np.ndarray, extent: tuple[float, float, float, float] | None = None,
                 vmin: float = 0.0, vmax: float = 1.0, cmap: str = "inferno", label: str = "",
                 alpha: float = 0.6) -> None:
        values = np.asarray(values, dtype=float)
        if values.ndim != 2:
            raise ValueError(f"a heat map is (h, w), got shape {values.shape}")
        if not vmin < vmax:
            raise ValueError(f"expected vmin < vmax, got {vmin} and {vmax}")
        self.values, self.extent, self.vmin, self.vmax = values, extent, vmin, vmax
        self.cmap, self.label, self.alpha = cmap, label, alpha

    @classmethod
    def drop(cls, values: np.ndarray, extent: tuple[float, float, float, float] | None = None,
             label: str = "drop of p") -> HeatMap:
        """An occlusion drop p(image) − p(occluded): diverging colours centred on 0, scale
        fixed to [−1, 1] (red: hiding the square lowers p, blue: raises it)."""
        return cls(values, extent, -1.0, 1.0, "RdBu_r", label)

    @classmethod
    def cam(cls, values: np.ndarray, extent: tuple[float, float, float, float] | None = None,
            label: str = "Grad-CAM") -> HeatMap:
        """A Grad-CAM map in [0, 1] (fixed scale: a weak map stays dark)."""
        return cls(values, extent, 0.0, 1.0, "inferno", label)


def saliency_grid(images: Sequence[np.ndarray], rows: Sequence[dict[str, HeatMap]],
                  titles: Sequence[str] | None = None, size: float = 2.0) -> Figure:
    """One row per image: the image, then each :class:`HeatMap` drawn over it at its extent
    (nearest-neighbour cells: each value shows where it was measured), one colour bar per
    column (the scales are fixed per column, the same for every row).

    ``images``: R images (H, W[, 3]) 0-255; ``rows``: R dicts {panel title: HeatMap}, the
    same titles in every row; ``titles``: R titles for the image panels.

    Used in notebook 10.
    """
    if len(images) == 0 or len(images) != len(rows):
        raise ValueError(f"expected one dict of heat maps per image, got {len(images)} images "
                         f"and {len(rows)} dicts")
    names = list(rows[0])
    if any(list(r) != names for r in rows):
        raise ValueError(f"every row must have the panels {names}")
    from .figures import fit_width

    n_cols = len(names) + 1
    width, height = fit_width(n_cols, len(images), size=size, aspect=1.12, extra=0.25 * n_cols)
    fig, axes = plt.subplots(len(images), n_cols, figsize=(width, height), squeeze=False,
                             layout="constrained")
    for r, (image, maps) in enumerate(zip(images, rows, strict=True)):
        image = np.asarray(image)
        h, w = image.shape[:2]
        _show(axes[r][0], image, titles[r] if titles else "input")
        for c, (name, heat) in enumerate(maps.items(), start=1):
            ax = axes[r][c]
            _show(ax, image, name if r == 0 else "")
            extent = heat.extent or (-0.5, w - 0.5, h - 0.5, -0.5)
            shown = ax.imshow(heat.values, cmap=heat.cmap, vmin=heat.vmin, vmax=heat.vmax,
                              alpha=heat.alpha, extent=extent, interpolation="nearest")
            ax.set_xlim(-0.5, w - 0.5)
            ax.set_ylim(h - 0.5, -0.5)
            if r == len(images) - 1:
                bar = fig.colorbar(shown, ax=axes[:, c], location="bottom", shrink=0.8,
                                   aspect=15)
                bar.set_label(heat.label, fontsize=8)
                bar.ax.tick_params(labelsize=7)
    return fig


def channel_grid(maps: np.ndarray, ncols: int = 10, size: float = 0.9, title: str = "") -> Figure:
    """Every channel of one layer's activations (Chollet's "visualizing intermediate
    activations"): maps (h, w, C) → C small panels, each with its own colour scale (viridis);
    a channel that is zero everywhere on this image is drawn blank and titled "0".

    Used in notebook 10.
    """
    maps = np.asarray(maps)
    if maps.ndim != 3:
        raise ValueError(f"expected one layer's maps (h, w, C), got shape {maps.shape}")
    n = maps.shape[-1]
    ncols = min(positive_int("ncols", ncols), n)
    nrows = -(-n // ncols)
    from .figures import fit_width

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
        ax.set_title("0" if dead else str(c), fontsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
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
