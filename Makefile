# The commands the README names. Every target sets up .venv first (once per pyproject change).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
QUICK  := COURSE_PROFILE=quick

.PHONY: setup run test test-fast execute student lab bench lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name cnn-course --display-name "Python (cnn-course)"
	touch $(STAMP)

setup: $(STAMP)  ## create .venv, install the course package with [dev], register the kernel

run: setup  ## execute every notebook headlessly (quick profile), HTML into build/html/, print a table
	$(QUICK) $(PY) scripts/run_notebooks.py

test: setup  ## unit tests + nbval of every notebook (quick profile)
	$(QUICK) $(PY) -m pytest --nbval-lax tests notebooks

test-fast: setup  ## unit tests without the slow ones, no notebooks (the inner loop, < 60 s)
	$(QUICK) $(PY) -m pytest tests -m "not slow" -q

execute: setup  ## re-execute the notebooks and store their quick-profile outputs (after any change)
	$(QUICK) $(PY) scripts/run_notebooks.py --inplace

student: setup  ## student edition (no solutions, no outputs) into student/
	$(PY) scripts/make_student.py

.PHONY: slides
slides: setup  ## reveal.js decks with outputs into build/slides/ (offline: reveal.js, MathJax beside them)
	$(PY) scripts/slides.py export

lab: setup  ## JupyterLab on the notebooks (full profile unless COURSE_PROFILE is set)
	$(VENV)/bin/jupyter lab notebooks $$( [ $$(id -u) = 0 ] && echo --allow-root )

.PHONY: grade
grade: setup  ## grade SUBMISSIONS=dir (<student>/<NN_topic>.ipynb): build/grades/grades.csv and .html
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=dir [TIMEOUT=seconds]" >&2; exit 2; }
	$(PY) scripts/grade.py "$(SUBMISSIONS)" --timeout $(or $(TIMEOUT),300)

bench: setup  ## speed: hand-written convolution vs SciPy vs TensorFlow, then every notebook's time
	$(PY) benchmarks/conv.py
	$(QUICK) $(PY) scripts/run_notebooks.py

.PHONY: full-profile
full-profile: setup  ## 04, 05, 07 in the full profile on CIFAR=zip MNIST=folder (about an hour on 2 cores)
	@test -n "$(CIFAR)" -a -n "$(MNIST)" || { echo "usage: make full-profile CIFAR=cifar10_jpeg_train50k.zip MNIST=mnist-idx-folder/" >&2; exit 2; }
	$(PY) benchmarks/full_profile.py --cifar "$(CIFAR)" --mnist "$(MNIST)"

lint: setup
	$(VENV)/bin/ruff check course_utils tests scripts benchmarks

clean:
	rm -rf build student runs .pytest_cache
