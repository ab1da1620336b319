"""Lecture mode (course_utils.tools.slides, .slide_layout): slide metadata and decks that fit.

- ``tag`` follows its two rules (slide types, ``hide-input``), is idempotent and changes nothing
  but ``metadata.slideshow`` and ``metadata.tags`` (run on copies of the course notebooks, never on
  notebooks/ itself); the committed notebooks carry what it writes;
- the layout estimates, splits, trims and scales as :mod:`course_utils.tools.slide_layout` says
  (unit tests on small notebooks);
- ``export`` builds a deck per notebook whose every script and stylesheet is a file next to it
  (no http(s) reference, no CDN), with a sensible number of slides (5-160 ``<section>``
  elements; 15-53 slides per deck measured in December 2026) and prints slides and minutes;
- one deck opens in headless Chromium from file:// with the network off: reveal.js becomes ready,
  shows as many slides as the metadata says and MathJax typesets the formulas;
- **every slide of every deck fits**: Chromium at 1280×720, offline, walks all slides and
  sub-slides; none may be taller or wider than the reveal.js canvas, and no element may scroll or
  be clipped (code running off the right edge counts). About 35 s for all decks on 2 cores.
"""

from __future__ import annotations

import base64
import copy
import io
import json
import re
import shutil
import warnings

import nbformat
import pytest

from course_utils.tools import course_notebooks, slide_layout, slides

NOTEBOOKS = course_notebooks()
MIN_SECTIONS, MAX_SECTIONS = 5, 160
CDN_HOSTS = ("unpkg.com", "cdnjs", "jsdelivr", "googleapis", "cloudflare", "cdn.")
# A URL in a position where the browser would load it: an attribute of a tag, CSS url()/@import,
# a JavaScript import.
LOADED_URL = re.compile(
    r"""(?:\b(?:src|href|data)\s*=\s*["']?|url\(\s*["']?|@import\s+["']|\bimport\s*\(?\s*["'])"""
    r"""(https?:)?//""",
    re.IGNORECASE,
)
VIEWPORT = {"width": 1280, "height": 720}


def without_slide_metadata(nb: dict) -> dict:
    """``nb`` without ``metadata.slideshow`` and ``hide-input`` tags (what ``tag`` writes)."""
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        cell["metadata"].pop("slideshow", None)
        tags = [t for t in cell["metadata"].get("tags", []) if t != slides.HIDE_INPUT]
        if tags:
            cell["metadata"]["tags"] = tags
        else:
            cell["metadata"].pop("tags", None)
    return nb


def markdown(source: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(source)


def png(width: int, height: int) -> str:
    """A base64 PNG of ``width`` × ``height`` pixels (matplotlib, as the notebooks make them)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width / 100, height / 100), dpi=100)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return base64.b64encode(buffer.getvalue()).decode()


def code(source: str, tags=(), figure: bool = False, text: str | None = None,
         size: tuple[int, int] = (600, 300)) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    if figure:
        cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png(*size),
                                                                     "text/plain": "<Figure>"})]
    if text is not None:
        cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=text))
    return cell


def notebook(*cells, types: list[str] | None = None) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    for cell, kind in zip(nb.cells, types or slides.slide_types(nb), strict=True):
        cell.metadata["slideshow"] = {"slide_type": kind}
    return nb


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


def test_hide_input_rule():
    table = nbformat.v4.new_code_cell("df")
    table.outputs = [nbformat.v4.new_output("execute_result", data={
        "text/html": "<table><tr><td>1</td></tr></table>", "text/plain": "1"})]
    assert slides.hides_input(code("plot(x)", figure=True))
    assert slides.hides_input(table)
    assert not slides.hides_input(code("print(1)", text="1\n"))            # text: code shown
    assert not slides.hides_input(code("plot(x)", tags=["solution"], figure=True))
    assert not slides.hides_input(code("plot(x)", tags=["show-input"], figure=True))
    assert not slides.hides_input(markdown("![x](y.png)"))


def test_tag_is_idempotent_and_only_touches_slide_metadata(tmp_path):
    copies, originals = [], []
    for source in NOTEBOOKS:   # copies without what tag writes (the notebooks carry it)
        untagged = without_slide_metadata(json.loads(source.read_text(encoding="utf-8")))
        copies.append(tmp_path / source.name)
        copies[-1].write_text(json.dumps(untagged, sort_keys=True, indent=1, ensure_ascii=False)
                              + "\n", encoding="utf-8")
        originals.append(untagged)
    assert slides.main(["tag", "--check", *map(str, copies)]) == 1   # untagged copies are stale
    assert slides.main(["tag", *map(str, copies)]) == 0
    for before, tagged in zip(originals, copies, strict=True):
        after = json.loads(tagged.read_text())
        assert without_slide_metadata(after) == without_slide_metadata(before), tagged.name
        nb = nbformat.reads(tagged.read_text(), as_version=4)
        kinds = [c.metadata["slideshow"]["slide_type"] for c in nb.cells]
        assert set(kinds) <= set(slides.SLIDE_TYPES)
        assert kinds == slides.slide_types(nb)
        hidden = [slides.HIDE_INPUT in c.metadata.get("tags", []) for c in nb.cells]
        assert hidden == [slides.hides_input(c) for c in nb.cells], tagged.name
        text = tagged.read_text()
        assert slides.tag_file(tagged) == 0                           # second run: nothing to do
        assert tagged.read_text() == text, f"{tagged.name} changed on the second run"
    assert slides.main(["tag", "--check", *map(str, copies)]) == 0


def test_tag_never_removes_a_hand_set_hide_input(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [markdown("# T"), code("x = 1", tags=["hide-input"])]
    path = tmp_path / "00_t.ipynb"
    nbformat.write(nb, path)
    slides.tag_file(path)
    assert nbformat.read(path, as_version=4).cells[1].metadata["tags"] == ["hide-input"]


def test_tagged_notebooks_stay_tagged():
    """Once notebooks/ carry slide metadata, a cell added or moved without re-tagging fails here."""
    texts = [path.read_text(encoding="utf-8") for path in NOTEBOOKS]
    if not any('"slideshow"' in text for text in texts):
        pytest.skip("notebooks/ carry no slide metadata yet: cnn-course slides tag")
    stale = [path.name for path in NOTEBOOKS if slides.tag_file(path, write=False)]
    assert stale == [], f"slide metadata out of date in {stale}: cnn-course slides tag"


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


# --- layout: estimates, splitting, trimming, pagination -------------------------------------------
def test_wrapped_lines_and_heights():
    assert slide_layout.wrapped_lines("ab\ncd\n", 10) == 2
    assert slide_layout.wrapped_lines("x" * 25, 10) == 3                   # 10 + 10 + 5
    assert slide_layout.wrapped_lines("\x1b[1mbold\x1b[0m", 4) == 1         # ANSI codes take none
    assert slide_layout.line_rows("ab cd ef", 5) == 2                       # breaks at spaces
    assert slide_layout.line_rows("frame 0: " + "x" * 15, 10) == 3         # long word: next row
    with pytest.raises(ValueError, match="at least 1 column, got 0"):
        slide_layout.wrapped_lines("x", 0)
    line, pad = slide_layout.LAYOUT["code_line"], slide_layout.LAYOUT["code_pad"]
    assert slide_layout.code_height("a\nb\nc") == 3 * line + 2 * pad
    assert slide_layout.text_output_height("a\n" * 10) > slide_layout.text_output_height("a\n")


def test_markdown_blocks_and_heights():
    source = "# T\n\nA paragraph.\n\n```\ncode\n\nmore\n```\n\n$$\na\n\nb\n$$"
    assert slide_layout.markdown_blocks(source) == [
        "# T", "A paragraph.", "```\ncode\n\nmore\n```", "$$\na\n\nb\n$$"]
    h = slide_layout.block_height
    assert h("# Title") > h("#### Title")                                  # bigger type
    assert h("word " * 100) > h("word " * 10)                              # wraps onto more lines
    assert h("Intro:\n- one\n- two\n- three") > h("Intro: - one - two - three")  # list items
    assert h("Text:\n$$\na = b\n$$") > h("Text: a = b")                   # display math
    assert h("| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |") > h("| a | b |\n|---|---|\n| 1 | 2 |")


def test_split_markdown_keeps_what_fits_and_the_rest_is_said():
    blocks = [f"Paragraph {i}. " + "word " * 60 for i in range(12)]
    shown, said = slide_layout.split_markdown("\n\n".join(blocks), 400)
    assert shown.startswith("Paragraph 0") and said.startswith("Paragraph ")
    assert slide_layout.markdown_height(shown) <= 400
    assert "\n\n".join([shown, said]) == "\n\n".join(blocks)         # nothing lost
    assert slide_layout.split_markdown("short", 400) == ("short", "")
    long = "A sentence of words. " * 300                   # taller than a slide: by sentences
    shown, said = slide_layout.split_markdown(long, 400)
    assert shown.split() + said.split() == long.split() and shown.endswith("words.")
    assert slide_layout.markdown_height(shown) <= 400
    endless = "word " * 2000                               # cannot be cut: kept whole
    shown, said = slide_layout.split_markdown(endless, 100)
    assert shown.split() == endless.split() and said == ""


def test_split_markdown_repeats_a_long_table_header_in_the_notes():
    rows = "\n".join(f"| {i} | value {i} |" for i in range(60))
    shown, said = slide_layout.split_markdown(f"| n | v |\n|---|---|\n{rows}", 400)
    assert shown.startswith("| n | v |\n|---|---|\n| 0 |")
    assert said.startswith("| n | v |\n|---|---|\n| ")
    assert shown.count("value") + said.count("value") == 60
    assert slide_layout.markdown_height(shown) <= 400


def test_split_markdown_cuts_a_long_list_between_items():
    items = [f"- item {i} " + "word " * 30 for i in range(20)]
    shown, said = slide_layout.split_markdown("## Summary\n\n" + "\n".join(items), 400)
    assert shown.startswith("## Summary\n\n- item 0") and said.startswith("- item ")
    assert slide_layout.markdown_height(shown) <= 400
    assert shown.count("- item") + said.count("- item") == 20


def test_trim_text_keeps_head_and_tail_and_says_how_many_lines():
    text = "".join(f"epoch {i}\n" for i in range(200))
    trimmed = slide_layout.trim_text(text, 300)
    assert slide_layout.text_output_height(trimmed) <= 300
    lines = trimmed.splitlines()
    marker = next(line for line in lines if line.startswith("…"))
    assert lines[0] == "epoch 0" and lines[-1] == "epoch 199"
    assert int(marker.split()[1]) == 200 - (len(lines) - 1)
    assert slide_layout.trim_text("one line\n", 300) == "one line\n"


def test_image_size_reads_png_and_jpeg_headers():
    assert slide_layout.image_size({"data": {"image/png": png(640, 320)}}) == (640, 320)
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (33, 21)).save(buffer, format="JPEG")
    jpeg = base64.b64encode(buffer.getvalue()).decode()
    assert slide_layout.image_size({"data": {"image/jpeg": jpeg}}) == (33, 21)
    assert slide_layout.image_size({"data": {"text/plain": "x"}}) is None
    with pytest.raises(ValueError, match="PNG signature"):
        slide_layout.image_size({"data": {"image/png": base64.b64encode(b"GIF89a" * 5).decode()}})


def test_a_tall_code_cell_continues_on_sub_slides_cut_at_blank_lines():
    first = "\n".join(f"a{i} = {i}" for i in range(20))
    second = "\n".join(f"b{i} = {i}" for i in range(20))
    cell = code(f"{first}\n\n{second}", text="".join(f"{i}\n" for i in range(300)))
    cell.id = "c"
    pieces = slide_layout.cell_pieces(cell)
    assert [p.cell.source for p in pieces[:2]] == [first, second]         # cut at the blank line
    assert all(p.height <= slide_layout.budget() for p in pieces)
    output = pieces[-1].cell
    assert output.source == "" and output.metadata["transient"] == {"remove_source": True}
    assert "more lines" in output.outputs[0]["text"]                     # 300 lines trimmed
    assert len({p.cell.id for p in pieces}) == len(pieces)


def test_paginate_starts_sub_slides_one_figure_each_and_notes_for_long_prose():
    prose = "\n\n".join(f"Point {i}. " + "word " * 70 for i in range(10))
    nb = notebook(
        markdown("# T"),
        markdown(prose),                                   # too long: the rest into notes
        code("plot(1)", figure=True, size=(900, 400)),
        code("plot(2)", figure=True, size=(900, 400)),     # a second figure: its own sub-slide
        code("plot(3)", figure=True, size=(900, 2000)),    # taller than a slide: scaled down
        types=["slide", "-", "-", "-", "-"],
    )
    deck, pages = slide_layout.paginate(nb)
    kinds = [c.metadata["slideshow"]["slide_type"] for c in deck.cells]
    notes = [c for c in deck.cells if c.metadata["slideshow"]["slide_type"] == "notes"]
    assert len(notes) == 1 and notes[0].source.startswith("Point ")
    assert slide_layout.NOTES_HINT in deck.cells[1].source
    shown = deck.cells[1].source.replace(slide_layout.NOTES_HINT, "")
    assert (shown + notes[0].source).split() == prose.split()            # nothing lost
    assert kinds.count("subslide") == 3 and [p.figure for p in pages].count(True) == 3
    assert all(p.height <= slide_layout.budget() + slide_layout.LAYOUT["cell_gap"] for p in pages)
    tall = deck.cells[-1].outputs[0]["metadata"]["image/png"]
    assert tall["height"] <= slide_layout.budget() and tall["width"] < 900 * 0.4
    assert len({c.id for c in deck.cells}) == len(deck.cells)


def test_paginate_keeps_a_slide_that_fits_as_it_is():
    nb = notebook(markdown("# T"), markdown("Short."), code("x = 1", text="1\n"))
    deck, pages = slide_layout.paginate(nb)
    assert len(pages) == 1 and pages[0].code and not pages[0].figure
    assert [c.metadata["slideshow"]["slide_type"] for c in deck.cells][:2] == ["slide", "-"]


def test_hide_input_cells_show_only_their_output_in_the_deck():
    nb = notebook(markdown("# T"), code("secret_plot_call()", tags=["hide-input"], figure=True),
                  code("shown_code = 1"))
    html = slides.export_deck(nb, "00_t")
    assert "secret_plot_call" not in html and "data:image/png;base64," in html
    assert "shown_code" in html


def test_lecture_minutes_and_table():
    pages = [slide_layout.Slide("a", code=True), slide_layout.Slide("b", figure=True),
             slide_layout.Slide("c")]
    assert slides.lecture_minutes(pages) == 2 * slides.MINUTES_BUSY + slides.MINUTES_TEXT
    table = slides.lecture_table({"01_x.slides.html": {"slides": 2, "subslides": 3,
                                                      "fragments": 0, "minutes": 4.0},
                                  "02_y.slides.html": {"slides": 1, "subslides": 5,
                                                      "fragments": 1, "minutes": 6.5}})
    total = table.splitlines()[3].split()
    assert total == ["total", "3", "8", "10.5"]
    assert "1.5 per slide with code or a figure" in table


def test_bad_arguments_are_one_line_and_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        slides.main(["export", "99"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no course notebook '99'" in err


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


def stress_notebook() -> nbformat.NotebookNode:
    """A notebook with everything too big for a slide (what longer outputs may bring)."""
    words = "a sentence of some twelve words that goes on and on. " * 8
    wide = "x = " + " + ".join(f"value_{i}" for i in range(30))          # about 300 characters
    log = "".join(f"epoch {i:3d} " + "loss 0.123 " * 18 + "\n" for i in range(400))
    pre = "<pre>" + "".join(f"layer {i:3d} │ (None, 32, 32, 64) │ 36,928\n" for i in range(150))
    table = "<table>" + "".join(f"<tr><td>{i}</td><td>{i * i}</td></tr>" for i in range(80))
    listing = nbformat.v4.new_output("display_data", data={"text/html": pre + "</pre>",
                                                           "text/plain": pre[5:]})
    frame = nbformat.v4.new_output("execute_result", data={
        "text/html": table + "</table>", "text/plain": "\n".join(map(str, range(80)))},
        execution_count=1)
    error = nbformat.v4.new_output("error", ename="ValueError", evalue="no",
                                   traceback=[f"frame {i}: " + "x" * 150 for i in range(100)])
    cells = [
        markdown("# 99 · Everything too big\n\n" + "\n\n".join([words] * 25)),
        markdown("## Lists, tables, sentences\n\n" + "\n".join(f"- {words}" for _ in range(30))),
        markdown("| n | n² |\n|---|---|\n" + "\n".join(f"| {i} | {i * i} |" for i in range(50))),
        markdown(words * 12),
        code("\n".join([wide] + [f"y_{i} = {i}" for i in range(90)]), text=log),
        code("tall()", figure=True, size=(1500, 2500)),
        code("wide()", figure=True, size=(3000, 400)),
        code("model.summary()"),
        code("frame"),
        code("raise ValueError()"),
        markdown("The last figure:"),
        code("last()", figure=True, size=(800, 600)),
    ]
    cells[7].outputs, cells[8].outputs, cells[9].outputs = [listing], [frame], [error]
    return notebook(*cells)


@pytest.fixture(scope="module")
def decks(tmp_path_factory) -> dict:
    """Every notebook's deck and the stress deck (:func:`stress_notebook`), exported once into a
    temporary folder."""
    reason = npm_skip_reason()
    if reason:
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("slides")
    stress = tmp_path_factory.mktemp("stress") / "99_stress.ipynb"
    nbformat.write(stress_notebook(), stress)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        counts = slides.export([*NOTEBOOKS, stress], out)
    return {"out": out, "counts": counts}


@pytest.mark.slow
@pytest.mark.parametrize("notebook_path", NOTEBOOKS, ids=lambda p: p.stem[:3].rstrip("_"))
def test_deck_builds_self_contained_with_a_sensible_number_of_slides(decks, notebook_path):
    deck = decks["out"] / f"{notebook_path.stem}.slides.html"
    html = deck.read_text(encoding="utf-8")
    sections = html.count("<section")
    assert MIN_SECTIONS <= sections <= MAX_SECTIONS, f"{deck.name}: {sections} <section>"
    counts = decks["counts"][deck.name]
    assert counts["subslides"] > 5 and counts["minutes"] >= counts["subslides"]
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
def test_long_markdown_goes_to_speaker_notes(decks):
    html = "".join(p.read_text(encoding="utf-8") for p in decks["out"].glob("*.slides.html"))
    assert html.count('<aside class="notes">') >= 1
    assert html.count('<aside class="notes">') == html.count('class="notes-hint"')


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


# Walks every slide of the open deck; returns [{index, heading, problems, height}] where problems
# name what is taller or wider than the canvas (config width/height, positions divided by reveal's
# scale) or scrolls inside it. MathJax's hidden accessibility copy and speaker notes are skipped.
FIT_JS = """
async () => {
  if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
  await Promise.all([...document.images].map(img => img.complete ? null :
      new Promise(done => { img.onload = img.onerror = done; })));
  const config = Reveal.getConfig(), W = config.width, H = config.height, TOL = 1;
  const found = [];
  let heading = "";
  for (const section of Reveal.getSlides()) {
    const {h, v} = Reveal.getIndices(section);
    Reveal.slide(h, v);
    const own = section.querySelector("h1, h2, h3, h4");
    if (own) heading = own.textContent.replace(/¶$/, "").trim();
    const scale = Reveal.getScale();
    const box = document.querySelector(".reveal .slides").getBoundingClientRect();
    const problems = [];
    const {scrollHeight, scrollWidth} = section;
    if (scrollHeight > H + TOL) problems.push(`scrollHeight ${scrollHeight} > ${H}`);
    if (scrollWidth > W + TOL) problems.push(`scrollWidth ${scrollWidth} > ${W}`);
    let bottom = 0, right = 0, clipped = null;
    for (const el of section.querySelectorAll("*")) {
      if (el.closest("aside.notes, mjx-assistive-mml")) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      bottom = Math.max(bottom, (r.bottom - box.top) / scale);
      right = Math.max(right, (r.right - box.left) / scale);
      const style = getComputedStyle(el), tag = el.tagName.toLowerCase();
      if (!clipped && style.overflowX !== "visible" && el.scrollWidth > el.clientWidth + TOL)
        clipped = `${tag} scrolls sideways (${el.scrollWidth} > ${el.clientWidth})`;
      if (!clipped && style.overflowY !== "visible" && el.scrollHeight > el.clientHeight + TOL)
        clipped = `${tag} scrolls (${el.scrollHeight} > ${el.clientHeight})`;
    }
    if (bottom > H + TOL) problems.push(`content ends at y=${Math.round(bottom)} > ${H}`);
    if (right > W + TOL) problems.push(`content ends at x=${Math.round(right)} > ${W}`);
    if (clipped) problems.push(clipped);
    found.push({index: `${h}.${v}`, heading, problems,
                height: Math.round(Math.max(section.scrollHeight, bottom))});
  }
  return found;
}
"""


@pytest.mark.slow
def test_every_slide_of_every_deck_fits_a_1280x720_screen(decks):
    from tests.test_browser import browser_skip_reason, chromium

    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    overflowing, walked = [], {}
    with chromium(offline=True, viewport=VIEWPORT) as page:
        for deck in sorted(decks["out"].glob("*.slides.html")):
            page.goto(deck.as_uri())
            page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=30_000)
            assert page.evaluate("Reveal.getConfig().width") == slide_layout.LAYOUT["width"]
            scale = page.evaluate("Reveal.getScale()")     # the canvas fills the window
            assert 0.9 < scale <= 1.0, f"{deck.name}: reveal.js scales the canvas by {scale}"
            found = page.evaluate(FIT_JS)
            walked[deck.name] = len(found)
            overflowing += [f"{deck.name} slide {s['index']} ({s['heading'][:60]!r}): "
                            f"{'; '.join(s['problems'])}" for s in found if s["problems"]]
    assert walked == {name: c["subslides"] for name, c in decks["counts"].items()}
    assert overflowing == [], f"{len(overflowing)} slides overflow:\n" + "\n".join(overflowing)
