# Build and test the book. Every target creates .venv on first use.
#   make book     HTML into _build/html, warnings are errors
#   make test     ruff, pytest, nbval, `make book`, then `make browser`
# See `make help` for the rest.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# nbval workers (pytest-xdist). Empty: one process. On the 2-vCPU machines
# measured, two workers were no faster than one (CPU-bound kernels share one
# core's throughput) and xdist adds ~7 s of start-up: try `NBVAL_JOBS=2`.
NBVAL_JOBS ?=
PORT   ?= 8000

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

# The venv's tools first (kernels, jupyter subcommands).
export PATH := $(CURDIR)/$(BIN):$(PATH)

# One environment for executing notebooks (`make execute`) and re-running them
# (nbval in `make test`), so stored outputs reproduce. MPLBACKEND is the inline
# backend on purpose: Agg would make plt.show() draw nothing and warn on stderr.
# One BLAS thread: results do not depend on the machine's core count, and on
# the 2-vCPU machines measured a 300x300 matmul ran ~4x faster than with
# OpenBLAS's default of 2 threads.
NB_ENV := PYTHONHASHSEED=0 \
	MPLBACKEND=module://matplotlib_inline.backend_inline \
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

LINT_PATHS := dlbook tests benchmarks tools

.PHONY: help book lite test lint pytest nbval browser execute lab serve clean distclean

help:
	@echo "make book       build the HTML book into _build/html (warnings are errors)"
	@echo "make test       ruff + pytest tests + pytest --nbval book + make book + make browser"
	@echo "make browser    the built site and \`make lab\` in headless Chromium (tests/browser)"
	@echo "make execute    re-run every book/*.ipynb in place, storing outputs"
	@echo "make lab        JupyterLab on book/"
	@echo "make serve      serve _build/html on http://127.0.0.1:$(PORT)"
	@echo "make clean      remove _build and caches (keeps .venv)"
	@echo "make distclean  clean, and remove .venv"

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -r requirements.txt
	touch $@

# The revision pages (book/interview-answers.md, book/self-test.md) are generated
# from the notebooks first; tests/test_revision.py checks the committed copies.
# So is the Anki deck they link to (book/flashcards.apkg, not committed: Sphinx
# copies it into the site, and a missing file is a build warning).
# A fresh _build every time: after a failed -W build an incremental rebuild
# can report success with empty pages. --keep-going lists every warning, and
# -W still makes the exit status non-zero if there was any.
book: $(STAMP)
	$(BIN)/python tools/revision.py
	$(BIN)/python tools/flashcards.py
	rm -rf _build
	$(BIN)/jupyter-book build . --all -W -n --keep-going
	$(MAKE) --no-print-directory lite

# The in-browser copy of the book in _build/html/lite (each chapter page's "Run in your
# browser" button opens its notebook there; tools/lite_button.py): JupyterLite with the
# Pyodide kernel, the chapters as its files (tools/lite.py adds an install cell) and the
# dlbook wheel. Built offline; the reader's browser fetches Pyodide itself when used.
# jupyter lite build keeps a cache (.jupyterlite.doit.db) in its working directory.
lite: $(STAMP)
	$(BIN)/python tools/lite.py _build/lite-src
	cd _build/lite-src && $(CURDIR)/$(BIN)/jupyter lite build --contents contents \
		--output-dir ../html/lite --apps lab --apps notebooks --no-sourcemaps \
		--no-unused-shared-packages

# Fail fast: each step runs only if the previous one passed (in this order,
# even under make -j).
test: $(STAMP)
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory pytest
	$(MAKE) --no-print-directory nbval
	$(MAKE) --no-print-directory book
	$(MAKE) --no-print-directory browser

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)

# tests/browser needs a built site and Chromium: `make browser`.
pytest: $(STAMP)
	$(BIN)/pytest tests --ignore=tests/browser

# Strict nbval (not --nbval-lax): every stored text output must reproduce.
# With xdist, --dist loadfile keeps each notebook's cells on one worker (one
# kernel); the default would split a notebook's cells across workers.
NBVAL_XDIST := $(if $(NBVAL_JOBS),-p xdist -n $(NBVAL_JOBS) --dist loadfile,)
nbval: $(STAMP)
	$(NB_ENV) $(BIN)/pytest --nbval --nbval-current-env \
		--nbval-sanitize-with .nbval_sanitize.cfg $(NBVAL_XDIST) book

# Headless Chromium (Debian's `chromium`; CHROMIUM=/path for another) opens
# every page of _build/html and chapter 9 in `make lab`'s JupyterLab
# (tests/browser). Builds the site first if there is none.
browser: $(STAMP)
	@test -f _build/html/index.html || $(MAKE) --no-print-directory book
	$(BIN)/pytest tests/browser

execute: $(STAMP)
	$(NB_ENV) $(BIN)/python benchmarks/book_time.py --inplace --timeout 60
	$(BIN)/python tools/revision.py
	$(BIN)/python tools/flashcards.py

# Localhost only. Jupyter refuses to run as root without --allow-root (root is
# the normal user on the project's machines).
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)
lab: $(STAMP)
	$(NB_ENV) $(BIN)/jupyter lab --ServerApp.root_dir=book --ServerApp.ip=127.0.0.1 $(LAB_ARGS)

serve:
	@test -f _build/html/index.html || $(MAKE) book
	$(PYTHON) -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

clean:
	rm -rf _build .pytest_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -type d \
		\( -name __pycache__ -o -name .ipynb_checkpoints \) -print0 \
		| xargs -0 rm -rf

distclean: clean
	rm -rf $(VENV) *.egg-info
