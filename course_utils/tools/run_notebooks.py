"""Execute the course notebooks headlessly, render them to HTML and print a summary table.

    cnn-course run                       # every notebooks/NN_*.ipynb, in order
    cnn-course run 02 05b                # some of them (numbers or paths)
    cnn-course execute ...               # also store the outputs in the notebooks

The profile is ``COURSE_PROFILE`` (``make run`` sets ``quick``). Each notebook runs in a fresh
``cnn-course`` kernel with ``notebooks/`` as working directory. The table gives, per notebook, the
seconds it took, its status and the data sources its loaders used; ``build/timings.csv`` keeps the
same table. Exit status 1 (with the notebook and cell) if any notebook fails.

The terminal shows the progress lines and the table and nothing else: each kernel's own stdout and
stderr (the "[IPKernelApp] WARNING | Kernel is running over TCP" line, TensorFlow's C++ start-up
lines) go to a log file, ``TF_CPP_MIN_LOG_LEVEL=3`` is set for the kernel and Jupyter's own
logging is limited to errors. When a notebook fails, its cell, error and traceback are printed
after the table (and the kernel log's last lines if the kernel died).
"""

from __future__ import annotations

import csv
import logging
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

from ..cli import notebook_selection, tool_parser
from . import build_dir

KERNEL = "cnn-course"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


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


def failure_report(nb: nbformat.NotebookNode, kernel_log: str) -> str:
    """The failing cell's source, error and traceback (ANSI colours removed), else the kernel
    log's last lines (a kernel that died leaves no error output)."""
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                trace = ANSI.sub("", "\n".join(out.get("traceback", [])))
                return f"cell {i}:\n{cell.source}\n---\n{trace}"
    tail = "\n".join(kernel_log.strip().splitlines()[-20:])
    return f"no cell error recorded; kernel log:\n{tail}" if tail else "no cell error recorded"


def run_one(path: Path, inplace: bool, html_dir: Path, cell_timeout: int = 900
            ) -> dict[str, str]:
    """Execute ``path``, each cell within ``cell_timeout`` seconds; returns a table row
    {notebook, seconds, status, sources, report} (``report``: the failing cell and traceback,
    empty when the notebook ran)."""
    nb = nbformat.read(path, as_version=4)
    report = ""
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "sources.log"
        kernel_log = Path(tmp) / "kernel.log"
        env = {**os.environ, "COURSE_SOURCE_LOG": str(log), "TF_CPP_MIN_LOG_LEVEL": "3"}
        client = NotebookClient(nb, timeout=cell_timeout, kernel_name=KERNEL,
                                resources={"metadata": {"path": str(path.parent)}})
        start = time.perf_counter()
        with open(kernel_log, "wb") as klog:
            try:
                client.execute(env=env, stdout=klog, stderr=klog)
                status = "ok"
            except Exception as exc:  # noqa: BLE001 - a failed notebook is a row, not a crash
                status = "FAILED " + (failing_cell(nb) if isinstance(exc, CellExecutionError)
                                      else f"{type(exc).__name__}: {str(exc)[:200]}")
        if status != "ok":
            report = failure_report(nb, kernel_log.read_text(errors="replace"))
        seconds = time.perf_counter() - start
        sources = short_sources(log)
    if inplace and status == "ok":
        nbformat.write(nb, path)
    html_dir.mkdir(parents=True, exist_ok=True)
    body, _ = HTMLExporter().from_notebook_node(nb)
    (html_dir / (path.stem + ".html")).write_text(body, encoding="utf-8")
    return {"notebook": path.name, "seconds": f"{seconds:.1f}", "status": status,
            "sources": sources, "report": report}


def print_table(rows: list[dict[str, str]]) -> None:
    width = max(len(r["notebook"]) for r in rows)
    print(f"\n{'notebook':<{width}}  {'seconds':>7}  status  data sources")
    for r in rows:
        print(f"{r['notebook']:<{width}}  {r['seconds']:>7}  {r['status']}  {r['sources']}")


def main(argv: list[str] | None = None) -> int:
    """``cnn-course run [NOTEBOOK ...] [--html-dir DIR]``: execute, render, print the table."""
    parser = tool_parser("run", __doc__)
    parser.add_argument("notebooks", nargs="*", help="numbers (03, 05b) or paths; default: all")
    parser.add_argument("--html-dir", type=Path, default=build_dir() / "html")
    args = parser.parse_args(argv)
    return run_all(notebook_selection(parser, args.notebooks), False, args.html_dir)


def run_all(paths: list[Path], inplace: bool, html_dir: Path, cell_timeout: int = 900) -> int:
    """Run ``paths`` one after another, print the table, write ``timings.csv`` beside
    ``html_dir``; exit status 1 (with each failing notebook's report) if any failed."""
    for name in ("traitlets", "nbclient", "jupyter_client"):
        logging.getLogger(name).setLevel(logging.ERROR)
    print(f"profile: {os.environ.get('COURSE_PROFILE', 'full')}, {len(paths)} notebook(s)")
    rows = []
    for path in paths:
        rows.append(run_one(path.resolve(), inplace, html_dir, cell_timeout))
        print(f"  {rows[-1]['notebook']}: {rows[-1]['status']} in {rows[-1]['seconds']} s",
              flush=True)
    print_table(rows)
    timings = html_dir.parent / "timings.csv"
    with open(timings, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=[k for k in rows[0] if k != "report"],
                                extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    failed = [r for r in rows if r["status"] != "ok"]
    for r in failed:
        print(f"\nFAILED: {r['notebook']}: {r['status']}\n{r['report']}", file=sys.stderr)
    return 1 if failed else 0


def execute(argv: list[str] | None = None) -> int:
    """``cnn-course execute [NOTEBOOK ...] [--profile P] [--cifar ZIP] [--mnist DIR]``: run the
    notebooks and store their outputs in place — by default the lecture edition (``full``).

    With ``--cifar``/``--mnist`` the data are served where Keras' download would be (see
    :mod:`course_utils.tools.full_profile`), for machines that cannot reach it.
    """
    from ..cli import existing_dir, existing_path

    parser = tool_parser("execute", execute.__doc__)
    parser.add_argument("notebooks", nargs="*", help="numbers (03, 05b) or paths; default: all")
    parser.add_argument("--profile", choices=("full", "quick"), default="full",
                        help="full: the lecture edition (default); quick: CI's smoke run")
    parser.add_argument("--cifar", type=existing_path, help="CIFAR-10 archive to serve (full)")
    parser.add_argument("--mnist", type=existing_dir, help="MNIST IDX folder to serve (full)")
    args = parser.parse_args(argv)
    paths = notebook_selection(parser, args.notebooks)
    if args.cifar or args.mnist:
        if args.profile != "full":
            parser.error("--cifar/--mnist serve full-size data: use them with --profile full")
        from . import full_profile

        served = [f"--{k}={v}" for k, v in (("cifar", args.cifar), ("mnist", args.mnist)) if v]
        return full_profile.main([*served, "--inplace", "--notebooks", *map(str, paths)])
    os.environ["COURSE_PROFILE"] = args.profile
    return run_all(paths, True, build_dir() / "html", 3600 if args.profile == "full" else 900)


if __name__ == "__main__":
    sys.exit(main())
