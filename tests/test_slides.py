"""Lecture mode (scripts/slides.py): slide metadata and the offline reveal.js decks.

- ``tag`` follows its rule, is idempotent and changes nothing but ``metadata.slideshow`` (run on
  copies of the course notebooks, never on notebooks/ itself);
- ``export`` builds a deck per notebook whose every script and stylesheet is a file next to it
  (no http(s) reference, no CDN), with a sensible number of slides: measured on the course
  notebooks (December 2026) 17-37 ``<section`` elements and 12-24 reveal.js slides per deck, so
  the bounds are 5-80 ``<section`` elements and more than 5 slides;
- one deck opens in headless Chromium from file:// with the network off: reveal.js becomes ready,
  shows as many slides as the metadata says and MathJax typesets the formulas.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import sys
import warnings
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import slides  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
MIN_SECTIONS, MAX_SECTIONS = 5, 80
CDN_HOSTS = ("unpkg.com", "cdnjs", "jsdelivr", "googleapis", "cloudflare", "cdn.")
# A URL in a position where the browser would load it: an attribute of a tag, CSS url()/@import,
# a JavaScript import.
LOADED_URL = re.compile(
    r"""(?:\b(?:src|href|data)\s*=\s*["']?|url\(\s*["']?|@import\s+["']|\bimport\s*\(?\s*["'])"""
    r"""(https?:)?//""",
    re.IGNORECASE,
)


def without_slideshow(nb: dict) -> dict:
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        cell["metadata"].pop("slideshow", None)
    return nb


def markdown(source: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(source)


def code(source: str, tags=(), figure: bool = False) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    if figure:
        cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBOR",
                                                                     "text/plain": "<Figure>"})]
    return cell


def test_the_rule_cell_by_cell():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        markdown("# 03 · Title\n\nGoals."),                           # slide
        code("from course_utils import config\nimport numpy as np\n"
             "profile = config.setup()  # first"),                     # skip: set-up
        markdown("## 1 · A section"),                                 # slide
        code("x = 1"),                                                # -
        markdown("Now the picture:"),                                 # subslide (after code)
        code("plot(x)", figure=True),                                 # fragment (figure after md)
        code("plot(y)", figure=True),                                 # - (figure after code)
        markdown("### A detail"),                                     # subslide (level 3)
        markdown("More words."),                                      # - (after markdown)
        code("print(2)"),                                             # -
        markdown("Your turn:\n\n#### Exercise 3.4 — something"),      # subslide (exercise)
        markdown("Write it below."),                                  # subslide (before exercise)
        code("answer = None", tags=["exercise"]),                     # -
        code("answer = 3", tags=["solution"]),                        # fragment
        code("ex.check(answer);"),                                    # -
    ]
    assert slides.slide_types(nb) == [
        "slide", "skip", "slide", "-", "subslide", "fragment", "-", "subslide", "-", "-",
        "subslide", "subslide", "-", "fragment", "-",
    ]
    assert slides.count_slides(slides.slide_types(nb)) == {
        "slides": 2, "subslides": 6, "fragments": 2}


def test_headings_ignore_fenced_code():
    assert slides.headings("## A\n```\n# not a heading\n```\n### B") == [(2, "A"), (3, "B")]


def test_bad_input_raises_value_error():
    nb = nbformat.v4.new_notebook()
    nb.cells = [markdown("# T")]
    with pytest.raises(ValueError, match=r"cell index in \[0, 1\), got 5"):
        slides.slide_type(nb.cells, 5)
    with pytest.raises(ValueError, match="notebook with 'cells'"):
        slides.slide_types(nbformat.NotebookNode({"metadata": {}}))
    nb.cells[0].metadata["slideshow"] = "slide"
    with pytest.raises(ValueError, match="slideshow to be a dict, got str"):
        slides.apply_slide_types(nb)


def test_tag_is_idempotent_and_only_touches_slideshow_metadata(tmp_path):
    copies, originals = [], []
    for source in NOTEBOOKS:   # copies without slide metadata (the notebooks may carry it)
        untagged = without_slideshow(json.loads(source.read_text(encoding="utf-8")))
        copies.append(tmp_path / source.name)
        copies[-1].write_text(json.dumps(untagged, sort_keys=True, indent=1, ensure_ascii=False)
                              + "\n", encoding="utf-8")
        originals.append(untagged)
    assert slides.main(["tag", "--check", *map(str, copies)]) == 1   # untagged copies are stale
    assert slides.main(["tag", *map(str, copies)]) == 0
    for before, tagged in zip(originals, copies, strict=True):
        after = json.loads(tagged.read_text())
        assert without_slideshow(after) == without_slideshow(before), tagged.name
        kinds = [c["metadata"]["slideshow"]["slide_type"] for c in after["cells"]]
        assert set(kinds) <= set(slides.SLIDE_TYPES)
        assert kinds == slides.slide_types(nbformat.reads(tagged.read_text(), as_version=4))
        text = tagged.read_text()
        assert slides.tag_file(tagged) == 0                           # second run: nothing to do
        assert tagged.read_text() == text, f"{tagged.name} changed on the second run"
    assert slides.main(["tag", "--check", *map(str, copies)]) == 0


def test_tagged_notebooks_stay_tagged():
    """Once notebooks/ carry slide metadata, a cell added or moved without re-tagging fails here."""
    texts = [path.read_text(encoding="utf-8") for path in NOTEBOOKS]
    if not any('"slideshow"' in text for text in texts):
        pytest.skip("notebooks/ carry no slide metadata yet: python scripts/slides.py tag")
    stale = [path.name for path in NOTEBOOKS if slides.tag_file(path, write=False)]
    assert stale == [], f"slide metadata out of date in {stale}: python scripts/slides.py tag"


def test_tag_keeps_other_slideshow_keys(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [markdown("# T"), markdown("## S")]
    nb.cells[1].metadata["slideshow"] = {"slide_type": "notes", "data": {"transition": "fade"}}
    path = tmp_path / "00_t.ipynb"
    nbformat.write(nb, path)
    assert slides.tag_file(path) == 2
    cells = nbformat.read(path, as_version=4).cells
    assert cells[1].metadata["slideshow"] == {"slide_type": "slide",
                                              "data": {"transition": "fade"}}


def test_tag_adds_no_cell_ids_and_rejects_other_formats(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [markdown("# T"), code("x = 1")]
    raw = json.loads(nbformat.writes(nb))
    for cell in raw["cells"]:
        del cell["id"]                       # as a hand-edited notebook may have it
    path = tmp_path / "00_t.ipynb"
    path.write_text(json.dumps(raw, sort_keys=True, indent=1, ensure_ascii=False) + "\n")
    with warnings.catch_warnings():         # nbformat's reader warns about the missing ids
        warnings.simplefilter("ignore")
        assert slides.tag_file(path) == 2
    cells = json.loads(path.read_text())["cells"]
    assert [sorted(c) for c in cells][0] == ["cell_type", "metadata", "source"]
    assert [c["metadata"] for c in cells] == [{"slideshow": {"slide_type": "slide"}},
                                              {"slideshow": {"slide_type": "-"}}]
    path.write_text(json.dumps({"nbformat": 3, "worksheets": []}))
    with pytest.raises(ValueError, match="version-4 notebook .* got nbformat 3"):
        slides.tag_file(path)


def test_export_without_npm_says_what_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(slides, "VENDOR", tmp_path / "vendor")
    monkeypatch.setattr(slides.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match=r"reveal\.js@5\.2\.1.*npm \(Node\.js\) was not found"):
        slides.vendor_dir()
    assert slides.main(["export", "--out", str(tmp_path / "out"), str(NOTEBOOKS[0])]) == 2
    assert "apt-get install npm" in capsys.readouterr().err


def npm_skip_reason() -> str | None:
    if shutil.which("npm") is None and not (slides.VENDOR / "node_modules" / "reveal.js").exists():
        return "npm (Node.js) is needed once to fetch reveal.js and MathJax into build/vendor"
    return None


@pytest.fixture(scope="module")
def decks(tmp_path_factory) -> dict:
    """Every notebook's deck, exported once into a temporary folder."""
    reason = npm_skip_reason()
    if reason:
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("slides")
    counts = slides.export(NOTEBOOKS, out)
    return {"out": out, "counts": counts}


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_deck_builds_self_contained_with_a_sensible_number_of_slides(decks, notebook):
    deck = decks["out"] / f"{notebook.stem}.slides.html"
    html = deck.read_text(encoding="utf-8")
    sections = html.count("<section")
    assert MIN_SECTIONS <= sections <= MAX_SECTIONS, f"{deck.name}: {sections} <section>"
    counts = decks["counts"][deck.name]
    assert counts["subslides"] > 5
    # nbconvert opens two <section> per slide (slide + its first sub-slide), one per sub-slide.
    assert sections == counts["slides"] + counts["subslides"]
    loaded = [html[m.start():m.end() + 40] for m in LOADED_URL.finditer(html)]
    assert loaded == [], f"{deck.name} loads from the network: {loaded[:3]}"
    cdn = [host for host in CDN_HOSTS if host in html]
    assert cdn == [], f"{deck.name} names a CDN: {cdn}"
    for ref in re.findall(r"""<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)\"""", html):
        assert (decks["out"] / ref).is_file(), f"{deck.name} refers to missing {ref}"
    assert "NBVAL_" not in html and "application/vnd.jupyter.widget-view+json" not in html


@pytest.mark.slow
def test_deck_opens_offline_in_chromium(decks):
    from tests.test_browser import browser_skip_reason, chromium

    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    name = "03_padding_stride_arithmetic.slides.html"
    requests, errors = [], []
    with chromium(offline=True) as page:
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((decks["out"] / name).as_uri())
        page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=30_000)
        total = page.evaluate("Reveal.getTotalSlides()")
        page.wait_for_function("document.querySelectorAll('mjx-container').length > 0",
                               timeout=30_000)
        page.keyboard.press("ArrowRight")
        assert page.evaluate("Reveal.getIndices().h + Reveal.getIndices().v") == 1
    assert total > 5
    assert total == decks["counts"][name]["subslides"]
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert errors == []
