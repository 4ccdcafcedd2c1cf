# The two commands a newcomer needs (README.md): `make run` and `make test`.
# Both install what they need first: a virtualenv in .venv with the pins of pyproject.toml.

PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv test run lint

venv: $(STAMP)

# Reinstalled whenever pyproject.toml (the pins) changes; the stamp is written only on success.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "error: $(PYTHON) is older than Python 3.11, which this project needs" >&2; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || \
		{ echo "error: $(PYTHON) cannot create a virtualenv; install python3-venv" \
		       "(Debian: apt-get install python3-venv)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -e ".[dev]"
	touch $@

# Whole suite on SQLite, then on PostgreSQL; extra pytest arguments: make test ARGS="-k paper"
test: $(STAMP)
	$(VPY) tools/run_tests.py $(ARGS)

run: $(STAMP)
	$(VPY) manage.py migrate --noinput
	$(VPY) manage.py setup_demo
	$(VPY) manage.py runserver 127.0.0.1:8000

# ruff; the layer contracts of pyproject.toml (import-linter, docs/architecture.md); migrations.
lint: $(STAMP)
	$(VPY) -m ruff check .
	$(VENV)/bin/lint-imports --no-logo
	$(VPY) manage.py makemigrations --check --dry-run
