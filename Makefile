# Everyday commands. `make demo` and `make test` need nothing but Python 3.11 (SQLite, no Redis).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
DEMO_CUSTOMERS ?= 20000
DEMO_SEED ?= 7
HOST ?= 127.0.0.1:8000

.PHONY: help venv demo test test-fast lint typecheck messages messages-check format requirements bench fuzz-api clean

help:
	@echo "make demo   - install, migrate, generate demo data, replay past nights, train, score, create logins, serve on http://$(HOST)"
	@echo "make test   - run the whole test suite (SQLite; set DATABASE_URL/REDIS_URL for real servers)"
	@echo "make lint   - ruff lint + format check + layer contracts + type check + migrations check + Bengali catalogue check"
	@echo "make typecheck - mypy with django-stubs: strict for mlcore, the apps checked (config in pyproject.toml)"
	@echo "make messages - update locale/bn from the strings marked for translation and compile it (needs gettext)"
	@echo "make bench  - performance benchmarks (need PostgreSQL: DATABASE_URL)"
	@echo "make fuzz-api - schemathesis against the API's schema on a throwaway PostgreSQL database (about 4 minutes)"

# The venv is rebuilt when requirements change (the stamp file records the last install).
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

demo: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py generate_data --customers $(DEMO_CUSTOMERS) --years 3 --seed $(DEMO_SEED) --if-empty
	# The past six months of nights, with simulated staff and customers (once: a rerun replays nothing); their offers'
	# e-mails go to an in-memory outbox rather than the terminal.
	EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend $(PY) manage.py replay_demo --seed $(DEMO_SEED)
	$(PY) manage.py train_models
	$(PY) manage.py run_nightly
	$(PY) manage.py setup_periodic_tasks
	$(PY) manage.py setup_demo_accounts --site http://$(HOST)
	$(PY) manage.py pdf_report_check  # says which Debian packages PDF reports need, if they are missing
	$(PY) manage.py runserver $(HOST)

test: venv
	$(BIN)/pytest -n 2 --create-db

test-fast: venv
	$(BIN)/pytest -n 2 -m "not slow"

lint: venv messages-check typecheck
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports  # the layers of docs/ARCHITECTURE.md (contracts in pyproject.toml)
	$(PY) manage.py makemigrations --check --dry-run

# About a minute from scratch, seconds after that (mypy keeps its cache in .mypy_cache).
typecheck: venv
	$(BIN)/mypy

# Bengali text goes through Django's i18n: locale/bn/LC_MESSAGES/django.po, compiled to django.mo. The .mo is
# committed, so `make demo` serves Bengali without GNU gettext; run `make messages` after marking or changing a string,
# then translate what it adds (tests/test_translations.py fails on an untranslated string or a stale .mo).
I18N := --locale bn --ignore=.venv --ignore=staticfiles --ignore=var --ignore=bench
PO := locale/bn/LC_MESSAGES/django.po

messages: venv
	$(PY) manage.py makemessages $(I18N) --add-location file --no-obsolete
	$(PY) manage.py compilemessages $(I18N)

# The committed .po lists exactly the strings the code marks (its extraction date aside), with sound placeholders.
# The check regenerates it, compares, and puts the committed file back either way.
messages-check: venv
	cp $(PO) $(VENV)/django.po.committed
	$(PY) manage.py makemessages $(I18N) --add-location file --no-obsolete >/dev/null
	diff -u -I '^"POT-Creation-Date: ' $(VENV)/django.po.committed $(PO); status=$$?; \
	  mv $(VENV)/django.po.committed $(PO); \
	  test $$status -eq 0 || { echo "$(PO) is out of date: run 'make messages' and translate what it adds"; exit 1; }
	msgfmt --check --output-file=/dev/null $(PO)

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-pin requirements.txt from requirements.in (run after editing requirements.in).
requirements:
	rm -rf /tmp/sheba-pin && $(PYTHON) -m venv /tmp/sheba-pin
	/tmp/sheba-pin/bin/pip install --quiet -r requirements.in
	(echo "# Pinned by 'make requirements' from requirements.in; edit that file, not this one."; \
	  /tmp/sheba-pin/bin/pip freeze --exclude pip) > requirements.txt
	/tmp/sheba-pin/bin/pip install --quiet -r requirements-dev.in
	(echo "# Pinned by 'make requirements' from requirements-dev.in (tools on top of requirements.txt)."; \
	  /tmp/sheba-pin/bin/pip freeze --exclude pip | grep -vxFf requirements.txt) > requirements-dev.txt

bench: venv
	cd bench && ../$(PY) bench_data.py
	cd bench && ../$(PY) bench_ml.py
	cd bench && ../$(PY) bench_api.py
	cd bench && ../$(PY) bench_http.py
	cd bench && ../$(PY) bench_learning.py

# The API against its own OpenAPI schema, as CI runs it: .ci/schemathesis.sh says what and how.
fuzz-api: venv
	bash .ci/schemathesis.sh

clean:
	rm -rf $(VENV) db.sqlite3* staticfiles var
