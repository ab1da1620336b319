# The commands the README names; each calls the course's command-line tool, `cnn-course`
# (course_utils/cli.py; `cnn-course --help` lists every tool). Every target sets up .venv first
# (once per pyproject change).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
COURSE := $(VENV)/bin/cnn-course
STAMP  := $(VENV)/.installed
QUICK  := COURSE_PROFILE=quick

.PHONY: setup run test test-fast execute student slides lab grade bench full-profile lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name cnn-course --display-name "Python (cnn-course)"
	touch $(STAMP)

setup: $(STAMP)  ## create .venv, install the course package with [dev], register the kernel

run: setup  ## execute every notebook headlessly (quick profile), HTML into build/html/, print a table
	$(QUICK) $(COURSE) run

test: setup  ## unit tests + nbval of every notebook (quick profile)
	$(COURSE) test

test-fast: setup  ## unit tests without the slow ones, no notebooks (the inner loop, < 60 s)
	$(COURSE) test --fast

execute: setup  ## the lecture edition: every notebook in the full profile, outputs stored in place
	$(COURSE) execute $(if $(PROFILE),--profile $(PROFILE)) $(if $(CIFAR),--cifar "$(CIFAR)") $(if $(MNIST),--mnist "$(MNIST)")

student: setup  ## student edition (no solutions, no outputs) into student/
	$(COURSE) student

slides: setup  ## reveal.js decks with outputs into build/slides/ (offline: reveal.js, MathJax beside them)
	$(COURSE) slides export

lab: setup  ## JupyterLab on the notebooks (full profile unless COURSE_PROFILE is set)
	$(COURSE) lab

grade: setup  ## grade SUBMISSIONS=dir (<student>/<NN_topic>.ipynb): build/grades/grades.csv and .html
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=dir [TIMEOUT=seconds]" >&2; exit 2; }
	$(COURSE) grade "$(SUBMISSIONS)" --timeout $(or $(TIMEOUT),300)

bench: setup  ## speed: hand-written convolution vs SciPy vs TensorFlow, then every notebook's time
	$(COURSE) bench
	$(QUICK) $(COURSE) run

full-profile: setup  ## every notebook in the full profile on CIFAR=zip MNIST=folder (copies in build/)
	@test -n "$(CIFAR)" -a -n "$(MNIST)" || { echo "usage: make full-profile CIFAR=cifar10_jpeg_train50k.zip MNIST=mnist-idx-folder/" >&2; exit 2; }
	$(COURSE) full-profile --cifar "$(CIFAR)" --mnist "$(MNIST)"

lint: setup
	$(VENV)/bin/ruff check course_utils tests

clean:
	rm -rf build student runs .pytest_cache
