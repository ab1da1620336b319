"""Lecture mode: slide metadata for every notebook, and reveal.js decks that work offline.

    python scripts/slides.py tag [notebooks/NN_x.ipynb ...] [--check]
    python scripts/slides.py export [notebooks/NN_x.ipynb ...] [--out build/slides]

``tag`` writes ``cell.metadata.slideshow.slide_type`` (the key JupyterLab's property inspector,
RISE and nbconvert read) on every cell and touches nothing else; running it twice changes nothing.
``--check`` writes nothing and exits 1 if a notebook's metadata differs from what ``tag`` would
write. The rule (:func:`slide_types`), cell by cell:

=============  ==========================================================================
``slide``      a markdown cell that starts with a level-1 or level-2 heading (a section)
``subslide``   a markdown cell that starts with a level-3+ heading, names an exercise in a
               heading or introduces an ``exercise``-tagged cell, or follows a code cell
               (the next step of the argument gets its own vertical slide)
``fragment``   a code cell tagged ``solution`` (the answer appears after a pause, with the
               check cell that follows it), and a code cell that shows a figure directly
               after the markdown that sets it up (the audience reads the question first)
``skip``       the set-up cell: only imports and ``profile = config.setup()``
``-``          everything else (continues the current slide or fragment)
=============  ==========================================================================

The figure rule reads the stored outputs, so tag executed notebooks (the committed ones are).

``export`` renders every notebook with its stored outputs into ``<out>/NN_topic.slides.html``
with nbconvert's reveal.js template. Cells without slide metadata get the rule above in memory
(the notebook file is not changed). The decks load reveal.js and MathJax from folders next to
them (``<out>/reveal.js``, ``<out>/mathjax``), copied from the npm packages ``reveal.js`` and
``mathjax`` (versions below), which are installed once with ``npm`` into ``build/vendor``
(git-ignored). jQuery, RequireJS, Mermaid and the ipywidgets HTML manager, which the stock
template takes from CDNs, are left out: the decks work from a USB stick without a network.
Saved widget views are dropped from the deck so their static figure shows (the live sliders
need a kernel: present with RISE in ``make lab`` for that).
"""

from __future__ import annotations

import argparse
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

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "build" / "vendor"
DEFAULT_OUT = ROOT / "build" / "slides"
REVEAL_VERSION = "5.2.1"
MATHJAX_VERSION = "3.2.2"
SLIDE_TYPES = ("slide", "subslide", "fragment", "skip", "notes", "-")
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
FIGURE_MIMES = ("image/png", "image/jpeg", "image/svg+xml", WIDGET_MIME)
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


def apply_slide_types(nb: nbformat.NotebookNode, overwrite: bool = True) -> int:
    """Set ``metadata.slideshow.slide_type`` on every cell of ``nb`` in place.

    Other keys of ``metadata.slideshow`` (e.g. ``data``) are kept. With ``overwrite=False`` a cell
    that already has a slide type keeps it. Returns the number of cells whose type changed.
    """
    return _set_slide_types(nb.cells, slide_types(nb), overwrite)


def tag_file(path: Path, write: bool = True) -> int:
    """Apply :func:`apply_slide_types` to the notebook at ``path``; returns the changed cells.

    The file is edited as plain JSON and rewritten only if a slide type changed, in nbformat's
    layout (sorted keys, indent 1, UTF-8): nothing but ``metadata.slideshow`` changes (nbformat's
    own reader would also add missing cell ids).
    """
    text = path.read_text(encoding="utf-8")
    raw = json.loads(text)
    if raw.get("nbformat") != 4 or not isinstance(raw.get("cells"), list):
        raise ValueError(f"expected a version-4 notebook in {path}, got nbformat "
                         f"{raw.get('nbformat')!r}")
    kinds = slide_types(nbformat.reads(text, as_version=4))
    changed = _set_slide_types(raw["cells"], kinds, overwrite=True)
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


# --- export ------------------------------------------------------------------------------------
TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{# The stock reveal template minus every CDN: reveal.js and MathJax from folders next to the deck,
   no jQuery, RequireJS, Mermaid or widget manager. #}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_css -%}
<style type="text/css">
/* Wide text outputs (layer tables) scroll sideways instead of wrapping; figures fit the slide. */
.reveal .jp-OutputArea-output pre { white-space: pre; overflow-x: auto; font-size: 14px;
                                    line-height: 1.3; }
.reveal .jp-RenderedImage img { max-width: 100%; height: auto; }
</style>
{%- endblock html_head_css -%}
{%- block html_head_js_mathjax -%}
<script>
window.MathJax = {
  tex: {inlineMath: [['$', '$'], ['\\(', '\\)']], displayMath: [['$$', '$$'], ['\\[', '\\]']],
        processEscapes: true, processEnvironments: true},
  options: {enableMenu: false, ignoreHtmlClass: 'tex2jax_ignore',
            processHtmlClass: 'tex2jax_process'},
  svg: {fontCache: 'global'}
};
</script>
<script src="mathjax/tex-svg.js" id="MathJax-script" async></script>
{%- endblock html_head_js_mathjax -%}
{% block footer_js %}
<script src="{{ resources.reveal.url_prefix }}/dist/reveal.js"></script>
<script src="{{ resources.reveal.url_prefix }}/plugin/notes/notes.js"></script>
<script>
Reveal.initialize({
  controls: true, progress: true, history: true, center: false,
  transition: "{{ resources.reveal.transition }}", slideNumber: "{{ resources.reveal.number }}",
  width: {{ resources.reveal.width }}, height: {{ resources.reveal.height }},
  plugins: [RevealNotes]
});
// A slide taller than the screen scrolls inside itself instead of running off the bottom.
function scrollLongSlide() {
  var slide = Reveal.getCurrentSlide(), height = Reveal.getConfig().height;
  if (slide && slide.scrollHeight > height) {
    slide.style.height = height + 'px';
    slide.style.overflowY = 'auto';
  }
}
Reveal.on('ready', scrollLongSlide);
Reveal.on('slidechanged', scrollLongSlide);
</script>
{% endblock footer_js %}
"""


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


def deck_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` ready for the deck: missing slide types filled in by the rule, the
    test-only ``# NBVAL_...`` marker lines dropped from the code, saved widget views and widget
    state removed (the static figure beside them shows instead)."""
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
    return nb


def export_deck(nb: nbformat.NotebookNode, name: str) -> str:
    """The reveal.js HTML of ``nb`` (with its outputs); assets are referenced relatively."""
    from jinja2 import DictLoader
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(
        extra_loaders=[DictLoader({"course_slides.html.j2": TEMPLATE})],
        template_file="course_slides.html.j2",
        reveal_url_prefix="reveal.js",
        reveal_theme="white",
        reveal_transition="none",
        reveal_number="c/t",
        reveal_width="1100",
        reveal_height="780",
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    html, _ = exporter.from_notebook_node(deck_notebook(nb), resources={"metadata": {"name": name}})
    return html


def export(sources: list[Path], out: Path) -> dict[str, dict[str, int]]:
    """Write ``<out>/<stem>.slides.html`` for each notebook and the assets; returns counts."""
    out.mkdir(parents=True, exist_ok=True)
    copy_assets(out)
    result = {}
    for source in sources:
        nb = nbformat.read(source, as_version=4)
        target = out / f"{source.stem}.slides.html"
        target.write_text(export_deck(nb, source.stem), encoding="utf-8")
        cells = deck_notebook(nb).cells
        result[target.name] = count_slides(c.metadata["slideshow"]["slide_type"] for c in cells)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    tag = sub.add_parser("tag", help="write slide metadata into the notebooks")
    tag.add_argument("notebooks", nargs="*", type=Path)
    tag.add_argument("--check", action="store_true", help="write nothing; exit 1 if out of date")
    exp = sub.add_parser("export", help="reveal.js decks with outputs, for offline use")
    exp.add_argument("notebooks", nargs="*", type=Path)
    exp.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    sources = sorted(args.notebooks or (ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
    if args.command == "tag":
        stale = 0
        for path in sources:
            changed = tag_file(path, write=not args.check)
            stale += bool(changed)
            counts = count_slides(slide_types(nbformat.read(path, as_version=4)))
            verb = "cells out of date" if args.check else "cells changed"
            print(f"{path.name}: {changed} {verb}; {counts['slides']} slides, "
                  f"{counts['subslides']} with sub-slides, {counts['fragments']} fragments")
        return 1 if args.check and stale else 0
    try:
        results = export(sources, args.out)
    except (RuntimeError, subprocess.CalledProcessError) as err:
        print(f"slides: {err}", file=sys.stderr)
        return 2
    for name, counts in results.items():
        print(f"{args.out.name}/{name}: {counts['slides']} slides, "
              f"{counts['subslides']} in all with sub-slides, {counts['fragments']} fragments")
    return 0


if __name__ == "__main__":
    sys.exit(main())
