"""Figures of :mod:`course_utils.shapes` (notebook 03): a kernel sliding over a padded input.

:func:`conv_arithmetic_figure` draws what ``shapes.conv_output_size`` computes,
``⌊(n + p − k)/s⌋ + 1``: the input, its padding, the window positions and the output grid;
:func:`conv_explorer` puts sliders on it. A sibling module so that ``shapes`` (arithmetic
only) never imports matplotlib.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .shapes import conv_output_size

__all__ = ["conv_arithmetic_figure", "conv_explorer"]


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
