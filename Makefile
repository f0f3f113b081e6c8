# Two commands for a fresh machine: `make run` (demo on http://127.0.0.1:5000) and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app wsgi
PYTEST := $(PY) -m pytest

.PHONY: run test install translations system-deps checkers db seed serve worker bench lint i18n-extract

run: install db seed serve

# The HTML and accessibility checks skip, saying why, where `make checkers` could not install them.
test: install system-deps checkers
	$(PYTEST) -q

install: $(VENV)/.installed translations

$(VENV)/.installed: requirements.txt
	test -d $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

translations:
	$(VENV)/bin/pybabel compile -d translations --statistics 2>&1 | grep -v "^compiling" || true

# Debian's Chromium drives the browser tests; a CJK font draws Chinese in charts, posters and the
# delivery PDF; WeasyPrint (the delivery PDF) lays text out with pango.
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" \
	    || ! ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0"; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk \
	      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 >/dev/null; \
	  else \
	    echo "Install Debian's chromium, fonts-noto-cjk and pango (sudo apt-get install chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)"; exit 1; \
	  fi; \
	fi

# The Nu HTML Checker (vnu-jar) and axe-core from the npm registry, into .cache/vnu (ignored by git);
# --ignore-scripts: vnu-jar's install script would fetch a Java runtime from another host. The Nu
# checker needs Java: Debian's default-jre-headless, installed here when run as root.
VNU_VERSION := 26.9.27
AXE_VERSION := 4.14.1
CHECKERS := .cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar .cache/vnu/node_modules/axe-core/axe.min.js
checkers:
	@if ! command -v java >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; \
	fi
	@if ! ls $(CHECKERS) >/dev/null 2>&1; then \
	  if command -v npm >/dev/null 2>&1; then \
	    mkdir -p .cache/vnu && npm install --prefix .cache/vnu --no-save --ignore-scripts --no-audit --no-fund vnu-jar@$(VNU_VERSION) axe-core@$(AXE_VERSION) >/dev/null; \
	  else \
	    echo "npm is missing: the HTML and accessibility checks will skip (apt-get install npm)"; \
	  fi; \
	fi

db:
	$(FLASK) db upgrade

# The demo shows every shipped language, and writes its texts in each; a real site lists its own
# in LANGUAGES.
seed serve: export LANGUAGES ?= zh_Hans,zh_Hant,en

seed:
	$(FLASK) demo seed

serve:
	$(FLASK) serve

worker:
	$(FLASK) worker

# Lint and types (configured in pyproject.toml); .ci/run runs this before the tests.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: install
	$(PY) -m bench

# Refresh the catalogs after adding strings; then translate the new zh_Hans entries and run it
# again: zh_Hant is written from zh_Hans (OpenCC plus translations/zh_Hant/terms.tsv).
i18n-extract:
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --omit-header --sort-output .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(PY) scripts/hant_catalog.py
