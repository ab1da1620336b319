"""Execute the course notebooks headlessly, render them to HTML and print a summary table.

    python scripts/run_notebooks.py                      # every notebooks/NN_*.ipynb, in order
    python scripts/run_notebooks.py notebooks/02_*.ipynb  # some of them
    python scripts/run_notebooks.py --inplace ...         # also store the outputs in the notebook

The profile is ``COURSE_PROFILE`` (``make run`` sets ``quick``). Each notebook runs in a fresh
``cnn-course`` kernel with ``notebooks/`` as working directory. The table gives, per notebook, the
seconds it took, its status and the data sources its loaders used; ``build/timings.csv`` keeps the
same table. Exit status 1 (with the notebook and cell) if any notebook fails.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parent.parent
KERNEL = "cnn-course"


def short_sources(log: Path) -> str:
    """``MNIST: bundled, photo astronaut: skimage`` from the loaders' source log."""
    if not log.exists():
        return "-"
    seen: dict[str, str] = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        name, _, source = line.partition(": ")
        how = re.search(r"\((cache|download|Debian[^)]*)\)", source)
        seen[name] = source.split()[0] + (f" ({how.group(1).split()[0]})" if how else "")
    return ", ".join(f"{k}: {v}" for k, v in seen.items()) or "-"


def failing_cell(nb: nbformat.NotebookNode) -> str:
    """Index and first line of the first cell whose output is an error."""
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                first = cell.source.splitlines()[0] if cell.source else ""
                return f"cell {i} ({first[:60]!r}): {out.get('ename')}: {out.get('evalue')}"
    return "unknown cell"


def run_one(path: Path, inplace: bool, html_dir: Path) -> dict[str, str]:
    """Execute ``path``; returns a table row {notebook, seconds, status, sources}."""
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "sources.log"
        os.environ["COURSE_SOURCE_LOG"] = str(log)
        client = NotebookClient(
            nb, timeout=900, kernel_name=KERNEL, resources={"metadata": {"path": str(path.parent)}}
        )
        start = time.perf_counter()
        try:
            client.execute()
            status = "ok"
        except CellExecutionError:
            status = "FAILED " + failing_cell(nb)
        finally:
            os.environ.pop("COURSE_SOURCE_LOG")
        seconds = time.perf_counter() - start
        sources = short_sources(log)
    if inplace and status == "ok":
        nbformat.write(nb, path)
    html_dir.mkdir(parents=True, exist_ok=True)
    body, _ = HTMLExporter().from_notebook_node(nb)
    (html_dir / (path.stem + ".html")).write_text(body, encoding="utf-8")
    return {"notebook": path.name, "seconds": f"{seconds:.1f}", "status": status,
            "sources": sources}


def print_table(rows: list[dict[str, str]]) -> None:
    width = max(len(r["notebook"]) for r in rows)
    print(f"\n{'notebook':<{width}}  {'seconds':>7}  status  data sources")
    for r in rows:
        print(f"{r['notebook']:<{width}}  {r['seconds']:>7}  {r['status']}  {r['sources']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--inplace", action="store_true", help="store outputs in the notebooks")
    parser.add_argument("--html-dir", type=Path, default=ROOT / "build" / "html")
    args = parser.parse_args(argv)
    paths = sorted(args.notebooks or (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        print("no notebooks found", file=sys.stderr)
        return 1
    print(f"profile: {os.environ.get('COURSE_PROFILE', 'full')}, {len(paths)} notebook(s)")
    rows = []
    for path in paths:
        rows.append(run_one(path.resolve(), args.inplace, args.html_dir))
        print(f"  {rows[-1]['notebook']}: {rows[-1]['status']} in {rows[-1]['seconds']} s",
              flush=True)
    print_table(rows)
    timings = args.html_dir.parent / "timings.csv"
    with open(timings, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    failed = [r for r in rows if r["status"] != "ok"]
    for r in failed:
        print(f"FAILED: {r['notebook']}: {r['status']}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
