"""cnn-course: one command for every tool; bad arguments give one line and exit status 2."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils import cli
from course_utils.tools import course_notebooks, lab, notebooks_dir

ROOT = Path(__file__).resolve().parent.parent


def test_every_tool_resolves_to_a_function():
    for name in cli.TOOLS:
        assert callable(cli.tool_main(name)), name


def test_overview_lists_every_tool(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(f"  {name} " in out for name in cli.TOOLS)
    assert cli.main([]) == 2  # no tool: the overview, and a usage error


@pytest.mark.parametrize("argv, message", [
    (["nope"], "unknown tool 'nope'; expected one of run, execute"),
    (["run", "99"], "no course notebook '99': expected a path to an .ipynb file or one of 00,"),
    (["student", "--out"], "argument --out: expected one argument"),
    (["bench", "--repeat", "ten"], "argument --repeat: expected a number, got 'ten'"),
    (["bench-training", "--images", "0"], "expected a number greater than 0, got '0'"),
    (["full-profile", "--mnist", "/no/such/folder"],
     "argument --mnist: expected an existing folder, got '/no/such/folder'"),
])
def test_bad_arguments_give_one_line_and_status_2(argv, message, capsys):
    try:
        status = cli.main(argv)
    except SystemExit as stop:
        status = stop.code
    err = capsys.readouterr().err
    assert status == 2
    assert message in err and err.count("\n") == 1, err


def test_each_tool_has_help(capsys):
    for name in ("run", "execute", "test", "student", "bench", "full-profile", "notebooks"):
        with pytest.raises(SystemExit) as stop:
            cli.main([name, "--help"])
        assert stop.value.code == 0
        assert f"usage: cnn-course {name}" in capsys.readouterr().out


def test_the_installed_command_runs():
    out = subprocess.run([str(Path(sys.executable).parent / "cnn-course"), "--help"],
                         capture_output=True, text=True, check=True).stdout
    assert "cnn-course TOOL --help" in out


def test_argument_types_reject_what_they_should(tmp_path):
    assert cli.positive_number("2.5") == 2.5
    assert cli.existing_dir(str(tmp_path)) == tmp_path
    assert cli.existing_path(str(tmp_path)) == tmp_path
    for bad, check in (("x", cli.positive_number), ("-1", cli.positive_number),
                       (str(tmp_path / "none"), cli.existing_dir),
                       (str(tmp_path / "none"), cli.existing_path)):
        with pytest.raises(argparse.ArgumentTypeError, match="expected"):
            check(bad)


def test_notebooks_are_found_by_number_name_or_path():
    everything = course_notebooks()
    assert notebooks_dir() == ROOT / "notebooks" and everything[0].name == "00_setup.ipynb"
    assert [p.stem for p in course_notebooks(["03", "05b"])] == [
        "03_padding_stride_arithmetic", "05b_training_recipe"]
    assert course_notebooks(["04_lenet_mnist.ipynb"]) == course_notebooks(["04"])
    assert course_notebooks([str(everything[1])]) == [everything[1]]
    with pytest.raises(ValueError, match="no course notebook '5c'"):
        course_notebooks(["5c"])


def test_copying_notebooks_keeps_a_students_work(tmp_path, capsys):
    mine = tmp_path / "03_padding_stride_arithmetic.ipynb"
    mine.write_text("my work")
    assert lab.copy_main([str(tmp_path)]) == 0
    assert mine.read_text() == "my work"
    assert f"{mine}: kept (exists)" in capsys.readouterr().out
    assert len(list(tmp_path.glob("*.ipynb"))) == len(course_notebooks())
    lab.copy_main([str(tmp_path), "--force"])
    assert mine.read_bytes() == (ROOT / "notebooks" / mine.name).read_bytes()
    with pytest.raises(SystemExit) as stop:
        lab.copy_main([str(mine)])
    assert stop.value.code == 2


def test_fast_tests_need_a_clone(monkeypatch, capsys):
    from course_utils.tools import test as test_tool

    monkeypatch.setattr(test_tool, "clone_root", lambda: None)
    with pytest.raises(SystemExit) as stop:
        test_tool.main(["--fast"])
    assert stop.value.code == 2
    assert "only a clone of the course has" in capsys.readouterr().err


def test_every_install_route_registers_the_kernel_the_notebooks_name():
    import json

    names = {json.loads(p.read_text())["metadata"]["kernelspec"]["name"]
             for p in course_notebooks()}
    assert names == {"cnn-course"}
    for place in ("Makefile", "postBuild"):
        assert "ipykernel install" in (ROOT / place).read_text() and \
            "--name cnn-course" in (ROOT / place).read_text(), place
    assert "--name cnn-course" in (ROOT / "README.md").read_text()  # the JupyterHub steps
