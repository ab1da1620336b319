"""course_utils.plotting.maps_with_colorbars: maps of different quantities, one colour bar each,
diverging and centred on zero where a map holds both signs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_each_map_has_its_own_scale_and_colour_bar():
    weights, image = np.array([[0.0, 30.0], [30.0, 0.0]]), np.array([[0.0, 50.0, 20.0]])
    fig = plotting.maps_with_colorbars([weights, image], ["filter", "image"],
                                       labels=["weight", "pixel value"])
    maps = [ax for ax in fig.axes if ax.get_images()]
    bars = [ax for ax in fig.axes if not ax.get_images()]
    assert len(maps) == 2 and len(bars) == 2                    # one colour bar per map
    assert maps[0].images[0].get_clim() == (0.0, 30.0)          # each on its own range
    assert maps[1].images[0].get_clim() == (0.0, 50.0)
    assert maps[0].images[0].get_cmap().name == "magma"
    assert [ax.get_title() for ax in maps] == ["filter", "image"]
    assert {bar.get_ylabel() for bar in bars} == {"weight", "pixel value"}
    pixel_bar = next(bar for bar in bars if bar.get_ylabel() == "pixel value")
    assert list(pixel_bar.get_yticks()) == [0.0, 25.0, 50.0]   # both ends of the range shown
    assert fig.get_figwidth() <= plotting.MAX_WIDTH_IN


def test_a_map_with_both_signs_is_diverging_and_centred_on_zero():
    signed, flat = np.array([[-1.0, 0.0], [0.0, 4.0]]), np.full((2, 2), 3.0)
    fig = plotting.maps_with_colorbars([signed, flat])
    first, second = [ax.images[0] for ax in fig.axes if ax.get_images()]
    assert first.get_clim() == (-4.0, 4.0) and first.get_cmap().name == "RdBu_r"
    assert second.get_clim() == (3.0, 4.0)                      # a constant map still gets a bar


@pytest.mark.parametrize("args, kwargs, match", [
    (([],), {}, "one or more non-empty 2-D maps"),
    (([np.ones(3)],), {}, r"got shapes \[\(3,\)\]"),
    (([np.ones((2, 2))], ["a", "b"]), {}, "expected 1 titles"),
    (([np.ones((2, 2))],), {"labels": []}, "expected 1 labels"),
])
def test_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plotting.maps_with_colorbars(*args, **kwargs)
