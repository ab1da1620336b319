"""Real-browser test: JupyterLab driven in Debian's Chromium by Playwright, as a class uses it.

A JupyterLab server starts on 127.0.0.1 (free port, random token, a temporary root holding a copy
of notebook 03 with its slide metadata and the student edition of that copy, the ``cnn-course``
kernel, quick profile). Then:

1. instructor: open 03, *Run All*, wait for the padding/stride explorer's sliders (ipywidgets),
   move the ``input n`` slider one step with the keyboard and see the figure's PNG change; press
   Alt+R and see RISE (``jupyterlab-rise``) present the notebook live as reveal.js slides, as many
   ``<section>`` elements as the slide metadata gives (``course_utils.tools.slides``);
2. student: open the student edition of 03, run the set-up cell, the untouched exercise 3.1 and
   its check, see the ``✗ Exercise 3.1`` line; type the instructor's solution into the exercise
   cell, run it and the check again, see ``✓`` (that the whole student edition runs cleanly is
   tests/test_student_edition.py's job).

Each step's time is printed (``pytest tests/test_browser.py -s``) and recorded as a user property
of the test report. Skips with the reason when Playwright or Chromium is missing: ``.ci/run``
installs Debian's ``chromium`` when it runs as root; Playwright comes with the ``[dev]`` extra
(its own browser download, ``playwright install``, is never used). The server, its kernels and
the temporary folders are removed afterwards, also when a step fails.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
NOTEBOOK = "03_padding_stride_arithmetic.ipynb"
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook in the visible tab
CHECK = "ex.check_output_size(output_size)"  # the check cell of the exercise the student answers
STEP_TIMEOUT_MS = 90_000


def browser_skip_reason() -> str | None:
    """Why a browser test cannot run here, or None when Playwright and Chromium are present."""
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed (it comes with the [dev] extra: pip install -e .[dev])"
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return (f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; .ci/run installs "
                "it when run as root; COURSE_CHROMIUM=path points elsewhere)")
    return None


@contextlib.contextmanager
def chromium(**context_options) -> Iterator[object]:
    """A Playwright page in a fresh context of Debian's Chromium (headless); closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            options = {"viewport": {"width": 1400, "height": 1000}, **context_options}
            context = browser.new_context(**options)
            yield context.new_page()
        finally:
            browser.close()


class Steps:
    """Times named steps; prints each as it ends and keeps ``[(name, seconds)]``."""

    def __init__(self) -> None:
        self.times: list[tuple[str, float]] = []
        self.start = time.perf_counter()

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - began
            self.times.append((name, round(seconds, 2)))
            print(f"[browser] {seconds:6.1f} s  {name}", flush=True)

    @property
    def total(self) -> float:
        return time.perf_counter() - self.start


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answer_of(nb: nbformat.NotebookNode, check: str) -> str:
    """The source of the ``solution`` cell just before the cell that calls ``check``."""
    for i, cell in enumerate(nb.cells):
        if check in cell.source:
            solution = nb.cells[i - 1]
            if "solution" not in solution.metadata.get("tags", []):
                raise ValueError(
                    f"expected a solution cell before {check!r}, got {solution.source!r}")
            return solution.source
    raise ValueError(f"expected a cell calling {check!r} in the notebook, found none")


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Iterator[dict]:
    """A JupyterLab server on 127.0.0.1 over a temporary root; yields url, token, answer."""
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    from course_utils.tools import student as make_student

    base = tmp_path_factory.mktemp("lab")
    root = base / "root"
    root.mkdir()
    from course_utils.tools import slides

    shutil.copy(ROOT / "notebooks" / NOTEBOOK, root / NOTEBOOK)
    slides.tag_file(root / NOTEBOOK)  # slide metadata, as the lead applies it (no-op when there)
    make_student.write_student_editions([root / NOTEBOOK], root / "student")
    # Every cell stays in the page (no windowing), so the test can find them by their text; no
    # "news" pop-up over the notebook.
    settings = base / "settings" / "@jupyterlab"
    for plugin, values in {
        "notebook-extension/tracker": {"windowingMode": "none"},
        "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    }.items():
        target = settings / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))

    port, token = free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # kernels use inline figures
    env.update(
        COURSE_PROFILE="quick",
        JUPYTER_CONFIG_DIR=str(base / "config"),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(base / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
    )
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}", "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")  # Docker / CI run as root; JupyterLab refuses otherwise
    log = (base / "server.log").open("w")
    server = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "JupyterLab did not start:\n" + (base / "server.log").read_text()[-3000:]
                    ) from None
                time.sleep(0.5)
        nb = nbformat.read(root / NOTEBOOK, as_version=4)
        kinds = [cell.metadata["slideshow"]["slide_type"] for cell in nb.cells]
        counts = slides.count_slides(kinds)
        yield {"url": url, "token": token, "answer": answer_of(nb, CHECK),
               "sections": counts["slides"] + counts["subslides"]}
    finally:
        stop_server(server, url, token)
        log.close()
        shutil.rmtree(base, ignore_errors=True)


def stop_server(server: subprocess.Popen, url: str, token: str) -> None:
    """Shut the server down with its kernels (REST), then make sure its process group is gone."""
    with contextlib.suppress(OSError):
        request = urllib.request.Request(f"{url}/api/shutdown?token={token}", method="POST")
        urllib.request.urlopen(request, timeout=10).close()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(server.pid, signal.SIGKILL)  # anything left in the server's own group


def open_notebook(page, lab: dict, path: str) -> None:
    """Open ``path`` in JupyterLab and wait until its kernel is idle."""
    page.goto(f"{lab['url']}/lab/tree/{path}?reset&token={lab['token']}")  # reset: no other tabs
    page.locator(f"{PANEL} .jp-Notebook .jp-Cell").first.wait_for(timeout=STEP_TIMEOUT_MS)
    wait_idle(page)


def wait_idle(page) -> None:
    """Wait until the open notebook's kernel is idle and no cell shows ``[*]``."""
    page.wait_for_function(
        """(panel) => {
            const status = document.querySelector(panel + ' .jp-Notebook-ExecutionIndicator');
            const busy = [...document.querySelectorAll(panel + ' .jp-InputPrompt')]
                .some(p => p.textContent.includes('*'));
            return status && status.getAttribute('data-status') === 'idle' && !busy;
        }""",
        arg=PANEL,
        timeout=STEP_TIMEOUT_MS,
    )


def run_all(page) -> None:
    """*Run* menu → *Run All Cells*, then wait until every cell has run.

    A freshly opened notebook can report an idle kernel a moment before it takes requests; a
    *Run All* sent then starts nothing (CI, stop 29: no cell ran). As a person would, click
    *Run All* once more when no cell has started within 15 s, and say so in the step log."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in (1, 2):
        page.locator(f"{PANEL} .jp-Notebook").click(position={"x": 5, "y": 5})
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            page.wait_for_function(
                """(panel) => [...document.querySelectorAll(
                    panel + ' .jp-CodeCell .jp-InputPrompt')]
                    .some(p => /[*0-9]/.test(p.textContent))""",
                arg=PANEL,
                timeout=15_000,
            )
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise AssertionError("Run All Cells started no cell, twice (15 s each)") from None
            print("[browser] Run All started no cell within 15 s; clicking it again")
    wait_idle(page)
    # Run All stops at the first error: every code cell must show an execution count.
    prompts = page.locator(f"{PANEL} .jp-CodeCell .jp-InputPrompt").all_inner_texts()
    not_run = [i for i, text in enumerate(prompts) if not any(ch.isdigit() for ch in text)]
    if not_run:
        failed = page.locator(f"{PANEL} .jp-CodeCell").nth(max(not_run[0] - 1, 0))
        printed = failed.locator(".jp-OutputArea").inner_text()[-2000:]
        raise AssertionError(f"Run All stopped before code cell {not_run[0]}; the cell before "
                             f"it printed:\n{printed}")


def run_cell(page, cell) -> None:
    """Click into ``cell``, press Shift+Enter, wait until the kernel is idle again."""
    cell.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    page.wait_for_timeout(200)
    wait_idle(page)


def rise_frame(page):
    """The frame of RISE's slideshow preview (``/rise/<notebook>``), once it has appeared."""
    deadline = time.monotonic() + STEP_TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        frame = next((f for f in page.frames if "/rise/" in f.url), None)
        if frame is not None:
            return frame
        page.wait_for_timeout(200)
    raise AssertionError("RISE's slideshow preview did not open (is jupyterlab-rise installed?)")


def cell_with(page, text: str):
    """The notebook cell whose input contains ``text`` (exactly one), located by its position
    so that the locator still holds after the cell's text changes."""
    cells = page.locator(f"{PANEL} .jp-Cell")
    inputs = [cells.nth(i).locator(".jp-InputArea").inner_text() for i in range(cells.count())]
    found = [i for i, source in enumerate(inputs) if text in source]
    assert len(found) == 1, f"expected one cell containing {text!r}, found cells {found}"
    return cells.nth(found[0])


@pytest.mark.slow
def test_instructor_runs_03_and_the_explorer_responds(lab, record_property):
    steps = Steps()
    with chromium() as page:
        with steps("open 03 (instructor) and wait for its kernel"):
            open_notebook(page, lab, NOTEBOOK)
        with steps("Run All"):
            run_all(page)
        explorer = page.locator(f"{PANEL} .widget-interact").first
        with steps("explorer: sliders and figure appear"):
            explorer.locator(".widget-slider, .widget-hslider").first.wait_for(
                timeout=STEP_TIMEOUT_MS)
            explorer.locator("img").first.wait_for(timeout=STEP_TIMEOUT_MS)
        assert explorer.locator(".widget-slider, .widget-hslider").count() >= 3
        before = explorer.locator("img").first.get_attribute("src")
        slider = explorer.get_by_role("slider").first  # "input n"
        value = slider.get_attribute("aria-valuenow")
        with steps("move the 'input n' slider one step: the figure changes"):
            slider.focus()
            page.keyboard.press("ArrowRight")
            page.wait_for_function(
                "([el, old]) => { const img = el.querySelector('img');"
                " return img && img.getAttribute('src') !== old; }",
                arg=[explorer.element_handle(), before],
                timeout=STEP_TIMEOUT_MS,
            )
        assert float(slider.get_attribute("aria-valuenow")) == float(value) + 1
        after = explorer.locator("img").first.get_attribute("src")
        assert before.startswith("data:image/png") and after.startswith("data:image/png")
        assert after != before
        with steps("RISE: Alt+R shows 03 as live reveal.js slides, split as its metadata says"):
            page.locator(f"{PANEL} .jp-Notebook").click(position={"x": 5, "y": 5})
            page.keyboard.press("Alt+r")
            frame = rise_frame(page)
            frame.wait_for_function(
                "n => document.querySelectorAll('.reveal .slides section').length === n",
                arg=lab["sections"], timeout=STEP_TIMEOUT_MS)
    for name, seconds in steps.times:
        record_property(name, seconds)
    print(f"[browser] {steps.total:6.1f} s  instructor test in all")


@pytest.mark.slow
def test_student_sees_cross_then_tick(lab, record_property):
    steps = Steps()
    with chromium() as page:
        with steps("open the student edition of 03 and wait for its kernel"):
            open_notebook(page, lab, f"student/{NOTEBOOK}")
        setup = cell_with(page, "config.setup()")
        exercise = cell_with(page, "def output_size(n, f, p, s):")  # the stub of 3.1
        check = cell_with(page, CHECK)
        output = check.locator(".jp-OutputArea")
        with steps("run the set-up cell"):
            run_cell(page, setup)
        with steps("run the untouched exercise and its check: ✗"):
            run_cell(page, exercise)
            run_cell(page, check)
        assert "✗ Exercise 3.1" in output.inner_text(), output.inner_text()
        assert "Traceback" not in output.inner_text()
        with steps("type the answer into the exercise cell"):
            editor = exercise.locator(".cm-content")
            editor.click()
            page.keyboard.press("Control+a")
            page.keyboard.insert_text(lab["answer"])
            typed = editor.inner_text()
        assert typed.split() == lab["answer"].split(), typed
        with steps("run the exercise and its check again: ✓"):
            page.keyboard.press("Shift+Enter")   # runs the exercise, selects the check cell
            page.keyboard.press("Shift+Enter")   # runs the check
            output.filter(has_text="✓ Exercise 3.1").wait_for(timeout=STEP_TIMEOUT_MS)
            wait_idle(page)
        assert "✗" not in output.inner_text()
    for name, seconds in steps.times:
        record_property(name, seconds)
    print(f"[browser] {steps.total:6.1f} s  student test in all")
