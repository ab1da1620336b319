"""Execute one assembled notebook inside the sandbox and write ``run.json`` — nothing else.

    python -m course_utils.grading.runner NOTEBOOK OUT_DIR TIMEOUT

The kernel and this client both run inside the sandbox and talk over its own loopback. Cells run
in order with errors allowed, all within ``TIMEOUT`` seconds. Outputs are *not* kept: only the
first error of each cell (name and message cut to :data:`MAX_ERROR` characters), so that no
amount of printed output grows this process. ``run.json`` = ``{"status": "ok" | "timeout" |
"kernel died" | "run failed", "cell": index or null, "detail": text, "errors": {index: [ename,
evalue]}}``. The student's code can rewrite it: the grader uses it for hints only, never for a
verdict.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

MAX_ERROR = 300  # characters kept of an error's name and message
KERNEL = "python3"  # the kernel of this interpreter (the sandbox's virtual environment)


class QuietClient(NotebookClient):
    """A client that keeps no outputs, only each cell's first error (bounded)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.errors: dict[int, list[str]] = {}

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> None:
        if msg.get("msg_type") == "error" and cell_index not in self.errors:
            content = msg.get("content", {})
            self.errors[cell_index] = [str(content.get("ename", ""))[:MAX_ERROR],
                                       str(content.get("evalue", ""))[:MAX_ERROR]]
        return None

    def handle_comm_msg(self, outs: list, msg: dict, cell_index: int) -> None:
        return None  # widgets keep state per comm: not needed to grade


def execute(nb: nbformat.NotebookNode, timeout: float) -> dict:
    """Run every cell of ``nb`` (errors allowed) within ``timeout`` seconds in total."""
    client = QuietClient(nb, kernel_name=KERNEL, allow_errors=True, shutdown_kernel="immediate",
                         resources={"metadata": {"path": os.getcwd()}})
    status: dict[str, Any] = {"status": "ok", "cell": None, "detail": ""}
    current = None
    try:
        with client.setup_kernel():
            deadline = time.monotonic() + timeout
            client.timeout_func = lambda cell: max(1, int(deadline - time.monotonic()))
            for current, cell in enumerate(nb.cells):
                cell.outputs = []
                client.execute_cell(cell, current)
    except CellTimeoutError:
        status = {"status": "timeout", "cell": current,
                  "detail": f"ran past the {timeout:g} s limit"}
    except DeadKernelError as exc:
        status = {"status": "kernel died", "cell": current, "detail": str(exc)[:MAX_ERROR]}
    except Exception as exc:  # noqa: BLE001 - any failure of the run is recorded, not raised
        status = {"status": "run failed", "cell": current,
                  "detail": f"{type(exc).__name__}: {str(exc)[:MAX_ERROR]}"}
    status["errors"] = client.errors
    return status


def main(argv: list[str] | None = None) -> int:
    """``NOTEBOOK OUT_DIR TIMEOUT``: execute and write ``OUT_DIR/run.json``."""
    source, out, timeout = sys.argv[1:] if argv is None else argv
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    status = execute(nbformat.read(source, as_version=4), float(timeout))
    fd = os.open(os.path.join(out, "run.json"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC
                 | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(status, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
