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
# === section: notebooks 04-05 ===
# === section: notebooks 06-07 ===
# === section: notebooks 08-10 ===
# === end ===
