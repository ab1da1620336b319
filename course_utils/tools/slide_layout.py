"""Fit a notebook onto 1280×720 reveal.js slides: estimate heights, paginate, trim, take notes.

The deck's stylesheet (``slides_template/slides.css``) takes every font size, line height, padding
and margin from :data:`LAYOUT`, so the height of a cell can be estimated from its text:

- markdown: a heading, paragraph or list item of ``n`` visible characters takes
  ``ceil(n / cols)`` lines, ``cols = content width / (0.52 × font size)`` (0.58 for bold
  headings), a table row as many lines as its longest cell needs, a display formula ``56 px``
  per row;
- code and text output: each line wrapped as a browser wraps ``pre-wrap`` text (at spaces, a
  word wider than the box broken), ``cols = content width / (0.61 × font size)`` (monospace);
  an HTML table one row per ``<tr>``, an HTML ``<pre>`` by its lines;
- an image its PNG/JPEG size, scaled down to the width of the slide and to the height left.

A slide may hold ``720 − 2 × 14 (padding) − 40 (safety)`` = 652 px of estimated content; measured
in Chromium on the course's decks (December 2026, 384 slides) the estimate is within 15 px of the
rendered height for half the slides, at most 40 px short and at most 142 px long (conservative).

:func:`paginate` walks the cells in slide order and, on a copy of the notebook,

- starts a new sub-slide when the next cell (or part of a cell) does not fit under what the slide
  already shows, or when it holds a figure and the slide already has one (one figure per slide);
- splits a code cell taller than a slide into parts of whole lines (at a blank line where it can),
  each continuing on its own sub-slide, and puts each output of a code cell into a cell of its own;
- trims a text output taller than a slide to its first and last lines with a line
  ``… N more lines`` between them (an HTML output too tall shows its ``text/plain``, trimmed);
- scales a figure to the height left on its slide (at least :data:`MIN_FIGURE_SCALE` of its size,
  else it moves to the next sub-slide) by writing ``width``/``height`` into the output's metadata;
- keeps the blocks of a markdown cell taller than a slide that fit (a long list or table is cut
  between items or rows, a paragraph taller than a slide between sentences) and moves the rest
  into the speaker notes (a ``notes`` cell: reveal.js shows it with ``S``), with a hint on the
  slide.

The Chromium test in ``tests/test_slides.py`` checks every estimate: no slide of any deck (and of
a deck built to be too big everywhere) may be taller or wider than the canvas.
"""

from __future__ import annotations

import base64
import copy
import math
import re
import struct
from dataclasses import dataclass, field

import nbformat

LAYOUT: dict[str, float] = {
    "width": 1280, "height": 720,            # the reveal.js canvas (px)
    "pad_y": 14, "pad_x": 32,                # padding of every slide
    "safety": 40,                            # px kept free at the bottom for estimate errors
    "text_size": 24, "text_line": 1.3,       # markdown body
    "h1_size": 40, "h2_size": 34, "h3_size": 28, "h4_size": 24, "heading_line": 1.2,
    "block_gap": 10,                         # below a paragraph, list, table, heading
    "table_size": 18, "table_line": 1.3, "table_pad": 4,
    "code_size": 16, "code_line": 20, "code_pad": 6,
    "out_size": 15, "out_line": 18, "out_pad": 3,
    "cell_gap": 10,                          # between two cells
    "math_row": 56,                          # one row of a display formula
    "hint_size": 16,                         # "more in the speaker notes"
}
TEXT_EM, HEADING_EM, MONO_EM = 0.52, 0.58, 0.61  # average character width / font size
MIN_FIGURE_SCALE = 0.7
FIGURE_MIMES = ("image/png", "image/jpeg")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TAG = re.compile(r"<[^>]+>")
NOTES_HINT = '<p class="notes-hint">… more in the speaker notes (S)</p>'


def content_width() -> float:
    """Width (px) inside a slide's padding."""
    return LAYOUT["width"] - 2 * LAYOUT["pad_x"]


def budget() -> float:
    """Height (px) a slide's content may take: canvas minus padding minus the safety margin."""
    return LAYOUT["height"] - 2 * LAYOUT["pad_y"] - LAYOUT["safety"]


def line_rows(line: str, cols: int) -> int:
    """Rows one line takes in a ``pre-wrap`` box ``cols`` characters wide, wrapped as browsers
    do: a word that does not fit moves to the next row; a word wider than the box breaks."""
    if cols < 1:
        raise ValueError(f"expected at least 1 column, got {cols}")
    rows, col = 1, 0
    for word, space in re.findall(r"(\S*)(\s*)", ANSI.sub("", line).expandtabs()):
        if col and col + len(word) > cols:
            rows, col = rows + 1, 0
        while len(word) > cols:
            word, rows = word[cols:], rows + 1
        col += len(word) + len(space)           # spaces at the end of a row hang
    return rows


def wrapped_lines(text: str, cols: int) -> int:
    """Rows that ``text`` takes in a ``pre-wrap`` box ``cols`` characters wide."""
    return sum(line_rows(line, cols) for line in text.rstrip("\n").split("\n"))


def mono_cols(size_key: str, pad_key: str) -> int:
    """Characters per line of a monospace ``<pre>`` of font ``LAYOUT[size_key]``."""
    inner = content_width() - 2 * LAYOUT[pad_key] - 4
    return int(inner // (MONO_EM * LAYOUT[size_key]))


def code_height(source: str) -> float:
    """Height (px) of a code cell's input box showing ``source``."""
    lines = wrapped_lines(source, mono_cols("code_size", "code_pad"))
    return lines * LAYOUT["code_line"] + 2 * LAYOUT["code_pad"]


def text_output_height(text: str) -> float:
    """Height (px) of a text output (stream, ``text/plain``, error) showing ``text``."""
    lines = wrapped_lines(text, mono_cols("out_size", "out_pad"))
    return lines * LAYOUT["out_line"] + 2 * LAYOUT["out_pad"]


# --- markdown ------------------------------------------------------------------------------------
def markdown_blocks(source: str) -> list[str]:
    """The blocks of a markdown text: runs of lines between blank lines, with fenced code and
    ``$$`` display math kept whole."""
    blocks, current, fence, math_open = [], [], False, False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fence = not fence
        elif not fence and stripped.count("$$") % 2 == 1:
            math_open = not math_open
        if not stripped and not fence and not math_open:
            if current:
                blocks.append("\n".join(current))
            current = []
        else:
            current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def _plain(text: str) -> str:
    """Markdown source reduced to roughly the characters a reader sees."""
    text = re.sub(r"\]\([^)]*\)", "]", text)           # link targets
    text = re.sub(r"\$([^$]+)\$", lambda m: "x" * math.ceil(0.6 * len(m.group(1))), text)
    return TAG.sub("", re.sub(r"[*_`]", "", text))


def _prose_height(text: str, size: float, line: float, width: float, em: float = TEXT_EM) -> float:
    """Height (px) of ``text`` in ``size`` px type, ``line`` × size per line, ``width`` px wide."""
    cols = max(1, int(width // (em * size)))
    return max(1, math.ceil(len(_plain(text)) / cols)) * size * line


def _table_height(block: str) -> float:
    rows = [r for r in block.splitlines() if r.strip().startswith("|")]
    rows = [r for r in rows if not re.fullmatch(r"[\s|:\-]+", r)]
    size, line = LAYOUT["table_size"], LAYOUT["table_line"]
    height = 0.0
    for row in rows:
        cells = [c for c in row.strip().strip("|").split("|")]
        cols = max(1, int(content_width() / len(cells) // (TEXT_EM * size)))
        lines = max(max(1, math.ceil(len(_plain(c.strip())) / cols)) for c in cells)
        height += lines * size * line + 2 * LAYOUT["table_pad"] + 1
    return height


LIST_ITEM = re.compile(r"^\s*([-*+]|\d+[.)])\s+")


def _segments(block: str) -> list[tuple[str, str]]:
    """``[(kind, text)]`` of a block: ``heading``, ``math`` (``$$`` display), list ``item`` and
    ``para`` runs, in order (a paragraph may run into a list or a formula without a blank line)."""
    segments: list[tuple[str, str]] = []
    in_math = False
    for line in block.splitlines():
        text = line.strip()
        if in_math:
            segments[-1] = ("math", f"{segments[-1][1]}\n{text}")
            in_math = "$$" not in text
        elif text.startswith("$$"):
            segments.append(("math", text))
            in_math = text.count("$$") == 1
        elif re.match(r"^#{1,6}\s", text):
            segments.append(("heading", text))
        elif LIST_ITEM.match(line):
            segments.append(("item", LIST_ITEM.sub("", line)))
        elif segments and segments[-1][0] in ("para", "item"):
            segments[-1] = (segments[-1][0], f"{segments[-1][1]} {text}")
        else:
            segments.append(("para", text))
    return segments


def _segment_height(kind: str, text: str) -> float:
    size, line, width = LAYOUT["text_size"], LAYOUT["text_line"], content_width()
    if kind == "heading":
        hashes, title = text.split(None, 1) if " " in text else (text, "")
        size = LAYOUT[f"h{min(len(hashes), 4)}_size"]
        return _prose_height(title, size, LAYOUT["heading_line"], width, HEADING_EM)
    if kind == "math":
        return (text.count("\\\\") + 1) * LAYOUT["math_row"]
    if kind == "item":
        return _prose_height(text, size, line, width - 40) + 4
    return _prose_height(text, size, line, width)


def block_height(block: str) -> float:
    """Estimated height (px) of one markdown block (:func:`markdown_blocks`), margin included."""
    first, gap = block.lstrip(), LAYOUT["block_gap"]
    if first.startswith(("```", "~~~")):
        return code_height("\n".join(block.strip().splitlines()[1:-1])) + gap
    if first.startswith("|"):
        return _table_height(block) + gap
    height, previous = 0.0, None
    for kind, text in _segments(block):
        if previous is not None and not (previous == kind == "item"):
            height += gap
        height += _segment_height(kind, text)
        previous = kind
    return height + gap


def markdown_height(source: str) -> float:
    """Estimated height (px) of a rendered markdown cell."""
    return sum(block_height(b) for b in markdown_blocks(source))


def _block_units(block: str, room: float) -> tuple[list[str], str]:
    """``(units, head)``: the parts a block taller than ``room`` px may be cut into — a list into
    its lead-in and top-level items, a table into rows (``head``, its header, repeated in the
    notes), a paragraph taller than a whole slide into sentences — or ``[block]``."""
    lines = block.splitlines()
    if block_height(block) <= room or block.lstrip().startswith(("```", "~~~", "$$")):
        return [block], ""
    if block.lstrip().startswith("|") and len(lines) > 3:
        return [*lines[2:]], "\n".join(lines[:2])
    if any(LIST_ITEM.match(line) for line in lines):
        units: list[str] = []
        for line in lines:
            if not units or (LIST_ITEM.match(line) and not line.startswith((" ", "\t"))):
                units.append(line)
            else:
                units[-1] += "\n" + line
        return units, ""
    if not re.match(r"^\s*#", block) and block_height(block) > budget():  # fits on no slide
        return re.split(r"(?<=[.!?:;])\s+", " ".join(block.split())), ""
    return [block], ""


def split_markdown(source: str, room: float) -> tuple[str, str]:
    """``(shown, said)``: the leading blocks (list items, table rows, sentences) of ``source``
    that fit in ``room`` px, at least one, and the rest, for the speaker notes (empty when
    everything fits)."""
    blocks = markdown_blocks(source)
    shown: list[str] = []
    used = 0.0
    for i, block in enumerate(blocks):
        units, head = _block_units(block, room - used)
        kept: list[str] = []
        for unit in units:
            if (shown or kept) and used + block_height("\n".join([head, *kept, unit])) > room:
                break
            kept.append(unit)
        if kept:
            shown.append("\n".join([head, *kept]).strip("\n"))
            used += block_height(shown[-1])
        if len(kept) < len(units):
            said = ["\n".join([head, *units[len(kept):]]).strip("\n"), *blocks[i + 1:]]
            return "\n\n".join(shown), "\n\n".join(said)
    return "\n\n".join(shown), ""


# --- outputs -------------------------------------------------------------------------------------
def image_size(output: dict) -> tuple[int, int] | None:
    """``(width, height)`` in px of an output's PNG or JPEG (from its header), or None."""
    data = output.get("data", {})
    for mime in FIGURE_MIMES:
        if mime in data:
            raw = base64.b64decode(data[mime])
            return _png_size(raw) if mime == "image/png" else _jpeg_size(raw)
    return None


def _png_size(raw: bytes) -> tuple[int, int]:
    if raw[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"expected a PNG signature, got {raw[:8]!r}")
    return struct.unpack(">II", raw[16:24])


def _jpeg_size(raw: bytes) -> tuple[int, int]:
    i = 2
    while i + 9 < len(raw):
        marker, length = raw[i + 1], struct.unpack(">H", raw[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", raw[i + 5:i + 9])
            return width, height
        i += 2 + length
    raise ValueError("expected a JPEG with a frame header, found none")


def output_text(output: dict) -> str | None:
    """The text a text-like output shows (stream, error, ``text/plain`` only), else None."""
    kind = output.get("output_type")
    if kind == "stream":
        return output.get("text", "")
    if kind == "error":
        return "\n".join(output.get("traceback", []))
    data = output.get("data", {})
    if set(data) <= {"text/plain"} and "text/plain" in data:
        return data["text/plain"]
    return None


def html_height(html: str) -> float:
    """Estimated height (px) of an HTML output: a table by its rows, a ``<pre>`` by its lines,
    anything else as prose."""
    body = re.sub(r"<style.*?</style>", "", html, flags=re.DOTALL)
    if "<table" in body:
        rows = body.count("<tr")
        return rows * (LAYOUT["table_size"] * LAYOUT["table_line"] + 2 * LAYOUT["table_pad"] + 1)
    pres = re.findall(r"<pre.*?</pre>", body, flags=re.DOTALL)
    rest = TAG.sub("", re.sub(r"<pre.*?</pre>", "", body, flags=re.DOTALL)).strip()
    height = sum(text_output_height(TAG.sub("", p)) for p in pres)
    if rest:
        height += _prose_height(rest, LAYOUT["text_size"], LAYOUT["text_line"], content_width())
    return height


def trim_text(text: str, room: float) -> str:
    """``text`` cut to its first and last lines with ``… N more lines`` between them, so that
    :func:`text_output_height` of the result is at most ``room`` px; unchanged when it fits."""
    lines = text.rstrip("\n").split("\n")
    cols = mono_cols("out_size", "out_pad")
    rows = [line_rows(line, cols) for line in lines]
    capacity = int((room - 2 * LAYOUT["out_pad"]) // LAYOUT["out_line"])
    if sum(rows) <= capacity:
        return text
    head, tail, used = 0, 0, 1                       # one row for the marker line
    while head + tail < len(lines):
        take_head = head <= tail
        index = head if take_head else len(lines) - 1 - tail
        if used + rows[index] > capacity:
            break
        used += rows[index]
        head, tail = (head + 1, tail) if take_head else (head, tail + 1)
    marker = f"… {len(lines) - head - tail} more lines"
    return "\n".join([*lines[:head], marker, *lines[len(lines) - tail:]]) + "\n"


# --- pieces and pagination -----------------------------------------------------------------------
@dataclass
class Piece:
    """A cell of the deck: its height (px), whether it shows code or a figure, and, for a figure,
    its natural size (scaled when placed)."""

    cell: nbformat.NotebookNode
    height: float
    code: bool = False
    figure: tuple[int, int] | None = None


@dataclass
class Slide:
    """One reveal.js slide of the paginated deck (what :func:`paginate` reports)."""

    heading: str
    height: float = 0.0
    code: bool = False
    figure: bool = False
    cells: list[int] = field(default_factory=list)


def _output_cell(cell: nbformat.NotebookNode, outputs: list) -> nbformat.NotebookNode:
    piece = copy.deepcopy(cell)
    piece.source, piece.outputs = "", outputs
    piece.metadata["transient"] = {"remove_source": True}   # as TagRemovePreprocessor marks it
    return piece


def _merge_streams(outputs: list) -> list:
    merged: list = []
    for out in outputs:
        last = merged[-1] if merged else None
        if (last is not None and out.get("output_type") == "stream" == last.get("output_type")
                and out.get("name") == last.get("name")):
            last["text"] = last["text"] + out["text"]
        else:
            merged.append(copy.deepcopy(out))
    return merged


def _code_chunks(source: str, room: float) -> list[str]:
    """``source`` in runs of whole lines each at most ``room`` px tall, cut at blank lines where a
    cut there keeps at least half a slide of code."""
    lines, chunks, start = source.split("\n"), [], 0
    while start < len(lines):
        end = start + 1
        while end < len(lines) and code_height("\n".join(lines[start:end + 1])) <= room:
            end += 1
        if end < len(lines):
            blanks = [i for i in range(start + 1, end) if not lines[i].strip()]
            if blanks and code_height("\n".join(lines[start:blanks[-1]])) >= room / 2:
                end = blanks[-1] + 1
        chunks.append("\n".join(lines[start:end]).strip("\n"))
        start = end
    return [c for c in chunks if c]


def _output_piece(cell: nbformat.NotebookNode, output: dict, room: float) -> Piece:
    size = image_size(output)
    if size is not None:
        return Piece(_output_cell(cell, [output]), 0.0, figure=size)
    text = output_text(output)
    html = output.get("data", {}).get("text/html")
    if text is None and html is not None and html_height(html) > room \
            and "text/plain" in output.get("data", {}):
        output = copy.deepcopy(output)            # a long listing or summary: its text, trimmed
        output["data"] = {"text/plain": output["data"]["text/plain"]}
        text = output["data"]["text/plain"]
    if text is not None:
        trimmed = trim_text(text, room)
        if trimmed != text:
            output = copy.deepcopy(output)
            if output["output_type"] == "stream":
                output["text"] = trimmed
            elif output["output_type"] == "error":
                output["traceback"] = trimmed.rstrip("\n").split("\n")
            else:
                output["data"]["text/plain"] = trimmed
        return Piece(_output_cell(cell, [output]), text_output_height(trimmed))
    return Piece(_output_cell(cell, [output]), html_height(html or ""))


def cell_pieces(cell: nbformat.NotebookNode) -> list[Piece]:
    """``cell`` cut into deck cells each at most one slide tall (see the module docstring).

    A markdown cell taller than a slide becomes the part that fits and a ``notes`` cell."""
    room = budget()
    if cell.cell_type == "markdown":
        height = markdown_height(cell.source)
        if height <= room:
            return [Piece(cell, height)]
        hint_room = room - LAYOUT["hint_size"] * 1.5 - LAYOUT["block_gap"]
        shown, said = split_markdown(cell.source, hint_room)
        visible = copy.deepcopy(cell)
        visible.source = f"{shown}\n\n{NOTES_HINT}"
        notes = copy.deepcopy(cell)
        notes.source = said
        notes.metadata.setdefault("slideshow", {})["slide_type"] = "notes"
        if "id" in notes:
            notes.id = f"{cell.id}-notes"
        return [Piece(visible, markdown_height(shown) + LAYOUT["hint_size"] * 1.5
                      + LAYOUT["block_gap"]), Piece(notes, 0.0)]
    if cell.cell_type != "code":
        return [Piece(cell, markdown_height(cell.source))]
    removed = cell.metadata.get("transient", {}).get("remove_source", False)
    hidden = removed or not cell.source.strip()
    pieces = []
    if not hidden:
        for chunk in _code_chunks(cell.source, room):
            part = copy.deepcopy(cell)
            part.source, part.outputs = chunk, []
            pieces.append(Piece(part, code_height(chunk), code=True))
    pieces += [_output_piece(cell, out, room) for out in _merge_streams(cell.get("outputs", []))]
    for k, piece in enumerate(pieces[1:], start=1):
        if "id" in piece.cell:
            piece.cell.id = f"{cell.id}-{k}"       # nbformat wants unique ids
    return pieces


def _place_figure(piece: Piece, room: float) -> float:
    """Size ``piece``'s image to the slide width and ``room`` px of height; returns the height."""
    width, height = piece.figure
    scale = min(1.0, content_width() / width, room / height)
    shown_w, shown_h = max(1, int(width * scale)), max(1, int(height * scale))
    for out in piece.cell.outputs:
        for mime in FIGURE_MIMES:
            if mime in out.get("data", {}):
                out.setdefault("metadata", {})[mime] = {
                    **out.get("metadata", {}).get(mime, {}), "width": shown_w, "height": shown_h}
    return shown_h


def _first_heading(source: str) -> str:
    match = re.search(r"^#{1,6}\s+(.*)$", source, flags=re.MULTILINE)
    return match.group(1).strip() if match else ""


def _full_height(piece: Piece, room: float) -> float:
    if piece.figure is None:
        return piece.height
    width, height = piece.figure
    return height * min(1.0, content_width() / width, room / height)


def _fits(piece: Piece, slide: Slide, room: float) -> bool:
    """Can ``piece`` go under what ``slide`` already shows (``room`` px in all)?"""
    if piece.figure is not None and slide.figure:
        return False                                   # one figure per slide
    full, left = _full_height(piece, room), room - slide.height
    return full <= left or (piece.figure is not None and left >= MIN_FIGURE_SCALE * full)


def _place(piece: Piece, slide: Slide, index: int, room: float) -> None:
    """Put ``piece`` (from cell ``index``) on ``slide``, sizing its figure to the room left."""
    height = _place_figure(piece, room - slide.height) if piece.figure else piece.height
    slide.height += height + LAYOUT["cell_gap"]
    slide.cells.append(index)
    slide.code |= piece.code
    slide.figure |= piece.figure is not None


def paginate(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, list[Slide]]:
    """A copy of ``nb`` whose cells fit the slides, and the slides it makes.

    ``nb``'s cells must carry ``metadata.slideshow.slide_type``; cells of type ``skip`` and
    ``notes`` are kept as they are and take no room.
    """
    out = copy.deepcopy(nb)
    cells, slides, room, heading = [], [], budget(), ""
    for index, cell in enumerate(nb.cells):
        kind = cell.metadata.get("slideshow", {}).get("slide_type", "-")
        if kind in ("skip", "notes"):
            cells.append(copy.deepcopy(cell))
            continue
        if cell.cell_type == "markdown":
            heading = _first_heading(cell.source) or heading
        for k, piece in enumerate(cell_pieces(copy.deepcopy(cell))):
            show = piece.cell.metadata.setdefault("slideshow", {})
            if show.get("slide_type") == "notes":
                cells.append(piece.cell)
                continue
            if not slides or (k == 0 and kind in ("slide", "subslide")):
                show["slide_type"] = kind if slides else "slide"
                slides.append(Slide(heading))
            elif not _fits(piece, slides[-1], room):
                show["slide_type"] = "subslide"           # continues on a new sub-slide
                slides.append(Slide(heading))
            else:
                show["slide_type"] = kind if k == 0 else "-"
            _place(piece, slides[-1], index, room)
            cells.append(piece.cell)
    out.cells = cells
    return out, slides
