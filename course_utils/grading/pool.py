"""Grade many notebooks at once: a ``concurrent.futures`` pool, or a Dask cluster's executor.

``--jobs N`` runs N notebooks at a time in threads of this process (each notebook's work is a
sandboxed subprocess, so threads suffice); ``--dask ADDRESS`` sends the same
:func:`~course_utils.grading.task.grade_notebook` calls to a Dask distributed scheduler
(``--dask local``: a ``LocalCluster`` on this machine with N workers), through
``Client.get_executor()`` — the same ``Executor`` interface. Every worker needs the course
installed (and bubblewrap, unless ``--unsafe``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed

from .task import Graded, Task, grade_notebook


@contextlib.contextmanager
def executor(jobs: int, dask: str | None = None) -> Iterator[Executor]:
    """A thread pool of ``jobs`` workers, or the executor of a Dask client (``dask``: a
    scheduler address, or ``"local"`` for a ``LocalCluster`` of ``jobs`` workers)."""
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    if not dask:
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="grade") as pool:
            yield pool
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ValueError("--dask needs Dask: pip install 'dask[distributed]'") from None
    if dask == "local":
        with LocalCluster(n_workers=jobs, threads_per_worker=1, processes=False,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            yield client.get_executor(pure=False)
    else:
        with Client(dask) as client:
            yield client.get_executor(pure=False)


def grade_all(tasks: list[Task], pool: Executor,
              progress: Callable[[Task, Graded], None] | None = None,
              function: Callable[[Task], Graded] = grade_notebook) -> list[Graded]:
    """``function(task)`` (:func:`grade_notebook`) of every task on ``pool``; results in the
    order of ``tasks``; ``progress(task, graded)`` is called as each one finishes."""
    futures = {pool.submit(function, task): i for i, task in enumerate(tasks)}
    results: list[Graded | None] = [None] * len(tasks)
    for future in as_completed(futures):
        i = futures[future]
        results[i] = future.result()
        if progress is not None:
            progress(tasks[i], results[i])
    return [r for r in results if r is not None]


def throughput(n_notebooks: int, seconds: float) -> float:
    """Notebooks per minute: ``60 · n / seconds``."""
    if seconds <= 0:
        raise ValueError(f"seconds must be positive, got {seconds}")
    return 60.0 * n_notebooks / seconds
