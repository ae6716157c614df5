# The two commands a newcomer needs: `make demo` and `make test`. Both set up everything they use.
PYTHON ?= python3
VENV ?= .venv

.PHONY: demo test venv clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -r tests/requirements.txt
	touch $@

demo: venv
	VENV=$(abspath $(VENV)) bash tests/utils/demo.sh

test: venv
	VENV=$(abspath $(VENV)) bash tests/utils/run_tests.sh

clean:
	rm -rf build tests/output
