# The two commands a newcomer needs: `make demo` and `make test`. Both set up everything they use.
PYTHON ?= python3
VENV ?= .venv

.PHONY: demo test test-matrix fault-campaign venv clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -r tests/requirements.txt
	touch $@

demo: venv
	VENV=$(abspath $(VENV)) bash tests/utils/demo.sh

test: venv
	VENV=$(abspath $(VENV)) bash tests/utils/run_tests.sh

# Sanity, units and the role's integration targets on every ansible-core from 2.16 to 2.21, each in its own virtual
# environment in build/matrix/<version> (Python 3.11, 3.12 from 2.20 on). MATRIX_ARGS=--short: units on 2.16 and 2.21.
test-matrix:
	bash tests/utils/test_matrix.sh $(MATRIX_ARGS)

# The role against the sandbox under random faults at the API, the network, the hosts and the play, then a clean rerun
# each time: at least 500 renewals. CAMPAIGN_ARGS: --renewals N, --seed S, --lanes L, --short (what make test runs).
fault-campaign: venv
	$(VENV)/bin/python tests/utils/fault_campaign.py $(CAMPAIGN_ARGS)

clean:
	rm -rf build tests/output
