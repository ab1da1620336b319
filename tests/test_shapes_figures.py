"""course_utils.shapes_figures: the padding/stride pictures of notebook 03 and their explorer."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course_utils import shapes_figures  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_conv_arithmetic_figure_title_and_cells():
    fig = shapes_figures.conv_arithmetic_figure(6, 3, stride=2, padding="valid")
    assert "⌊(6 − 3)/2⌋ + 1 = 2" in fig.texts[0].get_text()
    assert "1 pixel(s) ignored" in fig.texts[0].get_text()
    ax_in, ax_out = fig.axes
    assert len(ax_out.patches) == 4  # 2×2 output cells
    plt.close(fig)
    fig = shapes_figures.conv_arithmetic_figure(4, 3, stride=2, padding="same")
    assert "padding 0/1" in fig.axes[0].get_title()
    plt.close(fig)
    with pytest.raises(ValueError, match="larger than the padded input"):
        shapes_figures.conv_arithmetic_figure(2, 5)


def test_conv_explorer_without_kernel_is_a_static_figure():
    fig = shapes_figures.conv_explorer(n=5, kernel=3, stride=1, padding="valid")
    assert isinstance(fig, Figure)
    plt.close(fig)


def test_static_fallback_bundle_carries_png():
    class FakeWidget:
        def _repr_mimebundle_(self, **kwargs):
            return {"application/vnd.jupyter.widget-view+json": {"model_id": "x"}}

    bundle = shapes_figures._StaticFallback(FakeWidget(), b"\x89PNG")._repr_mimebundle_()
    assert set(bundle) == {"application/vnd.jupyter.widget-view+json", "image/png", "text/plain"}
