"""The sandbox one notebook runs in: Debian's ``bubblewrap`` (``bwrap``) under ``prlimit``.

Inside, the kernel and its client see only: the system's ``/usr`` and ``/etc`` (read-only), the
interpreter and the virtual environment (read-only), a copy of the course package *without*
anything that holds a reference answer or an instructor notebook (:func:`student_package`,
mounted read-only where the real package lies, so ``course_utils.__file__`` leads nowhere), the
bundled data (read-only, as the package's ``_data``, where its loaders look first: the
environment that could point elsewhere is cleared), the run's input folder (the assembled
notebook and the student's own submitted file, read-only) and the run's output files
(``run.json``, ``answers-<k>.json``: the only things it can write that outlive it, each bounded
in size). ``/proc``, ``/tmp``, ``/dev`` and ``/dev/shm`` are its own (size-limited tmpfs); no
network (its own loopback only); no capabilities and no further user namespaces; a PID
namespace whose init is bwrap, so that every process of the run — ``setsid`` or not — is
killed when the run ends or the grader dies (``--die-with-parent``). ``prlimit`` bounds each
process's memory (address space), the size of any file it writes, the number of processes and
open files.
"""

from __future__ import annotations

import ast
import atexit
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

IN, OUT = "/grading/in", "/grading/out"  # the run's folders as the sandbox sees them
WORK, HOME = "/tmp/work", "/tmp/home"
STUDENT_SIDE = ("probes.py",)  # of course_utils/exercises/, with the modules they import
SANDBOX_INIT = '"""Checks are not available inside the grading sandbox: only the probes."""\n'
UNPROTECTED = (
    "--unsafe: no sandbox (bubblewrap unavailable or not used). Student code runs as this user "
    "and can read every file this user can (other submissions, the instructor notebooks, the "
    "reference answers in course_utils/exercises), write to them and to the virtual "
    "environment, reach the network, see the grader's processes and leave processes behind its "
    "session. Still in force: verdicts decided outside the student's process, the time limit "
    "and the memory, file-size and process limits.")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one run (per process, inherited by every child)."""

    memory: int = 8 * 2**30  # bytes of address space (TensorFlow maps ~2 GiB at import)
    file_size: int = 256 * 2**20  # bytes: the largest file a student's code may write
    processes: int = 4096  # threads count too (RLIMIT_NPROC, not enforced for root)
    open_files: int = 1024
    tmp_size: int = 512 * 2**20  # bytes of the private /tmp (and HOME) tmpfs
    shm_size: int = 64 * 2**20  # bytes of the private /dev/shm


def prlimit_prefix(limits: Limits) -> list[str]:
    """``prlimit --as=… --fsize=… --nproc=… --nofile=… --core=0 --``."""
    return ["prlimit", f"--as={limits.memory}", f"--fsize={limits.file_size}",
            f"--nproc={limits.processes}", f"--nofile={limits.open_files}", "--core=0", "--"]


def _system_mounts() -> list[str]:
    """``/usr`` and ``/etc`` read-only; ``/bin``, ``/lib``… as the links or folders they are."""
    args = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            args += ["--ro-bind", name, name]
    return args


def python_roots() -> list[Path]:
    """The interpreter's installation and the virtual environment (real paths, no duplicates,
    none inside ``/usr``)."""
    roots = {Path(p).resolve() for p in (sys.base_prefix, sys.prefix, sys.exec_prefix)}
    roots.add(Path(sys.executable).resolve().parent.parent)
    return sorted(r for r in roots if Path("/usr") not in (r, *r.parents))


def package_dir() -> Path:
    """The folder of the installed ``course_utils`` package (real path)."""
    import course_utils

    return Path(course_utils.__file__).resolve().parent


def data_dir() -> Path | None:
    """The bundled data folder of :mod:`course_utils.data`, if there is one (real path)."""
    from course_utils import data

    return Path(data.DATA_DIR).resolve() if Path(data.DATA_DIR).is_dir() else None


def _relative_imports(path: Path) -> set[str]:
    """The sibling modules ``path`` imports (``from .wire import x``, ``from . import wire``,
    ``from course_utils.exercises.wire import x``), as file names."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level == 1 and node.module:
            found.add(node.module.split(".")[0])
        elif node.level == 1:
            found |= {alias.name for alias in node.names}
        elif node.module and node.module.startswith("course_utils.exercises."):
            found.add(node.module.split(".")[2])
    return {f"{name}.py" for name in found}


def student_side(exercises: Path) -> set[str]:
    """The files of ``exercises/`` the probes need: :data:`STUDENT_SIDE` and every sibling
    module they import, transitively (none of which may hold a check: ValueError)."""
    keep, todo = set(), [n for n in STUDENT_SIDE if (exercises / n).is_file()]
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        todo += [n for n in _relative_imports(exercises / name) if (exercises / n).is_file()]
    judged = sorted(n for n in keep if n == "framework.py" or re.fullmatch(r"nb\d\d\w*\.py", n))
    if judged:
        raise ValueError(f"the probes must not import the checks, but they import {judged}")
    return keep


def _skip(folder: str, names: list[str], root: Path) -> set[str]:
    skipped = {n for n in names if n in ("__pycache__", "_data", "_notebooks")}
    if Path(folder).resolve() == root / "exercises":
        keep = student_side(root / "exercises")
        skipped |= {n for n in names if n not in keep}
    return skipped


def student_package(dest: Path, source: Path | None = None) -> Path:
    """Copy ``course_utils`` into ``dest/course_utils`` without the instructor's side: of
    ``exercises/`` only :func:`student_side` and an empty ``__init__``; no ``__pycache__``, no
    shipped notebooks, no data (mounted on its own). Returns the copy's folder."""
    source = (source or package_dir()).resolve()
    copy = dest / "course_utils"
    shutil.copytree(source, copy, ignore=lambda d, n: _skip(d, n, source))
    (copy / "exercises").mkdir(exist_ok=True)
    (copy / "exercises" / "__init__.py").write_text(SANDBOX_INIT, encoding="utf-8")
    (copy / "_data").mkdir(exist_ok=True)  # mount point of the bundled data (bwrap_args)
    return copy


_PACKAGE_LOCK = threading.Lock()


def shared_student_package() -> Path:
    """One :func:`student_package` per grading process (built once, whichever thread asks
    first), in a private temporary folder deleted when the process ends."""
    with _PACKAGE_LOCK:
        return _build_shared_package()


@functools.lru_cache(maxsize=1)
def _build_shared_package() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="cnn-course-package-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return student_package(folder)


def env_args(timeout_home: str = HOME) -> list[str]:
    """A cleared environment: the grading profile (quick), offline, HOME and caches on the
    private tmpfs."""
    from ..exercises.framework import GRADING_PROFILE  # the profile grading contexts rebuild

    env = {"PATH": f"{Path(sys.prefix) / 'bin'}:/usr/bin:/bin", "HOME": timeout_home,
           "TMPDIR": "/tmp", "KERAS_HOME": f"{timeout_home}/.keras",
           "MPLCONFIGDIR": f"{timeout_home}/mpl", "COURSE_PROFILE": GRADING_PROFILE,
           "COURSE_OFFLINE": "1",
           "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8",
           "JUPYTER_PLATFORM_DIRS": "1", "GRADER_OUT": OUT, "MPLBACKEND": "agg"}
    return [a for k, v in env.items() for a in ("--setenv", k, v)]


def bwrap_args(run_in: Path, run_out: Path, package: Path, limits: Limits,
               outputs: tuple[str, ...] = ()) -> list[str]:
    """The ``bwrap`` options of one run (see module doc), ending in ``--``. ``run_out`` is
    read-only inside except its files named in ``outputs`` (created beforehand): the run can
    write those, each up to ``limits.file_size`` bytes, and create nothing there."""
    args = ["bwrap", "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
            "--new-session", "--cap-drop", "ALL", "--uid", "1000", "--gid", "1000",
            *_system_mounts(),
            # the private /tmp first: the interpreter, the course or its data may live under
            # /tmp (a clone there), and a later tmpfs would hide their binds
            "--proc", "/proc", "--dev", "/dev",
            "--size", str(limits.tmp_size), "--tmpfs", "/tmp",
            "--size", str(limits.shm_size), "--tmpfs", "/dev/shm",
            "--dir", WORK, "--dir", HOME]
    for root in python_roots():
        args += ["--ro-bind", str(root), str(root)]
    args += ["--ro-bind", str(package), str(package_dir())]
    data = data_dir()
    if data is not None:  # where the package's copy looks first (a clone keeps it in data/)
        inside = package_dir() / "_data" if (package / "_data").is_dir() else data
        args += ["--ro-bind", str(data), str(inside)]
    args += ["--ro-bind", str(run_in), IN, "--ro-bind", str(run_out), OUT]
    for name in outputs:
        args += ["--bind", str(run_out / name), f"{OUT}/{name}"]
    args += ["--clearenv", *env_args(), "--chdir", WORK, "--remount-ro", "/", "--"]
    return args


def command(run_in: Path, run_out: Path, limits: Limits, timeout: float, unsafe: bool = False,
            outputs: tuple[str, ...] = ()) -> list[str]:
    """The command that runs ``run_in/notebook.ipynb`` (``unsafe``: without bwrap); the run may
    write the files ``outputs`` of ``run_out``."""
    runner = [str(Path(sys.prefix) / "bin" / "python"), "-m", "course_utils.grading.runner"]
    if unsafe:
        return [*prlimit_prefix(limits), *runner, str(run_in / "notebook.ipynb"), str(run_out),
                str(timeout)]
    return [*prlimit_prefix(limits), *bwrap_args(run_in, run_out, shared_student_package(),
                                                  limits, outputs),
            *runner, f"{IN}/notebook.ipynb", OUT, str(timeout)]


def unavailable() -> str:
    """Why bubblewrap cannot sandbox a run here, or ``""`` when it can."""
    if not sys.platform.startswith("linux"):
        return f"bubblewrap needs Linux, this is {sys.platform}"
    missing = [tool for tool in ("bwrap", "prlimit") if shutil.which(tool) is None]
    if missing:
        return f"{' and '.join(missing)} not found (Debian: apt-get install bubblewrap util-linux)"
    with tempfile.TemporaryDirectory() as folder:
        probe = [*bwrap_args(Path(folder), Path(folder), Path(folder), Limits()), "true"]
        try:
            done = subprocess.run(probe, capture_output=True, timeout=30)
        except (OSError, subprocess.SubprocessError) as exc:
            return f"bwrap failed to start: {exc}"
    if done.returncode != 0:
        return f"bwrap refused: {done.stderr.decode(errors='replace').strip()[:200]}"
    return ""
