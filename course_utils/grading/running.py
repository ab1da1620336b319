"""Run one assembled notebook in its sandbox and bring back what it wrote, bounded.

A run gets a fresh private folder: ``in/`` (the assembled notebook and the submitted file,
read-only inside) and ``out/`` (read-only inside but for its empty output files ``run.json`` and
``answers-<k>.json``, the only things the sandbox can write that outlive it). The grader waits
at most ``timeout + STARTUP_MARGIN`` seconds, then kills the sandbox's whole process group
(bwrap is the init of the run's PID namespace: every process of the run dies with it). What the
sandbox wrote is read back with ``O_NOFOLLOW``, as regular files only, each within a size
limit, parsed as JSON; then the folder is deleted.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from .emit import OUT_VARIABLE, answers_name
from .sandbox import Limits, command
from .staging import Rejected, read_regular

STARTUP_MARGIN = 120  # seconds on top of the notebook's time limit (sandbox, kernel start)
MAX_STATUS = 256 * 2**10  # bytes of run.json read back
# bytes of one exercise's answer file read back: room for the largest answer on the grading
# profile, exercise 0.1's 4,000 digits (16.7 MB encoded as float32, 33 MB as float64)
MAX_ANSWERS = 64 * 2**20
LOG_TAIL = 2000  # bytes of the sandbox's stderr kept to explain a failed start


@dataclass
class Outcome:
    """What one run left: the runner's status and {k: parsed answer file}."""

    status: dict = field(default_factory=dict)
    answers: dict[int, Any] = field(default_factory=dict)


def read_json(name: str, dir_fd: int, limit: int) -> Any:
    """The JSON in the regular file ``name`` of ``dir_fd`` (at most ``limit`` bytes); ValueError
    when it is missing, not regular, too large or not JSON."""
    try:
        data = read_regular(name, dir_fd, limit)
        return json.loads(data.decode("utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{name} missing") from None
    except (Rejected, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"{name}: {exc}") from None


def collect(out: Path, n_exercises: int) -> Outcome:
    """Read ``run.json`` and ``answers-<k>.json`` (k = 1…n) from the run's output folder."""
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        result = Outcome()
        try:
            status = read_json("run.json", fd, MAX_STATUS)
            result.status = status if isinstance(status, dict) else {}
        except ValueError:
            result.status = {}
        for k in range(1, n_exercises + 1):
            try:
                result.answers[k] = read_json(answers_name(k), fd, MAX_ANSWERS)
            except ValueError:
                continue
        return result
    finally:
        os.close(fd)


def _tail(log: Path) -> str:
    with open(log, "rb") as f:
        f.seek(max(0, os.fstat(f.fileno()).st_size - LOG_TAIL))
        lines = f.read().decode(errors="replace").strip().splitlines()
    return lines[-1][:200] if lines else ""


def _unsafe_env(base: Path, out: Path) -> dict[str, str]:
    from ..exercises.framework import GRADING_PROFILE  # the profile grading contexts rebuild

    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JUPYTER", "JPY_", "IPYTHON", "COURSE_", "KERAS_", "MPL"))}
    home = base / "home"
    for folder in (home, home / "tmp"):
        folder.mkdir(exist_ok=True)
    env.update(HOME=str(home), TMPDIR=str(home / "tmp"), KERAS_HOME=str(home / ".keras"),
               MPLCONFIGDIR=str(home / "mpl"), COURSE_PROFILE=GRADING_PROFILE, COURSE_OFFLINE="1",
               TF_CPP_MIN_LOG_LEVEL="3", PYTHONDONTWRITEBYTECODE="1", JUPYTER_PLATFORM_DIRS="1",
               MPLBACKEND="agg", **{OUT_VARIABLE: str(out)})
    return env


def _prepare(base: Path, nb: nbformat.NotebookNode, submission: bytes, n_exercises: int
             ) -> tuple[str, ...]:
    """``in/`` (the notebook to run, the submitted file), ``out/`` with its empty output files,
    ``work/``; returns the output files' names."""
    for folder in ("in", "out", "work"):
        (base / folder).mkdir(mode=0o700)
    nbformat.write(nb, base / "in" / "notebook.ipynb")
    (base / "in" / "submission.ipynb").write_bytes(submission)
    outputs = ("run.json", *(answers_name(k) for k in range(1, n_exercises + 1)))
    for name in outputs:
        (base / "out" / name).touch(mode=0o600)
    return outputs


def run(nb: nbformat.NotebookNode, n_exercises: int, timeout: float, limits: Limits,
        unsafe: bool = False, submission: bytes = b"") -> Outcome:
    """Execute ``nb`` in a fresh sandbox (``unsafe``: a plain process) and collect its output
    (``submission``: the submitted file, visible to the run as ``in/submission.ipynb``)."""
    base = Path(tempfile.mkdtemp(prefix="cnn-course-run-"))
    try:
        outputs = _prepare(base, nb, submission, n_exercises)
        run_in, run_out, work = base / "in", base / "out", base / "work"
        cmd = command(run_in, run_out, limits, timeout, unsafe, outputs)
        env = _unsafe_env(base, run_out) if unsafe else {"PATH": os.environ.get("PATH", "")}
        with open(base / "sandbox.log", "wb") as log:
            proc = subprocess.Popen(cmd, cwd=work, env=env, stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=log, start_new_session=True)
            try:
                proc.wait(timeout=timeout + STARTUP_MARGIN)
            except subprocess.TimeoutExpired:
                pass
            finally:
                _kill_group(proc)
        result = collect(run_out, n_exercises)
        if not result.status:
            result.status = {"status": "sandbox failed", "cell": None,
                             "detail": f"exit {proc.returncode}: {_tail(base / 'sandbox.log')}"}
        return result
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the run's process group (bwrap and, through its PID namespace, everything)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
