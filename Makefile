# Two commands matter: `make run` starts the app on SQLite, `make test` runs the whole test suite.
# Both install what they need first (Debian packages, the virtual environment, compiled translations)
# and do nothing again when nothing changed.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Pango and HarfBuzz (with its subsetter: without it Chinese PDFs are ~50x slower) for WeasyPrint;
# Noto fonts cover the six UN languages.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-core \
	fonts-noto-cjk fonts-dejavu-core
# What the tests use on top: pdftotext and pdffonts; Debian's Chromium for the browser tests; Node.js
# (for npm) and Java (for the HTML checker) when missing; PostgreSQL for the storage tests on both databases.
TEST_PACKAGES := poppler-utils chromium postgresql

PO := $(wildcard translations/*/LC_MESSAGES/*.po)
MO := $(PO:.po=.mo)

.PHONY: run test setup system-packages test-packages check bench i18n screenshots clean

run: setup
	$(BIN)/assess serve --host $(HOST) --port $(PORT)

test: setup test-packages node_modules/.installed
	$(MAKE) --no-print-directory check
	$(BIN)/pytest $(PYTEST_ARGS)

check:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy assess
	$(BIN)/bandit -q -r assess -ll
	$(BIN)/assess validate

setup: system-packages $(VENV)/.installed $(MO)

system-packages:
	@$(call ensure_packages,$(SYSTEM_PACKAGES) $(if $(shell $(PYTHON) -c 'import ensurepip, venv' 2>/dev/null && echo ok),,python3-venv))

test-packages:
	@$(call ensure_packages,$(TEST_PACKAGES) $(if $(shell command -v node),,nodejs) \
	  $(if $(shell command -v npm),,npm) $(if $(shell command -v java),,default-jre-headless))

# Install the Debian packages that are missing (apt-get update only when something is missing).
define ensure_packages
missing=""; for p in $(1); do \
  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
done; \
if [ -n "$$missing" ]; then \
  echo "Installing Debian packages:$$missing"; \
  $(SUDO) apt-get update -qq && \
  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
fi
endef

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,postgres]'
	touch $@

# Test-only tools from the npm registry: axe-core and the W3C Nu HTML checker (vnu-jar).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

translations/%.mo: translations/%.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

bench: setup
	$(BIN)/python bench/bench.py
	$(BIN)/python bench/workshop_bench.py

clean:
	rm -rf $(VENV) build dist *.egg-info instance .pytest_cache .mypy_cache .ruff_cache $(MO)

# Re-extract both gettext domains and update every catalogue (then translate what is new).
KEYWORDS := -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -k pgettext:1c,2 -k ngettext:1,2
i18n: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg $(KEYWORDS) --no-location --omit-header -o translations/messages.pot .
	$(BIN)/pybabel extract -F babel-questionnaire.cfg --add-comments= --no-location --omit-header \
		-o translations/questionnaire.pot .
	for domain in messages questionnaire; do \
	  for po in translations/*/LC_MESSAGES/$$domain.po; do \
	    [ -e "$$po" ] || continue; \
	    $(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -D $$domain \
	      -i translations/$$domain.pot -d translations -l $$(basename $$(dirname $$(dirname $$po))); \
	  done; \
	done

# The README's screenshots: the wizard, and the first page of a report.
screenshots: setup test-packages
	$(BIN)/python scripts/screenshots.py
