"""Grading a class: sandboxed runs, verdicts decided outside the student's process, in parallel.

``cnn-course grade SUBMISSIONS`` (:func:`main`). One job per module:

- :mod:`.staging` reads ``SUBMISSIONS/<student>/<NN_topic>.ipynb`` without following links into
  a private staging folder (rejected files and duplicates recorded);
- :mod:`.assembly` builds the notebook to run: the student edition, the student's exercise cells,
  a grader cell in place of each check cell;
- :mod:`.judging` draws each exercise's cases, writes its grader cell and judges the outcomes;
- :mod:`.emit` is what a grader cell runs inside the student's kernel (the probe, to JSON);
- :mod:`.sandbox` is the bubblewrap command; :mod:`.runner` executes the notebook inside it;
  :mod:`.running` starts it, bounds it in time and reads back what it wrote;
- :mod:`.task` grades one notebook; :mod:`.pool` many at once (threads or Dask);
- :mod:`.reports` writes ``grades.csv`` and ``grades.html``; :mod:`.records` the rows;
- :mod:`.cli` the command line.
"""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """``cnn-course grade`` (see :mod:`course_utils.grading.cli`)."""
    from .cli import main as cli_main

    return cli_main(argv)
