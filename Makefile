# Two entry points for a newcomer: `make demo` and `make test`.
# Both create .venv and install the package (torch pinned to 2.13.0, a CPU build here).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo demo-learned test install clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/parallelbench demo

demo-learned: $(STAMP)
	$(VENV)/bin/parallelbench demo --model learned

test: $(STAMP)
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) benchmarks/sampler.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache
