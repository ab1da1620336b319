"""Write the student edition of the notebooks: `solution` cells removed, outputs cleared.

The edition has no outputs, no execution counts and no saved widget state (the notebook metadata
``widgets`` of an executed instructor notebook: sliders are rebuilt when the student runs the cell).

    cnn-course student [--out student] [NOTEBOOK ...]

A student's own changes are never overwritten: ``<out>/.generated.json`` records the SHA-256 of
every file this script wrote, and a file whose content no longer matches is kept (delete it to get
a fresh copy).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearOutputPreprocessor, TagRemovePreprocessor

from ..cli import notebook_selection, tool_parser
from . import build_dir

MANIFEST = ".generated.json"


def student_edition(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` without cells tagged ``solution``, outputs, execution counts and widget state."""
    remove = TagRemovePreprocessor(remove_cell_tags={"solution"}, enabled=True)
    nb, _ = remove.preprocess(nb, {})
    nb, _ = ClearOutputPreprocessor().preprocess(nb, {})
    nb.metadata.pop("widgets", None)
    return nb


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_student_editions(sources: list[Path], out: Path) -> dict[str, str]:
    """Write the student edition of each notebook in ``sources`` into ``out``.

    Returns ``{file name: "written" | "kept (changed by you)"}``.
    """
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    result = {}
    for source in sources:
        target = out / source.name
        if target.exists() and digest(target.read_text(encoding="utf-8")) != manifest.get(
            source.name
        ):
            result[source.name] = "kept (changed by you)"
            continue
        text = nbformat.writes(student_edition(nbformat.read(source, as_version=4)))
        target.write_text(text, encoding="utf-8")
        manifest[source.name] = digest(text)
        result[source.name] = "written"
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser("student", __doc__)
    parser.add_argument("notebooks", nargs="*", help="numbers (03, 05b) or paths; default: all")
    parser.add_argument("--out", type=Path, default=build_dir().parent / "student")
    args = parser.parse_args(argv)
    sources = notebook_selection(parser, args.notebooks)
    for name, status in write_student_editions(sources, args.out).items():
        print(f"{args.out.name}/{name}: {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
