"""One source of dependencies, and notebooks that only use what course_utils defines."""

import ast
import importlib
import json
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def environment_yml():
    """environment.yml's conda dependencies (strings) and its pip section."""
    import yaml

    deps = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))["dependencies"]
    conda = [d for d in deps if isinstance(d, str)]
    pip = next((d["pip"] for d in deps if isinstance(d, dict) and "pip" in d), [])
    return conda, pip


def test_environment_yml_installs_this_package_and_nothing_else():
    conda, pip = environment_yml()
    assert pip == ["-e .[dev]"], "environment.yml must install dependencies from pyproject.toml"
    assert sorted(re.split(r"[=<> ]", c)[0] for c in conda) == ["pip", "python"], conda


def test_environment_python_satisfies_requires_python():
    conda, _ = environment_yml()
    version = next(c.split("=")[1] for c in conda if c.startswith("python"))
    spec = pyproject()["project"]["requires-python"]
    low, high = re.match(r">=(\d+\.\d+),<(\d+\.\d+)", spec).groups()
    as_tuple = lambda v: tuple(int(p) for p in v.split("."))  # noqa: E731
    assert as_tuple(low) <= as_tuple(version) < as_tuple(high)


def test_extras_and_tensorflow_range():
    project = pyproject()["project"]
    assert {"dev", "gpu"} <= set(project["optional-dependencies"])
    tf = next(d for d in project["dependencies"] if d.startswith("tensorflow"))
    assert ">=2.16" in tf
    assert any("nbval" in d for d in project["optional-dependencies"]["dev"])


def code_cells(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [("".join(c["source"]), c) for c in nb["cells"] if c["cell_type"] == "code"]


def course_utils_uses(source):
    """(module, name) pairs a cell takes from course_utils: imports and attribute uses."""
    tree = ast.parse(
        "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    )
    aliases, uses = {}, []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("course_utils")
        ):
            for a in node.names:
                uses.append((node.module, a.name))
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("course_utils"):
                    aliases[a.asname or a.name] = a.name
    return uses, aliases, tree


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_uses_only_names_course_utils_defines(path):
    aliases = {}
    for source, _ in code_cells(path):
        uses, new, tree = course_utils_uses(source)
        aliases.update(new)
        for module, name in uses:
            mod = importlib.import_module(module)
            assert hasattr(mod, name) or importlib.util.find_spec(f"{module}.{name}"), (
                f"{path.name} imports {name} from {module}, which does not define it"
            )
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
            ):
                target = aliases[node.value.id]
                if importlib.util.find_spec(target) is None:
                    continue  # a function or class, not a module
                mod = importlib.import_module(target)
                assert hasattr(mod, node.attr), f"{path.name} uses {target}.{node.attr}, undefined"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_one_clean_run(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "cnn-course"
    counts = [c.get("execution_count") for _, c in code_cells(path)]
    assert counts == list(range(1, len(counts) + 1)), "outputs are stale: run `make execute`"
    first = next(s for s, _ in code_cells(path))
    assert "config.setup(" in first, "the first code cell must call config.setup()"


def set_up_report(path: Path) -> str:
    """The text printed by a notebook's first code cell (config.setup's report)."""
    first = code_cells(path)[0][1]
    return "".join("".join(o.get("text", "")) for o in first.get("outputs", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_are_the_lecture_edition(path):
    """Committed outputs come from the full profile (`make execute` with the data), and the first
    output says so, with the device, the date and every data source."""
    report = set_up_report(path)
    assert report.startswith("profile: full"), "committed outputs must come from the full profile"
    assert "device:" in report and "date:" in report, report
    assert "data sources here:" in report, report


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercises_have_stub_solution_and_check(path):
    """Every stub (tag `exercise`) is followed by its answer (tag `solution`); an open exercise
    may add one more `solution` cell after its check (the instructor's study, not graded)."""
    cells = code_cells(path)
    tags = [c.get("metadata", {}).get("tags", []) for _, c in cells]
    n_ex = sum("exercise" in t for t in tags)
    assert n_ex >= (1 if path.name.startswith("00") else 2), "too few exercises"
    for i, t in enumerate(tags):
        if "exercise" in t:
            assert i + 1 < len(tags) and "solution" in tags[i + 1], f"code cell {i}: no answer"
    assert n_ex <= sum("solution" in t for t in tags)
    assert sum("check_" in s or "ex.report" in s or "exercises." in s for s, _ in cells) >= n_ex


def test_course_utils_reads_keras_through_public_api_only():
    """No private Keras module or attribute in the package (issue 11)."""
    for path in sorted((ROOT / "course_utils").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for private in ("keras.src", "_inbound_nodes", "_keras_history", "global_state"):
            assert private not in text, f"{path.relative_to(ROOT)} uses {private}"


def execution_minutes(path: Path) -> float:
    """Minutes from the first code cell's start to the last one's reply, read from the timing
    metadata nbconvert stores with each executed cell (kernel start-up not included)."""
    from datetime import datetime

    timings = [c["metadata"]["execution"] for _, c in code_cells(path)]
    start = datetime.fromisoformat(timings[0]["iopub.execute_input"])
    end = datetime.fromisoformat(timings[-1]["shell.execute_reply"])
    return (end - start).total_seconds() / 60


def outputs_text(path: Path) -> str:
    """Every printed or displayed text of the notebook's stored outputs, joined."""
    parts = []
    for _, cell in code_cells(path):
        for out in cell.get("outputs", []):
            parts.append("".join(out.get("text", "")))
            parts.append("".join(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def readme_text() -> str:
    """The README, as committed."""
    return (ROOT / "README.md").read_text(encoding="utf-8")


def edition_table() -> dict[str, tuple[str, str]]:
    """README's lecture-edition table: notebook number -> (full minutes, headline numbers)."""
    rows = re.findall(r"^\| (\d\d[a-z]?) \| ([\d.]+) \| \d+ \| (.+) \|$", readme_text(), re.M)
    return {number: (minutes, headline) for number, minutes, headline in rows}


def test_readme_edition_table_is_what_the_committed_notebooks_show():
    """One row per notebook; its full minutes are the committed run's (±0.1), and every number
    quoted in `backticks` in its headline column is printed verbatim by the notebook."""
    table = edition_table()
    numbered = {path.name.split("_")[0]: path for path in NOTEBOOKS}
    assert sorted(table) == sorted(numbered)
    for number, path in numbered.items():
        minutes, headline = table[number]
        assert abs(float(minutes) - execution_minutes(path)) <= 0.1, (
            f"{path.name}: README says {minutes} min, the committed run took "
            f"{execution_minutes(path):.2f}")
        printed = outputs_text(path)
        for quoted in re.findall(r"`([^`]+)`", headline):
            assert quoted in printed, f"{path.name}: README quotes {quoted!r}, no output prints it"
    total = float(re.search(r"In all: \*\*([\d.]+) min\*\*", readme_text()).group(1))
    assert abs(total - sum(float(m) for m, _ in table.values())) < 0.05, "README's total is stale"
