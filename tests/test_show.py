"""course_utils.show: source listings of course code for the notebooks."""

import inspect
import math
from pathlib import Path

import numpy as np
import pytest

from course_utils import conv, feature_visualisation, saliency, show


def test_listing_header_names_function_file_and_lines():
    listing = show.source_listing(conv.correlate2d_naive)
    lines, start = inspect.getsourcelines(conv.correlate2d_naive)
    assert listing.header == (f"course_utils.conv.correlate2d_naive — course_utils/conv.py, "
                              f"lines {start}–{start + len(lines) - 1}")
    assert listing.source == "".join(lines)
    file_lines = Path(conv.__file__).read_text(encoding="utf-8").splitlines(keepends=True)
    assert "".join(file_lines[listing.first - 1: listing.last]) == listing.source


def test_listing_of_class_method_and_module():
    patch = show.source_listing(feature_visualisation.Patch)
    assert patch.name == "course_utils.feature_visualisation.Patch"
    assert "class Patch" in patch.source
    header = show.source_listing(show.SourceListing.header.fget)
    assert header.name == "course_utils.show.SourceListing.header"
    assert header.path == "course_utils/show.py"
    module = show.source_listing(show)
    assert module.first == 1 and module.name == "course_utils.show"
    assert module.last == len(Path(show.__file__).read_text(encoding="utf-8").splitlines())


def test_plain_text_outside_ipython(capsys):
    show.show_source(conv.correlate2d_naive, conv.relu)
    out = capsys.readouterr().out
    assert out.startswith("course_utils.conv.correlate2d_naive — course_utils/conv.py, lines ")
    assert "def correlate2d_naive(" in out and "def relu(" in out
    assert "\ncourse_utils.conv.relu — course_utils/conv.py, lines " in out


def test_rich_display_in_ipython(monkeypatch):
    shown = []
    monkeypatch.setattr(show, "_in_ipython", lambda: True)
    monkeypatch.setattr("IPython.display.display", lambda *objs: shown.extend(objs))
    assert show.show_source(saliency.occlusion_map, saliency.grad_cam_from) is None
    assert [listing.name for listing in shown] == ["course_utils.saliency.occlusion_map",
                                                   "course_utils.saliency.grad_cam_from"]
    html = shown[0]._repr_html_()
    assert html.startswith("<p><b>course_utils.saliency.occlusion_map — "
                           "course_utils/saliency.py, lines ")
    assert 'class="highlight"' in html and "<style>" not in html  # inline styles: any frontend
    assert '<span style="color: #008000; font-weight: bold">def</span>' in html


@pytest.mark.parametrize("obj, error, text", [
    (len, TypeError, "expected a module, class, function or method, got "
                     "builtin_function_or_method"),
    (np.add, TypeError, "got ufunc"),
    (math, ValueError, "no source file for <module 'math'"),
    (3, TypeError, "got int 3"),
])
def test_objects_without_source_raise(obj, error, text):
    with pytest.raises(error, match=text.replace("(", r"\(")):
        show.show_source(obj)


def test_function_without_file_raises_value_error():
    namespace: dict = {}
    exec("def made_at_run_time():\n    return 1\n", namespace)  # noqa: S102 - no file on purpose
    with pytest.raises(ValueError, match="no source file for <function made_at_run_time"):
        show.source_listing(namespace["made_at_run_time"])


def test_nothing_to_show_raises_and_bad_argument_shows_nothing(capsys):
    with pytest.raises(ValueError, match="expected at least one"):
        show.show_source()
    with pytest.raises(TypeError):
        show.show_source(conv.relu, len)
    assert capsys.readouterr().out == ""
