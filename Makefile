# LayerLab: `make run` installs everything and opens the app; `make test` installs and tests.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-slow bench lint clean-venv warmup

$(STAMP): pyproject.toml
	bash scripts/setup.sh "$(PYTHON)" "$(VENV)"
	touch $(STAMP)

# compile every kernel family once, after install (numba caches it in __pycache__); a progress
# line per network; again whenever an engine file changes (the cache is per source file)
WARM := $(VENV)/.engine-warm
$(WARM): $(STAMP) $(wildcard engine/kernels/*.py engine/layers/*.py)
	$(PY) main.py warmup
	touch $(WARM)

warmup: $(STAMP)
	$(PY) main.py warmup
	touch $(WARM)

run: $(STAMP) $(WARM)
	bash scripts/ensure_qt_libs.sh
	$(PY) main.py $(or $(PROJECT),assets/examples/spiral.layerlab.json)

test: $(STAMP)
	bash scripts/test.sh "$(PY)" $(PYTEST_ARGS)

# the long tests only (examples trained to their targets, long fuzz runs, soak, every example
# opened in one window): pytest -m slow, without the lint steps
test-slow: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -m slow $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) main.py bench $(BENCH_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	$(PY) scripts/import_cycles.py
	$(PY) scripts/line_budget.py

clean-venv:
	rm -rf $(VENV)
