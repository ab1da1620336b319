"""Figures: image grids, kernels, feature maps, learning curves, confusion matrices.

All functions return the matplotlib ``Figure`` they draw (one figure per notebook cell).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def image_grid(
    images: Sequence[np.ndarray] | np.ndarray,
    titles: Sequence[str] | None = None,
    ncols: int = 10,
    cmap: str | None = None,
    size: float = 1.2,
) -> Figure:
    """Show ``images`` (each (H, W) or (H, W, 3)) in a grid of ``ncols`` columns.

    ``titles`` (one per image) are drawn above the images; ``size`` is inches per image.
    Grey-scale images default to the ``gray`` colour map.
    """
    n = len(images)
    if n == 0:
        raise ValueError("image_grid needs at least one image, got an empty sequence")
    if titles is not None and len(titles) != n:
        raise ValueError(f"expected {n} titles (one per image), got {len(titles)}")
    if ncols < 1:
        raise ValueError(f"ncols must be >= 1, got {ncols}")
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * ncols, size * nrows * 1.15), squeeze=False
    )
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        image = np.asarray(images[i])
        if image.ndim == 3 and image.shape[-1] == 1:
            image = image[..., 0]
        ax.imshow(image, cmap=cmap or ("gray" if image.ndim == 2 else None))
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=8)
    fig.tight_layout()
    return fig


# === section: notebooks 01-03 ===
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
    fig, axes = plt.subplots(
        1, len(mats), figsize=(cell * (sum(widths) + gap * len(mats)), cell * (height + 1.6)),
        gridspec_kw={"width_ratios": widths}, squeeze=False,
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
    fig.tight_layout()
    return fig


def conv_arithmetic_figure(
    n: int, kernel: int, stride: int = 1, padding: str | int = "valid", window: int = 0
) -> Figure:
    """Draw an n×n input sliding under a kernel×kernel window and the output grid it gives.

    Left: the input (blue), the zero padding (grey, "0"), pixels no window covers (red),
    the top-left corner of every window position (dots) and one window (orange, number
    ``window`` in reading order). Right: the output grid with that window's output cell.
    The title carries ``⌊(n + p − k)/s⌋ + 1``. Raises ValueError if the kernel does not fit.
    """
    from .arithmetic import conv_output_size

    out = conv_output_size(n, kernel, stride, padding)
    before, total = out.pad_before, n + out.padded
    fig, (ax_in, ax_out) = plt.subplots(
        1, 2, figsize=(7.5, 3.9), gridspec_kw={"width_ratios": [total, max(out.size, 3)]}
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
    fig.tight_layout()
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


# === section: notebooks 04-05 ===
# === section: notebooks 06-07 ===
# === section: notebooks 08-10 ===
# === end ===
