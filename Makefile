# Two commands for a fresh clone:  make book  and  make test.
# Both create .venv when it is missing (or when the requirements changed): the book installs
# requirements.txt only; the tests add requirements-dev.txt (pytest, the benchmarks' peers, PySpark).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEV    := $(VENV)/.installed-dev
export OPENBLAS_NUM_THREADS ?= 1
export PYDEVD_DISABLE_FILE_VALIDATION = 1

# Optional knobs: DATA=path/to/orders.csv  PARAMS=params.yaml  CH=concepts  CELL_TIMEOUT=600 (seconds per cell)
# They reach Python byte for byte and run nothing: make takes each value unexpanded ($(value ...)) and
# exports it; the recipe passes "$$ANALYSIS_..." in double quotes, which the shell substitutes as one word
# and never reads as code (a file name with backticks, $(...), quotes or spaces is only a name).
override DATA := $(value DATA)
override PARAMS := $(value PARAMS)
override CH := $(value CH)
override CELL_TIMEOUT := $(value CELL_TIMEOUT)
export ANALYSIS_DATA := $(DATA)
export ANALYSIS_PARAMS := $(PARAMS)
export ANALYSIS_CH := $(CH)
export ANALYSIS_CELL_TIMEOUT := $(CELL_TIMEOUT)
BOOK_ARGS = $(if $(DATA),--data "$$ANALYSIS_DATA") $(if $(PARAMS),--params "$$ANALYSIS_PARAMS") \
            $(if $(CELL_TIMEOUT),--cell-timeout "$$ANALYSIS_CELL_TIMEOUT")

.PHONY: book chapter handout lab doctor test test-fast serve clean venv help

help:
	@echo "make book                 execute every chapter (when changed) and build book/_build/html"
	@echo "make chapter              list the chapters, their needs and parameters"
	@echo "make chapter CH=concepts DATA=file.csv [PARAMS=params.yaml]   execute one chapter on your data"
	@echo "                          (book and chapter also take CELL_TIMEOUT=seconds per cell, default 600)"
	@echo "make handout              the workshop notebooks (exercises, and solutions) in book/_build/handout"
	@echo "make lab                  JupyterLab on the hand-out: http://127.0.0.1:8888/lab, the book's kernel, offline"
	@echo "make doctor               check this machine: Python, .venv, kernel, packages, write access, data"
	@echo "make test                 the whole test suite (see tests/README.md for the tiers)"
	@echo "make test-fast            unit tests only"
	@echo "make serve                serve the built book on http://127.0.0.1:8000"

venv: $(STAMP)

$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m analysis install-kernel
	touch $(STAMP)

$(DEV): $(STAMP) requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $(DEV)

book: $(STAMP)
	$(BIN)/python -m analysis book $(BOOK_ARGS)

# Without CH: the chapter list (exit 0). With CH: that chapter only; the book shows the others as last built.
chapter: $(STAMP)
ifeq ($(strip $(CH)),)
	@$(BIN)/python -m analysis chapters
else
	$(BIN)/python -m analysis book --chapter "$$ANALYSIS_CH" $(BOOK_ARGS)
endif

handout: $(STAMP)
	$(BIN)/python -m analysis handout

# JupyterLab on book/_build/handout, bound to 127.0.0.1 (no token: no other machine reaches it), offline
lab: $(STAMP)
	$(BIN)/python -m analysis lab

doctor:
	@test -x $(BIN)/python || { echo "problem  venv       $(VENV) does not exist"; echo "                    fix: make venv (or make book)"; exit 1; }
	$(BIN)/python -m analysis doctor

# Two workers by default (the CI machine's 2 cores); a file's tests stay in one worker (--dist loadfile),
# which the needs-edge count test relies on. TEST_WORKERS=0 runs in one process; only 0-16 or auto pass.
TEST_WORKERS ?= 2
WORKERS := $(filter 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 auto,$(value TEST_WORKERS))
test: $(DEV)
	@test -n "$(WORKERS)" || { echo "TEST_WORKERS must be a number from 0 to 16 or auto"; exit 2; }
	$(BIN)/python -m pytest $(if $(filter 0,$(WORKERS)),,-n $(WORKERS) --dist loadfile)

test-fast: $(DEV)
	$(BIN)/python -m pytest tests/unit

serve:
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory book/_build/html 8000

clean:
	rm -rf book/_build book/_build.new book/_build.old book/chapters book/.work book/_generated book/_unbuilt book/_toc.yml book/.build.lock
