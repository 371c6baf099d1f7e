# The two commands of the README: `make run` and `make test`. Both install what the machine lacks first.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup setup-tests run test lint bench package clean

setup:
	@bash scripts/setup.sh

setup-tests:
	@bash scripts/setup.sh --tests

run: setup
	$(PY) -m app $(ARGS)

test: setup-tests
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -n 2 --dist loadgroup --max-worker-restart=0 $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check app tests bench

bench: setup
	$(PY) bench/bench_library.py $(BENCH_ARGS)

package: setup
	@bash packaging/build.sh

clean:
	rm -rf build dist $(VENV) .venv-stamp
