"""The course's tools, one module each, run as ``cnn-course <tool>`` (:mod:`course_utils.cli`).

Every tool module has ``main(argv: list[str] | None = None) -> int``. They find the course's
files through this module: in a clone, the repository's ``notebooks/`` and ``build/``; in an
installed wheel, the lecture edition shipped inside the package (``course_utils/_notebooks``) and
``build/`` under the working directory.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
NOTEBOOK_GLOB = "[0-9][0-9]*_*.ipynb"


def clone_root() -> Path | None:
    """The repository folder when the package runs from a clone (editable install), else None."""
    root = PACKAGE.parent
    return root if (root / "pyproject.toml").is_file() and (root / "notebooks").is_dir() else None


def notebooks_dir() -> Path:
    """``notebooks/`` of the clone, else the notebooks shipped in the wheel."""
    root = clone_root()
    return root / "notebooks" if root else PACKAGE / "_notebooks"


def build_dir() -> Path:
    """Where tools write their results: ``build/`` of the clone, else of the working folder."""
    return (clone_root() or Path.cwd()) / "build"


def course_notebooks(selection: list[str] | None = None) -> list[Path]:
    """The lecture notebooks, in order: all of them, or those named by ``selection``.

    An item of ``selection`` is a path to a notebook or a notebook number/prefix (``"03"``,
    ``"05b"``, ``"05b_training_recipe"``). Raises ValueError naming an item that matches nothing.
    """
    everything = sorted(notebooks_dir().glob(NOTEBOOK_GLOB))
    if not selection:
        return everything
    chosen = []
    for item in selection:
        path = Path(item)
        if path.suffix == ".ipynb" and path.is_file():
            chosen.append(path)
            continue
        matches = [p for p in everything if p.stem.split("_")[0] == item or p.stem == item
                   or p.name == item]
        if not matches:
            known = ", ".join(p.stem.split("_")[0] for p in everything)
            raise ValueError(f"no course notebook {item!r}: expected a path to an .ipynb file or "
                             f"one of {known}")
        chosen.extend(matches)
    return chosen
