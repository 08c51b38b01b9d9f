# backprop-tour: `make book` builds the HTML book, `make test` runs every test.
# Both create the virtual environment first if it is missing (only Python 3.11+ needed).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HTML   := _build/html

.PHONY: help book print-html pdf printed test lab restore live outputs bench bench-dx bench-engine bench-torch lint unit nbval built browser assets clean

help:
	@echo "make book     build the HTML book into $(HTML) (executes every chapter)"
	@echo "make pdf      the whole book as one PDF, $(PDF)"
	@echo "make test     lint, unit tests, notebooks (nbval), book build, browser tests"
	@echo "make lab      open your own copy of the chapters (lab/) in JupyterLab"
	@echo "make restore CHAPTER=02_chain_rule   put back the book's version of a chapter in lab/"
	@echo "make outputs  re-execute the chapters and store their checked outputs"
	@echo "make bench    time one training epoch and the conv layer"
	@echo "make bench-dx time the first layer's input gradient five ways against its arithmetic"
	@echo "make bench-engine  one epoch through the autodiff engine (chapter 7) against fit"
	@echo "make bench-torch  the same epoch and per-layer table side by side with PyTorch (own venv)"
	@echo "make clean    remove the build and the virtual environment"

$(VENV): $(STAMP)

# tools/jupyterlab_overrides.json: JupyterLab's defaults for this venv (make lab, make live): it
# never asks to fetch Jupyter's news or checks for updates, as the book is read offline.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings

$(STAMP): requirements.txt pyproject.toml tools/jupyterlab_overrides.json
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed, found " + sys.version.split()[0]'
	@test -x $(BIN)/python || { echo "== creating $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "== installing requirements into $(VENV)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (backprop-tour)" >/dev/null
	@mkdir -p $(LAB_SETTINGS) && cp tools/jupyterlab_overrides.json $(LAB_SETTINGS)/overrides.json
	@touch $(STAMP)

assets: $(STAMP)
	@echo "== offline assets (MathJax, require.js, widget manager) from npm"
	@$(BIN)/python tools/fetch_assets.py

# One jupyter-book build for the HTML book and the PDF's single page, warnings as errors.
# _ext/bt_book.py serves the offline assets when _assets/ has them, else the CDNs (it says so).
JUPYTER_BOOK := $(BIN)/jupyter-book build . -W -n --keep-going

# FROM_NBVAL=1 (make test): build from the notebooks nbval has just executed and saved in
# _build/executed/ (tools/nbval_save.py) instead of executing every chapter once more.
EXECUTED := _build/executed
# $(call from_nbval,MODE): the environment that makes the build read nbval's MODE run
from_nbval = $(if $(FROM_NBVAL),BACKPROP_TOUR_EXECUTED=$(EXECUTED)/$(1))
# ... and what the build says it does
executes = $(if $(FROM_NBVAL),the chapters as nbval executed them in $(EXECUTED)/$(1),every notebook executed afresh)

book: $(STAMP) assets
	@echo "== building the book into $(HTML) ($(call executes,html))"
	@rm -rf $(HTML) _build/.doctrees _build/jupyter_execute
	@start=$$(date +%s); \
	  BACKPROP_TOUR_STATIC=1 $(call from_nbval,html) $(JUPYTER_BOOK) || exit 1; \
	  echo "== book built in $$(( $$(date +%s) - start )) s: $$(du -sh $(HTML) | cut -f1) in $(HTML)"

# The whole book as one PDF, offline: a single-page build in print mode (sliders as their
# default frame, animations as strips of key frames), printed by the tests' Chromium.
PDF := _build/pdf/backprop-tour.pdf

# The stages that drive Chromium.  Without a working one, outside CI, each is skipped with
# one line saying how to get it (exit code 3 of tools/chromium.py); in CI that is an error.
BROWSER := $(BIN)/python tools/chromium.py
BROWSER_STAGES := browser printed live

PRINT_HTML := _build/print/_build/singlehtml

# The single page the PDF is printed from (make test builds it beside the HTML book).
print-html: $(STAMP) assets
	@echo "== building the book for print into $(PRINT_HTML) ($(call executes,print); log: _build/print.log)"
	@rm -rf _build/print; mkdir -p _build; \
	start=$$(date +%s); \
	BACKPROP_TOUR_PRINT=1 $(call from_nbval,print) $(JUPYTER_BOOK) --builder singlehtml --path-output _build/print \
	  >_build/print.log 2>&1 || { tail -40 _build/print.log; exit 1; }; \
	echo "== print page built in $$(( $$(date +%s) - start )) s"

# PRINT_BUILT=1: print the page already built (make test builds it beside the book).
pdf: $(STAMP) assets
	@$(BROWSER) pdf || exit $$(( $$? == 3 ? 0 : 1 )); \
	if [ -z "$(PRINT_BUILT)" ]; then $(MAKE) --no-print-directory print-html || exit 1; fi; \
	$(BIN)/python tools/print_pdf.py $(PRINT_HTML) $(PDF) || exit 1; \
	echo "== the book as one PDF: $(PDF)"

# (Each recipe below that needs Chromium is one shell command, so that a skip ends it.)
printed: $(STAMP)
	@$(BROWSER) printed || exit $$(( $$? == 3 ? 0 : 1 )); \
	$(MAKE) --no-print-directory pdf || exit 1; \
	echo "== checks of the PDF: every chapter, page numbers, bookmarks"; \
	$(BIN)/python -m pytest tests/test_pdf.py -q -p no:cacheprovider

lint: $(STAMP)
	@echo "== ruff"
	$(BIN)/ruff check src tests benchmarks tools

# (two workers: one process left a core idle for half the stage)
unit: $(STAMP)
	@echo "== unit tests (two workers)"
	$(BIN)/python -m pytest tests --ignore=tests/browser --ignore=tests/test_book_build.py \
	  --ignore=tests/test_pdf.py -q -p no:cacheprovider -n 2

# Every chapter executed and its checked cells compared with the stored outputs -- twice:
# with this machine's BLAS kernels, then with the oldest x86-64 set (Prescott), which any
# x86-64 CPU runs and which rounds differently.  Both must print what is stored: a checked
# cell prints only what the mathematics fixes, never digits of rounding noise.  The two runs
# go side by side, one BLAS thread each, so that they take one run's time on two cores.
# Each run keeps what it executed (tools/nbval_save.py), and make test builds the book from
# that instead of executing every chapter twice more: the first run draws the figures as
# the HTML book does (sliders with every frame), the second as the print page does; the
# chapters run live (sliders redrawn by Python) in make live.
NBVAL := $(BIN)/python -m pytest --nbval-lax --nbval-current-env \
	--nbval-sanitize-with tests/nbval_sanitize.cfg book -q -p no:cacheprovider \
	-p tools.nbval_save

nbval: $(STAMP)
	@echo "== notebooks: stored outputs light, then every chapter executed by nbval (twice)"
	$(BIN)/python tools/check_notebooks.py book/*.ipynb
	@rm -rf $(EXECUTED); mkdir -p _build
	@if [ "$$(uname -m)" = x86_64 ]; then \
	  echo "== nbval, side by side (one core each): this machine's BLAS kernels ($$($(BIN)/python tools/blas_kernel.py)), figures as in the HTML book, and OPENBLAS_CORETYPE=Prescott ($$(OPENBLAS_CORETYPE=Prescott $(BIN)/python tools/blas_kernel.py)), figures as on paper"; \
	  OPENBLAS_NUM_THREADS=1 BACKPROP_TOUR_STATIC=1 $(NBVAL) --nbval-save $(EXECUTED)/html \
	    >_build/nbval-native.log 2>&1 & native=$$!; \
	  OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Prescott BACKPROP_TOUR_PRINT=1 $(NBVAL) \
	    --nbval-save $(EXECUTED)/print >_build/nbval-prescott.log 2>&1 & prescott=$$!; \
	  wait $$native; a=$$?; wait $$prescott; b=$$?; \
	  echo "-- this machine's kernels:"; tail -n 25 _build/nbval-native.log; \
	  echo "-- Prescott:"; tail -n 25 _build/nbval-prescott.log; \
	  [ $$a = 0 ] && [ $$b = 0 ] || { echo "== nbval FAILED (full logs: _build/nbval-native.log, _build/nbval-prescott.log)"; exit 1; }; \
	else \
	  echo "== nbval: this machine's BLAS kernels, figures as in the HTML book, then as on paper; the Prescott run is SKIPPED: OPENBLAS_CORETYPE=Prescott needs an x86-64 CPU, this is $$(uname -m)"; \
	  BACKPROP_TOUR_STATIC=1 $(NBVAL) --nbval-save $(EXECUTED)/html || exit 1; \
	  BACKPROP_TOUR_PRINT=1 $(NBVAL) --nbval-save $(EXECUTED)/print || exit 1; \
	fi

built: $(STAMP)
	@echo "== checks of the built HTML: every chapter, sizes, nothing loaded from off the machine"
	$(BIN)/python -m pytest tests/test_book_build.py -q -p no:cacheprovider

browser: $(STAMP)
	@$(BROWSER) browser || exit $$(( $$? == 3 ? 0 : 1 )); \
	echo "== browser tests of $(HTML) (two Chromium workers)"; \
	$(BIN)/python -m pytest tests/browser --ignore=tests/browser/test_live_lab.py -q -p no:cacheprovider \
	  -n 2 --dist loadgroup

live: $(STAMP)
	@$(BROWSER) live || exit $$(( $$? == 3 ? 0 : 1 )); \
	echo "== the chapters live in JupyterLab (Chromium, two servers side by side): every cell runs, every slider redraws"; \
	$(BIN)/python -m pytest tests/browser/test_live_lab.py -q -p no:cacheprovider -n 2

STAGES := lint unit nbval book built browser printed live

# Decided once, before the first stage: in CI a missing browser fails at once, not after
# the book is built; outside CI its stages are skipped and the last line names them.
# The unit tests run beside nbval (they kept the two cores only half busy on their own,
# nbval about 88%).
# The HTML book and the page the PDF is printed from are built side by side from the
# chapters nbval has just executed (FROM_NBVAL=1: Sphinx alone, about 6 s each here, where
# executing the chapters again took about a minute); `printed` then only prints the page,
# beside the browser tests (printing keeps about one core busy, the browser tests about 1.7).
test: $(STAMP)
	@skipped=""; $(BROWSER) $(BROWSER_STAGES) || { [ $$? = 3 ] || exit 1; skipped="$(BROWSER_STAGES)"; }; \
	times=""; for stage in $(STAGES); do \
	  case " $$skipped " in *" $$stage "*) continue;; esac; \
	  name=$$stage; \
	  case "$$stage $$skipped" in \
	    unit*) name="unit+nbval"; \
	      run="$(MAKE) --no-print-directory -j2 --output-sync=target unit nbval";; \
	    nbval*) continue;; \
	    "book "*printed*) run="$(MAKE) --no-print-directory book FROM_NBVAL=1";; \
	    book*) run="$(MAKE) --no-print-directory -j2 --output-sync=target book print-html FROM_NBVAL=1";; \
	    browser*) name="browser+printed"; \
	      run="$(MAKE) --no-print-directory -j2 --output-sync=target browser printed PRINT_BUILT=1";; \
	    printed*) continue;; \
	    *) run="$(MAKE) --no-print-directory $$stage";; \
	  esac; \
	  start=$$(date +%s); $$run || exit 1; \
	  times="$$times $$name $$(( $$(date +%s) - start )) s,"; \
	done; \
	if [ -n "$$skipped" ]; then \
	  echo "== all tests passed; time per stage:$${times%,}; SKIPPED (no working Chromium): $$skipped"; \
	else echo "== all tests passed; time per stage:$${times%,}"; fi

# Readers play on their own copy: lab/ (ignored by git) is made from book/ when missing, so
# running, editing and autosaving never touch the tracked chapters.
lab: $(STAMP)
	@$(BIN)/python tools/lab_copy.py ensure
	@echo "== JupyterLab in lab/, your copy of the chapters (make restore CHAPTER=02_chain_rule puts one back)"
	@echo "   the library is installed editable: after an edit in src/, restart the kernel"
	$(BIN)/jupyter lab --ServerApp.root_dir=lab $(if $(filter 0,$(shell id -u)),--allow-root)

restore: $(STAMP)
	@test -n "$(CHAPTER)" || { echo "usage: make restore CHAPTER=02_chain_rule (or CHAPTER=all)"; exit 2; }
	@$(BIN)/python tools/lab_copy.py restore "$(CHAPTER)"

outputs: $(STAMP)
	@echo "== executing the chapters, storing only the outputs of cells tagged nbval-check-output"
	$(BIN)/python tools/refresh_outputs.py book/*.ipynb

bench: $(STAMP)
	@echo "== benchmarks/bench_cnn.py"
	$(BIN)/python benchmarks/bench_cnn.py

bench-dx: $(STAMP)
	@echo "== benchmarks/bench_input_grad.py"
	$(BIN)/python benchmarks/bench_input_grad.py

bench-engine: $(STAMP)
	@echo "== benchmarks/bench_autodiff.py"
	$(BIN)/python benchmarks/bench_autodiff.py

# PyTorch for the side-by-side comparison lives in its own environment (CPU build, 2.13.0).
bench-torch: $(STAMP)
	@test -x .venv-torch/bin/python || $(PYTHON) -m venv .venv-torch
	.venv-torch/bin/python -m pip install --quiet torch==2.13.0 numpy threadpoolctl
	$(BIN)/python benchmarks/compare_torch.py --torch-python .venv-torch/bin/python

clean:
	rm -rf _build _assets $(VENV) .venv-torch .pytest_cache .hypothesis
