"""Legibility of the figures a notebook shows: the title-overlap detector and the IPython hook.

The width rule itself (``MAX_WIDTH_IN`` = 9.6 in at ``DPI`` = 100, ≤ ``MAX_WIDTH_PX`` = 990 px)
and :func:`course_utils.plotting.fit_width` live in :mod:`course_utils.plotting`, which draws the
figures. This module inspects them once drawn: :func:`figure_problems` lists the titles (axes
title, suptitle) or axis labels that overlap a text of another axes, and a PNG wider than
``MAX_WIDTH_PX``. :func:`install` (called by ``config.setup()`` inside IPython) wraps the PNG
formatter of ``Figure`` so that every figure a notebook shows is inspected: each problem prints
one line ``FIGURE WARNING: ...`` to the cell's output, where ``tests/test_figures.py`` finds it.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .plotting import MAX_WIDTH_IN, MAX_WIDTH_PX

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WARNING_PREFIX = "FIGURE WARNING:"
MAX_LINES = 3  # warning lines printed per figure (then a count of the rest)
# image/png output metadata: problems found (0 = legible). The key keeps the name executed
# notebooks already store.
PROBLEMS_KEY = "figure_check"

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels of a PNG, read from its IHDR header (the first 24 bytes).

    Raises ``ValueError`` when ``data`` does not start like a PNG.
    """
    if len(data) < 24 or data[:8] != _PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise ValueError(f"expected PNG data (signature and IHDR chunk), got {data[:16]!r}")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


# --- overlap detection --------------------------------------------------------------------

_TITLE_KINDS = ("title", "suptitle", "label")


def _texts(fig) -> list[tuple[int, str, object]]:
    """(owner, kind, Text) of every visible, non-empty text the detector compares.

    owner: the axes' index in ``fig.axes`` (-1 for the figure); kind: "title" (axes titles),
    "suptitle" (suptitle, supxlabel, supylabel), "label" (axis labels), "tick" or "text"
    (texts and annotations drawn in the axes, e.g. values written on bars).
    """
    found = []
    for name in ("_suptitle", "_supxlabel", "_supylabel"):
        text = getattr(fig, name, None)
        if text is not None:
            found.append((-1, "suptitle", text))
    for i, ax in enumerate(fig.axes):
        if not ax.get_visible():
            continue
        for name in ("title", "_left_title", "_right_title"):
            text = getattr(ax, name, None)
            if text is not None:
                found.append((i, "title", text))
        found.extend((i, "text", t) for t in ax.texts)
        if not ax.axison:
            continue
        for axis in (ax.xaxis, ax.yaxis):
            if not axis.get_visible():
                continue
            found.append((i, "label", axis.label))
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks():
                if low <= tick.get_loc() <= high:
                    found.extend((i, "tick", t) for t in (tick.label1, tick.label2))
    return [(o, k, t) for o, k, t in found if t.get_visible() and t.get_text().strip()]


def _describe(owner: int, kind: str, text: str) -> str:
    short = text if len(text) <= 30 else text[:27] + "..."
    if owner < 0:
        return f"suptitle {short!r}"
    name = {"title": "title", "label": "axis label", "tick": "tick label", "text": "text"}[kind]
    return f"{name} {short!r} of axes {owner}"


def find_overlaps(fig: Figure, renderer: Any = None, tolerance: float = 1.0) -> list[str]:
    """One message per pair of overlapping texts.

    Compared: axes titles, the suptitle and axis labels against every text of another axes
    (titles, axis labels, tick labels, texts); texts written in one axes (``ax.text``,
    ``ax.annotate``) against each other. Tick labels are not compared with each other. Two
    boxes overlap when their intersection is more than ``tolerance`` pixels both
    wide and high. ``renderer``: the one the figure was last drawn with (default: the figure
    is drawn once without rendering, which also runs its layout engine).

    Cost: one ``get_window_extent`` per text and an (N, N) box comparison, N = texts.
    """
    if renderer is None:
        fig.draw_without_rendering()
        renderer = fig.canvas.get_renderer()
    texts = _texts(fig)
    if len(texts) < 2:
        return []
    boxes = np.array([t.get_window_extent(renderer).extents for _, _, t in texts])  # x0 y0 x1 y1
    owners = np.array([o for o, _, _ in texts])
    titled = np.array([k in _TITLE_KINDS for _, k, _ in texts])
    width = np.minimum(boxes[:, None, 2], boxes[None, :, 2]) - np.maximum(boxes[:, None, 0],
                                                                          boxes[None, :, 0])
    height = np.minimum(boxes[:, None, 3], boxes[None, :, 3]) - np.maximum(boxes[:, None, 1],
                                                                           boxes[None, :, 1])
    written = np.array([k == "text" for _, k, _ in texts])
    same = owners[:, None] == owners[None, :]
    clash = (~same & (titled[:, None] | titled[None, :])) | (same & written[:, None]
                                                            & written[None, :])
    clash &= (width > tolerance) & (height > tolerance)
    messages = []
    for a, b in zip(*np.nonzero(np.triu(clash, k=1)), strict=True):
        if texts[b][1] in _TITLE_KINDS and texts[a][1] == "tick":
            a, b = b, a
        oa, ka, ta = texts[a]
        ob, kb, tb = texts[b]
        if ka == kb == "title":
            messages.append(f"{WARNING_PREFIX} titles overlap in axes {oa} and {ob} "
                            f"({ta.get_text()!r}, {tb.get_text()!r})")
        else:
            messages.append(f"{WARNING_PREFIX} {_describe(oa, ka, ta.get_text())} overlaps "
                            f"{_describe(ob, kb, tb.get_text())}")
    return messages


def figure_problems(fig: Figure, png: bytes | None = None, renderer: Any = None) -> list[str]:
    """``FIGURE WARNING`` lines for ``fig``: overlapping titles, and a PNG wider than the rule.

    ``png``: the image the inline backend made of ``fig`` (its width is compared with
    ``MAX_WIDTH_PX``); ``renderer``: see :func:`find_overlaps`.
    """
    messages = find_overlaps(fig, renderer)
    if png:
        width, _ = png_size(png)
        if width > MAX_WIDTH_PX:
            inches = fig.get_size_inches()
            messages.append(
                f"{WARNING_PREFIX} {width} px wide, more than the {MAX_WIDTH_PX} px a notebook "
                f"shows unscaled (figsize {inches[0]:.2f}×{inches[1]:.2f} in at dpi "
                f"{fig.dpi:g}; keep the width ≤ {MAX_WIDTH_IN} in)"
            )
    return messages


def with_problem_report(formatter: Callable) -> Callable:
    """Wrap a PNG formatter ``fig -> base64 str | bytes | None`` to print :func:`figure_problems`.

    The wrapped formatter returns ``(data, {PROBLEMS_KEY: number of problems})``: IPython stores
    that dict as the output's ``image/png`` metadata, so an executed notebook records that
    each of its figures was inspected (``tests/test_figures.py`` requires it).
    """
    import base64

    if getattr(formatter, "reports_problems", False):
        return formatter

    def format_and_report(fig):
        data = formatter(fig)
        metadata = {}
        if isinstance(data, tuple):
            data, metadata = data[0], dict(data[1] or {})
        if not data:
            return data
        raw = base64.b64decode(data) if isinstance(data, str) else data
        renderer = getattr(fig.canvas, "get_renderer", lambda: None)()
        lines = figure_problems(fig, raw, renderer)
        for line in lines[:MAX_LINES]:
            print(line)
        if len(lines) > MAX_LINES:
            print(f"{WARNING_PREFIX} ... and {len(lines) - MAX_LINES} more in this figure")
        metadata[PROBLEMS_KEY] = len(lines)
        return data, metadata

    format_and_report.reports_problems = True
    return format_and_report


def install(shell: Any = None) -> bool:
    """Inspect every figure IPython shows: wrap its ``image/png`` formatter for ``Figure``.

    Loads pyplot's backend first, so that the inline backend has registered its formatter (it
    does so once, on activation); figures open at that moment are closed. Returns False outside
    IPython or without a PNG formatter for ``Figure``.
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None:
        return False
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    # pyplot loads its backend lazily; loading it now lets the inline backend register its
    # formatters (it does so once, when its module is imported) before they are wrapped
    try:
        plt.switch_backend(matplotlib.get_backend())
    except (ImportError, RuntimeError):  # a GUI backend that cannot start here: nothing to wrap
        return False

    png = shell.display_formatter.formatters.get("image/png")
    if png is None:
        return False
    try:
        current = png.lookup_by_type(Figure)
    except KeyError:
        return False
    png.for_type(Figure, with_problem_report(current))
    return True
