"""Lecture mode: slide metadata for every notebook, and reveal.js decks that fit and work offline.

    cnn-course slides tag [NOTEBOOK ...] [--check]
    cnn-course slides export [NOTEBOOK ...] [--out build/slides]

``tag`` writes two things into the notebooks and touches nothing else; running it twice changes
nothing. ``--check`` writes nothing and exits 1 if a notebook's metadata differs from what ``tag``
would write.

1. ``cell.metadata.slideshow.slide_type`` (the key JupyterLab's property inspector, RISE and
   nbconvert read), by this rule (:func:`slide_types`), cell by cell:

   =============  =======================================================================
   ``slide``      a markdown cell that starts with a level-1 or level-2 heading (a section)
   ``subslide``   a markdown cell that starts with a level-3+ heading, names an exercise in a
                  heading or introduces an ``exercise``-tagged cell, or follows a code cell
                  (the next step of the argument gets its own vertical slide)
   ``fragment``   a code cell tagged ``solution`` (the answer appears after a pause, with the
                  check cell that follows it), and a code cell that shows a figure directly
                  after the markdown that sets it up (the audience reads the question first)
   ``skip``       the set-up cell: only imports and ``profile = config.setup()``
   ``-``          everything else (continues the current slide or fragment)
   =============  =======================================================================

2. the cell tag ``hide-input`` (:func:`hides_input`) on a code cell whose lesson is its output:
   its stored outputs include a figure (PNG, JPEG, SVG) or rendered HTML (a table, a model
   summary, a source listing), and it is not an ``exercise`` or ``solution`` cell. The deck shows
   only the output; the code stays in the notebook. ``tag`` adds the tag and never removes it: a
   lecturer may tag more cells by hand, and tags a cell ``show-input`` to keep its code on the
   slide.

Both rules read the stored outputs, so tag executed notebooks (the committed ones are).

``export`` renders every notebook with its stored outputs into ``<out>/NN_topic.slides.html``
with nbconvert's reveal.js exporter and the template in ``slides_template/``. Cells without slide
metadata get rule 1 in memory (the notebook file is not changed); ``hide-input`` cells lose their
code; then :mod:`course_utils.tools.slide_layout` fits the deck on 1280×720 slides (long cells
continue on sub-slides, long outputs are trimmed, one figure per slide, long markdown goes to the
speaker notes). ``export`` prints a table per deck: slides, sub-slides, and an estimated lecture
time of :data:`MINUTES_BUSY` minutes per slide that shows code or a figure and
:data:`MINUTES_TEXT` per other slide.

The decks load reveal.js and MathJax from folders next to them (``<out>/reveal.js``,
``<out>/mathjax``), copied from the npm packages ``reveal.js`` and ``mathjax`` (versions below),
which are installed once with ``npm`` into ``build/vendor`` (git-ignored). jQuery, RequireJS,
Mermaid and the ipywidgets HTML manager, which the stock template takes from CDNs, are left out:
the decks work from a USB stick without a network. Saved widget views are dropped from the deck so
their static figure shows (the live sliders need a kernel: present with RISE in ``make lab`` for
that).
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import nbformat

from ..cli import notebook_selection, tool_parser
from . import build_dir
from .slide_layout import LAYOUT, Slide, paginate

VENDOR = build_dir() / "vendor"
DEFAULT_OUT = build_dir() / "slides"
TEMPLATE_DIR = Path(__file__).resolve().parent / "slides_template"
REVEAL_VERSION = "5.2.1"
MATHJAX_VERSION = "3.2.2"
SLIDE_TYPES = ("slide", "subslide", "fragment", "skip", "notes", "-")
HIDE_INPUT, SHOW_INPUT = "hide-input", "show-input"
MINUTES_BUSY, MINUTES_TEXT = 1.5, 1.0
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
FIGURE_MIMES = ("image/png", "image/jpeg", "image/svg+xml", WIDGET_MIME)
RENDERED_MIMES = (*FIGURE_MIMES, "text/html")
HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
NBVAL_MARKER = re.compile(r"^\s*#\s*NBVAL_\w+\s*\n?", re.MULTILINE)
SETUP_LINE = re.compile(r"^(import\s|from\s\S+\s+import\s|\w+\s*=\s*config\.setup\()")


# --- tagging -----------------------------------------------------------------------------------
def headings(markdown: str) -> list[tuple[int, str]]:
    """``[(level, text), ...]`` of the ATX headings (``## Title``) outside fenced code blocks."""
    found, fenced = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            found.append((len(match.group(1)), match.group(2).strip()))
    return found


def _first_line(source: str) -> str:
    return next((line for line in source.splitlines() if line.strip()), "")


def _is_setup(cell: nbformat.NotebookNode) -> bool:
    lines = [
        line.strip()
        for line in cell.source.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    return bool(lines) and all(SETUP_LINE.match(line) for line in lines)


def _shows_figure(cell: nbformat.NotebookNode) -> bool:
    return any(
        mime in out.get("data", {}) for out in cell.get("outputs", []) for mime in FIGURE_MIMES
    )


def _tags(cell: nbformat.NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def slide_type(cells: list[nbformat.NotebookNode], index: int) -> str:
    """The slide type the module's rule gives ``cells[index]`` (see the module docstring)."""
    if not 0 <= index < len(cells):
        raise ValueError(f"expected a cell index in [0, {len(cells)}), got {index}")
    cell = cells[index]
    previous = cells[index - 1] if index > 0 else None
    following = cells[index + 1] if index + 1 < len(cells) else None
    if cell.cell_type == "markdown":
        first = HEADING.match(_first_line(cell.source))
        if first and len(first.group(1)) <= 2:
            return "slide"
        if first:
            return "subslide"
        if any("exercise" in text.lower() for _, text in headings(cell.source)):
            return "subslide"
        if following is not None and "exercise" in _tags(following):
            return "subslide"
        if previous is not None and previous.cell_type == "code":
            return "subslide"
        return "-"
    if cell.cell_type == "code":
        if _is_setup(cell):
            return "skip"
        if "solution" in _tags(cell):
            return "fragment"
        if previous is not None and previous.cell_type == "markdown" and _shows_figure(cell):
            return "fragment"
    return "-"


def slide_types(nb: nbformat.NotebookNode) -> list[str]:
    """One slide type per cell of ``nb`` (values in :data:`SLIDE_TYPES`)."""
    if "cells" not in nb:
        raise ValueError(f"expected a notebook with 'cells', got keys {sorted(nb)}")
    return [slide_type(nb.cells, i) for i in range(len(nb.cells))]


def hides_input(cell: nbformat.NotebookNode) -> bool:
    """Rule 2 of the module docstring: does the deck show only this code cell's output?"""
    if cell.get("cell_type") != "code":
        return False
    if {"exercise", "solution", SHOW_INPUT} & set(_tags(cell)):
        return False
    return any(mime in out.get("data", {}) for out in cell.get("outputs", [])
               for mime in RENDERED_MIMES)


def _set_slide_types(cells: list[dict], kinds: list[str], overwrite: bool) -> int:
    """Write ``kinds`` into ``cells[i]["metadata"]["slideshow"]["slide_type"]``; count changes."""
    changed = 0
    for cell, kind in zip(cells, kinds, strict=True):
        metadata = cell.setdefault("metadata", {})
        if "slideshow" not in metadata:
            metadata["slideshow"] = {}  # a NotebookNode stores a copy: read it back below
        show = metadata["slideshow"]
        if not isinstance(show, dict):
            raise ValueError(f"expected metadata.slideshow to be a dict, got {type(show).__name__}")
        if show.get("slide_type") == kind or (not overwrite and "slide_type" in show):
            continue
        show["slide_type"] = kind
        changed += 1
    return changed


def _add_hide_input(cells: list[dict], hide: list[bool]) -> int:
    """Add the ``hide-input`` tag to ``cells[i]`` where ``hide[i]``; count the cells changed."""
    changed = 0
    for cell, wanted in zip(cells, hide, strict=True):
        tags = cell.setdefault("metadata", {}).get("tags", [])
        if wanted and HIDE_INPUT not in tags:
            cell["metadata"]["tags"] = [*tags, HIDE_INPUT]
            changed += 1
    return changed


def apply_slide_types(nb: nbformat.NotebookNode, overwrite: bool = True) -> int:
    """Set ``metadata.slideshow.slide_type`` on every cell of ``nb`` in place.

    Other keys of ``metadata.slideshow`` (e.g. ``data``) are kept. With ``overwrite=False`` a cell
    that already has a slide type keeps it. Returns the number of cells whose type changed.
    """
    return _set_slide_types(nb.cells, slide_types(nb), overwrite)


def tag_file(path: Path, write: bool = True) -> int:
    """Apply both rules of the module docstring to the notebook at ``path``; returns the number of
    cells whose slide type or tags changed.

    The file is edited as plain JSON and rewritten only if something changed, in nbformat's
    layout (sorted keys, indent 1, UTF-8): nothing but ``metadata.slideshow`` and
    ``metadata.tags`` changes (nbformat's own reader would also add missing cell ids).
    """
    text = path.read_text(encoding="utf-8")
    raw = json.loads(text)
    if raw.get("nbformat") != 4 or not isinstance(raw.get("cells"), list):
        raise ValueError(f"expected a version-4 notebook in {path}, got nbformat "
                         f"{raw.get('nbformat')!r}")
    nb = nbformat.reads(text, as_version=4)
    before = copy.deepcopy(raw["cells"])
    _set_slide_types(raw["cells"], slide_types(nb), overwrite=True)
    _add_hide_input(raw["cells"], [hides_input(cell) for cell in nb.cells])
    changed = sum(a != b for a, b in zip(before, raw["cells"], strict=True))
    if changed and write:
        path.write_text(json.dumps(raw, sort_keys=True, indent=1, ensure_ascii=False) + "\n",
                        encoding="utf-8")
    return changed


def count_slides(kinds: Iterable[str]) -> dict[str, int]:
    """``{"slides": horizontal slides, "subslides": all reveal.js slides, "fragments": n}``.

    ``subslides`` counts what ``Reveal.getTotalSlides()`` reports (every leaf ``<section>``);
    nbconvert makes the first visible cell a slide whatever its type.
    """
    kinds = list(kinds)
    visible = [k for k in kinds if k not in ("skip", "notes")]
    if not visible:
        return {"slides": 0, "subslides": 0, "fragments": 0}
    visible[0] = "slide"
    c = Counter(visible)
    return {
        "slides": c["slide"],
        "subslides": c["slide"] + c["subslide"],
        "fragments": c["fragment"],
    }


def vendor_dir(install: bool = True) -> Path:
    """``build/vendor/node_modules`` with reveal.js and MathJax, installed with npm if missing.

    Raises RuntimeError (with what to do) when they are missing and npm is not available.
    """
    modules = VENDOR / "node_modules"
    wanted = {"reveal.js": REVEAL_VERSION, "mathjax": MATHJAX_VERSION}

    def installed(name: str) -> str | None:
        package = modules / name / "package.json"
        return json.loads(package.read_text())["version"] if package.exists() else None

    missing = [f"{n}@{v}" for n, v in wanted.items() if installed(n) != v]
    if missing and install:
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(
                f"the slides need the npm packages {', '.join(missing)} in {VENDOR}; "
                "npm (Node.js) was not found: install it (Debian: apt-get install npm) and rerun"
            )
        VENDOR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--prefix", str(VENDOR), "--no-save", "--no-package-lock",
             "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error", *missing],
            check=True,
        )
        missing = [f"{n}@{v}" for n, v in wanted.items() if installed(n) != v]
    if missing:
        raise RuntimeError(f"npm did not install {', '.join(missing)} into {VENDOR}")
    return modules


def copy_assets(out: Path, modules: Path | None = None) -> int:
    """Copy what the decks load (reveal.js, its white theme and notes plugin, MathJax's tex-svg
    component and TeX extensions) into ``out``; returns the bytes copied."""
    modules = modules or vendor_dir()
    reveal, mathjax = modules / "reveal.js", modules / "mathjax"
    theme = ("dist", "theme")
    pairs = [
        (reveal / part, out / "reveal.js" / part)
        for part in (Path("dist", "reveal.js"), Path("dist", "reveal.css"),
                     Path(*theme, "white.css"), Path(*theme, "fonts", "source-sans-pro"),
                     Path("plugin", "notes", "notes.js"), Path("LICENSE"))
    ] + [
        (mathjax / "es5" / part, out / "mathjax" / part)
        for part in (Path("tex-svg.js"), Path("input", "tex", "extensions"))
    ] + [(mathjax / "LICENSE", out / "mathjax" / "LICENSE")]
    size = 0
    for src, dst in pairs:
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
            size += sum(f.stat().st_size for f in dst.rglob("*") if f.is_file())
        else:
            shutil.copy2(src, dst)
            size += dst.stat().st_size
    return size


# --- export ------------------------------------------------------------------------------------
def deck_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` ready for the deck, before pagination: missing slide types filled in by
    the rule, the test-only ``# NBVAL_...`` marker lines dropped from the code, the code of
    ``hide-input`` cells removed (nbconvert's ``TagRemovePreprocessor``), saved widget views and
    widget state removed (the static figure beside them shows instead)."""
    from nbconvert.preprocessors import TagRemovePreprocessor

    nb = copy.deepcopy(nb)
    apply_slide_types(nb, overwrite=False)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = NBVAL_MARKER.sub("", cell.source)
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_MIME in data and len(data) > 1:
                del data[WIDGET_MIME]
    hide = TagRemovePreprocessor(remove_input_tags={HIDE_INPUT}, enabled=True)
    nb, _ = hide.preprocess(nb, {})
    return nb


def fitted_deck(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, list[Slide]]:
    """:func:`deck_notebook` of ``nb`` paginated onto the slides, and those slides."""
    return paginate(deck_notebook(nb))


def export_deck(nb: nbformat.NotebookNode, name: str) -> str:
    """The reveal.js HTML of ``nb`` as :func:`fitted_deck` lays it out; assets are referenced
    relatively."""
    return render_deck(fitted_deck(nb)[0], name)


def render_deck(deck: nbformat.NotebookNode, name: str) -> str:
    """The reveal.js HTML of an already fitted ``deck`` notebook."""
    from jinja2 import FileSystemLoader
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(
        extra_loaders=[FileSystemLoader(str(TEMPLATE_DIR))],
        template_file="course_slides.html.j2",
        reveal_url_prefix="reveal.js",
        reveal_theme="white",
        reveal_transition="none",
        reveal_number="c/t",
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    resources = {"metadata": {"name": name}, "layout": dict(LAYOUT)}
    html, _ = exporter.from_notebook_node(deck, resources=resources)
    return html


def lecture_minutes(slides: Iterable[Slide]) -> float:
    """Estimated speaking time: :data:`MINUTES_BUSY` per slide with code or a figure,
    :data:`MINUTES_TEXT` per other slide."""
    return sum(MINUTES_BUSY if s.code or s.figure else MINUTES_TEXT for s in slides)


def export(sources: list[Path], out: Path) -> dict[str, dict[str, float]]:
    """Write ``<out>/<stem>.slides.html`` for each notebook and the assets.

    Returns ``{file name: {"slides", "subslides", "fragments", "minutes"}}`` (:func:`count_slides`
    of the fitted deck and :func:`lecture_minutes`).
    """
    out.mkdir(parents=True, exist_ok=True)
    copy_assets(out)
    result = {}
    for source in sources:
        deck, slides = fitted_deck(nbformat.read(source, as_version=4))
        target = out / f"{source.stem}.slides.html"
        target.write_text(render_deck(deck, source.stem), encoding="utf-8")
        kinds = (c.metadata["slideshow"]["slide_type"] for c in deck.cells)
        result[target.name] = {**count_slides(kinds), "minutes": lecture_minutes(slides)}
    return result


def lecture_table(results: dict[str, dict[str, float]]) -> str:
    """The table ``export`` prints: one row per deck and a total row."""
    rows = [f"{'deck':<40} {'slides':>6} {'with sub-slides':>15} {'minutes':>8}"]
    for name, c in results.items():
        rows.append(f"{name:<40} {c['slides']:>6} {c['subslides']:>15} {c['minutes']:>8.1f}")
    total = {k: sum(c[k] for c in results.values()) for k in ("slides", "subslides", "minutes")}
    rows.append(f"{'total':<40} {total['slides']:>6} {total['subslides']:>15} "
                f"{total['minutes']:>8.1f}")
    rows.append(f"(minutes: {MINUTES_BUSY} per slide with code or a figure, {MINUTES_TEXT} per "
                "other slide)")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """``cnn-course slides tag|export [NOTEBOOK ...]``; returns the exit status."""
    parser = tool_parser("slides", __doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    tag = sub.add_parser("tag", help="write slide metadata and hide-input tags into the notebooks")
    tag.add_argument("notebooks", nargs="*", help="numbers (03, 05b) or paths; default: all")
    tag.add_argument("--check", action="store_true", help="write nothing; exit 1 if out of date")
    exp = sub.add_parser("export", help="reveal.js decks with outputs, for offline use")
    exp.add_argument("notebooks", nargs="*", help="numbers (03, 05b) or paths; default: all")
    exp.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    sources = notebook_selection(parser, args.notebooks)
    if args.command == "tag":
        return tag_command(sources, check=args.check)
    try:
        results = export(sources, args.out)
    except (RuntimeError, subprocess.CalledProcessError) as err:
        print(f"slides: {err}", file=sys.stderr)
        return 2
    print(lecture_table(results))
    return 0


def tag_command(sources: list[Path], check: bool) -> int:
    """``tag`` (``check=False``) or ``tag --check``: one line per notebook; 1 if stale in check."""
    stale = 0
    for path in sources:
        changed = tag_file(path, write=not check)
        stale += bool(changed)
        counts = count_slides(slide_types(nbformat.read(path, as_version=4)))
        verb = "cells out of date" if check else "cells changed"
        print(f"{path.name}: {changed} {verb}; {counts['slides']} slides, "
              f"{counts['subslides']} with sub-slides, {counts['fragments']} fragments")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
