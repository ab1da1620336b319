"""The wheel works outside a clone: what `pip install` gives on Colab or a JupyterHub.

The wheel is built from this checkout (offline: ``--no-build-isolation`` with the hatchling of
the dev extra) and installed without dependencies into a fresh virtual environment. The
environment's dependencies come from the project's own ``.venv`` through a ``.pth`` line (tests
never reach the network, and installing TensorFlow anew would take minutes); a ``.pth`` file in a
folder added that way is not processed, so the editable install of this checkout stays out of
sight. From a folder outside the repository, every module of the installed package is imported
from the fresh environment, the bundled data are found inside the package, and notebooks 00 and
03 — copied out of the package by ``cnn-course notebooks`` — pass nbval offline with
``cnn-course test``.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

IMPORT_EVERYTHING = """
import importlib, pkgutil, course_utils
names = [m.name for m in pkgutil.walk_packages(course_utils.__path__, "course_utils.")]
for name in names:
    importlib.import_module(name)
from course_utils import data
print(course_utils.__file__)
print(data.DATA_DIR)
print(len(names), "modules;", len(data.bundled_checksums()), "bundled files verified listed")
print(data.load_mnist(n_train=100, n_test=10).source)
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """Build the wheel, make a fresh venv, install the wheel there; paths of both."""
    base = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(base / "dist"), str(ROOT)], check=True, cwd=base)
    wheel = next((base / "dist").glob("cnn_course-*.whl"))
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    fresh_site = Path(subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip())
    (fresh_site / "_course_dependencies.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
                   check=True, cwd=base)
    outside = base / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COURSE_", "PYTHON"))}
    env.update(HOME=str(base), KERAS_HOME=str(base / "keras"), COURSE_OFFLINE="1",
               JUPYTER_PATH="", PATH=f"{venv / 'bin'}:{env.get('PATH', '')}")
    return {"wheel": wheel, "venv": venv, "python": python, "site": fresh_site,
            "outside": outside, "env": env}


@pytest.mark.slow
def test_wheel_holds_every_subpackage_the_data_and_the_notebooks(installed):
    names = zipfile.ZipFile(installed["wheel"]).namelist()
    packages = {p.parent.relative_to(ROOT).as_posix()
                for p in (ROOT / "course_utils").rglob("__init__.py")}
    assert packages <= {n.rsplit("/", 1)[0] for n in names if n.endswith("/__init__.py")}
    data_files = [p.relative_to(ROOT / "data").as_posix()
                  for p in (ROOT / "data").rglob("*") if p.is_file()]
    assert all(f"course_utils/_data/{f}" in names for f in data_files)
    assert {f"course_utils/_notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb")} \
        <= set(names)


@pytest.mark.slow
def test_every_module_imports_from_the_fresh_environment(installed):
    out = subprocess.run([installed["python"], "-c", IMPORT_EVERYTHING], cwd=installed["outside"],
                         env=installed["env"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    package_file, data_dir, count, source = out.stdout.strip().splitlines()[-4:]
    assert Path(package_file).is_relative_to(installed["site"]), package_file
    assert Path(data_dir) == installed["site"] / "course_utils" / "_data"
    assert "bundled" in source, source


@pytest.mark.slow
def test_notebooks_00_and_03_pass_nbval_offline_outside_a_clone(installed):
    course = installed["venv"] / "bin" / "cnn-course"
    copied = subprocess.run([course, "notebooks", "course"], cwd=installed["outside"],
                            env=installed["env"], capture_output=True, text=True)
    assert copied.returncode == 0, copied.stderr
    assert (installed["outside"] / "course" / "03_padding_stride_arithmetic.ipynb").is_file()
    run = subprocess.run([course, "test", "00", "03", "--", "-q"],
                         cwd=installed["outside"], env=installed["env"], capture_output=True,
                         text=True, timeout=900)
    assert run.returncode == 0, (run.stdout + run.stderr)[-5000:]
    assert " passed" in run.stdout and "failed" not in run.stdout


def test_the_package_finds_its_data_in_a_clone():
    from course_utils import data

    assert data.DATA_DIR == ROOT / "data" or "COURSE_DATA_DIR" in os.environ
