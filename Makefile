# The two commands of the README, and the chores behind them.
#   make book   execute every notebook (quick profile) and build the HTML book into _build/html/
#               (with a sample lab report of lesson 1, printed to PDF by Chromium)
#   make test   unit tests and notebook regression tests (pytest --nbval)
# Both first create .venv/ with pinned versions when it is missing or out of date.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PROFILE ?= quick
# Keep matplotlib's and Keras's caches out of the home folder.
export MPLCONFIGDIR := $(CURDIR)/_build/cache/matplotlib
export KERAS_HOME := $(CURDIR)/_build/cache/keras

.PHONY: install book test references sync lock bench clean colab-wheelhouse chromium mutation

install: $(INSTALLED)

$(INSTALLED): pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	# torch first, pinned: its CPU build lies on disk; an unpinned torch pulls a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e ".[dev]"
	$(MAKE) colab-wheelhouse
	touch $@

book: $(INSTALLED) chromium
	$(BIN)/python -m labhelpers run --profile $(PROFILE) --book

test: $(INSTALLED) colab-wheelhouse chromium
	$(BIN)/python -m pytest

# The browser tests (JupyterLab, the book's pages) drive Debian's Chromium: Playwright cannot
# download its own browsers on a closed network. Installed when missing and allowed (root with apt).
chromium:
	@[ -x /usr/bin/chromium ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } || \
	  echo "Chromium is missing and could not be installed here: run 'sudo apt-get install -y chromium' (the browser tests skip without it)."

# Regenerate the nbval references (smoke profile) after changing a notebook.
references: $(INSTALLED)
	$(BIN)/python -m labhelpers references

# After editing notebooks/*.py or _config.yml's repository: refresh badges and pairs.
sync: $(INSTALLED)
	$(BIN)/python -m labhelpers colab
	$(BIN)/jupytext --sync notebooks/[0-9][0-9]_*.py

lock: $(INSTALLED)
	{ echo "# Exact versions for local installs (make install), written by 'make lock'."; \
	  echo "# pyproject.toml keeps loose lower bounds so that Colab keeps its own versions."; \
	  $(BIN)/python -m pip freeze --exclude-editable | sed 's/+cpu$$//'; } > requirements/constraints.txt.new
	mv requirements/constraints.txt.new requirements/constraints.txt

# Mutation testing (issue 13; slow, not part of `make test`): mutmut mutates the modules listed in
# pyproject.toml's [tool.mutmut] and runs the unit tests that reach each change; the report
# (_build/mutation/report.md) gives the score by module and fails under 85%. A fresh mutants/ each
# time; one torch/OpenMP thread per process (forked mutants deadlock in a thread pool otherwise).
# PYTHONPATH is cleared so that the tests import the mutated copy in mutants/. The tests run in
# mutants/, where tests/conftest.py cannot see ../shared/data: the IMDB tests get it from here.
DATA_DIR ?= $(abspath ../shared/data)
mutation: $(INSTALLED)
	rm -rf mutants
	env -u PYTHONPATH OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	  LABHELPERS_DATA_DIR="$${LABHELPERS_DATA_DIR:-$(DATA_DIR)}" $(BIN)/mutmut run
	$(BIN)/python tests/mutation_report.py

# Speed targets (IMDB ones need LABHELPERS_DATA_DIR). The long accuracy runs are run
# by hand: bench/imdb_records.py (the IMDB lessons' lab profiles, about an hour),
# bench/imdb_strong.py (lesson 13's models and the lab record's configuration, about an hour),
# bench/batch_build.py (the runner: sequential against parallel quick build, rebuild, sweep; ~25 min).
bench: $(INSTALLED)
	$(BIN)/python bench/fit_overhead.py
	$(BIN)/python bench/tokenizer_speed.py
	$(BIN)/python bench/lab_report_speed.py

# What the Colab test harness (tests/colab/) lets pip install offline: gensim, the package of
# the notebooks' install cell that a Colab runtime lacks (at its pinned version), and
# setuptools, the build backend of labhelpers' git install.
WHEELHOUSE := _build/wheelhouse
colab-wheelhouse: $(WHEELHOUSE)/.complete
$(WHEELHOUSE)/.complete: requirements/constraints.txt
	$(BIN)/python -m pip download --quiet --no-deps --dest $(WHEELHOUSE) \
	  $$(grep -i '^gensim==' requirements/constraints.txt) \
	  setuptools==$$($(BIN)/python -c "import importlib.metadata as m; print(m.version('setuptools'))")
	touch $@

clean:
	rm -rf _build
