# The two commands: `make run` and `make test`. Both create .venv, install, compile the
# catalogs and migrate the database before they do anything else.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SOURCES := bot domain handlers conversations storage
MO := locales/ar/LC_MESSAGES/messages.mo locales/en/LC_MESSAGES/messages.mo

.PHONY: run test test-fast chromium postgresql setup catalogs catalogs-compile migrate lint bench bench-broadcast bench-faq demo clean

run: setup migrate
	$(PY) -m bot run

demo: setup migrate
	$(PY) -m bot demo

# The browser tests drive Debian's Chromium (Playwright never downloads a browser):
# installed from Debian's packages when it is missing (as root, as CI runs).
chromium:
	@command -v chromium >/dev/null || apt-get install -y chromium || \
		{ apt-get update && apt-get install -y chromium; }

# The tests run each database test on SQLite and on PostgreSQL: pytest starts a throw-away
# server from Debian's binaries on a free loopback port (tests/postgres.py) and stops it at
# the end. The package is installed when it is missing (as root, as CI runs).
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt-get install -y postgresql || \
		{ apt-get update && apt-get install -y postgresql; }

test: setup migrate chromium postgresql
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest -W error -q

# Daily work: the unit and emulator tests on SQLite only, without the end-to-end ones and
# PostgreSQL (make test runs all).
test-fast: setup
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest -W error -q --backends sqlite tests/unit tests/emulator

setup: $(STAMP) catalogs-compile

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Compile the .po files into the .mo files the bot loads (they are not committed).
catalogs-compile: $(STAMP)
	$(PY) -m babel.messages.frontend compile --domain messages --directory locales --statistics

# After changing user-facing text: extract the messages and merge them into ar and en.
catalogs: $(STAMP)
	$(PY) -m babel.messages.frontend extract --mapping babel.cfg --keywords N_ \
		--keywords pgettext:1c,2 --add-comments TRANSLATORS: --sort-by-file \
		--project Tawasul --output locales/messages.pot $(SOURCES)
	$(PY) -m babel.messages.frontend update --domain messages --input-file locales/messages.pot \
		--output-dir locales --no-fuzzy-matching

migrate: setup
	$(PY) -m bot migrate

lint: setup
	$(PY) -m ruff check .
	$(PY) -m mypy

bench: setup
	$(PY) -m bench

bench-broadcast: setup
	$(PY) -m bench.broadcast

bench-faq: setup
	$(PY) -m bench.faq

clean:
	rm -rf $(VENV) $(MO)
