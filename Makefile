# digifys – the usual commands. `make demo` and `make test` work on a fresh Debian machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DEMO_ENV := DIGIFYS_DEMO=1
STAMP := $(VENV)/.installed

.PHONY: install system-packages demo cluster cluster-stop test test-fast check lint format messages clean

# Debian packages the suite needs: Chromium for browser tests, gettext for the catalogues,
# Node for the test OpenID Connect provider and the JavaScript NEWS2 test, DejaVu fonts for PDF
# extracts, Janus (the SFU of family meetings; the tests start their own instance, `make demo` one
# when installed), wrk (the load generator of bench/pages.py), HAProxy and PostgreSQL 15's server
# binaries (`make cluster`: a load balancer, a primary and a replica), PostgreSQL's client
# programs (pg_dump and pg_restore for `manage.py backup` and `restore`).
system-packages:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v msgfmt >/dev/null 2>&1 || missing="$$missing gettext"; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts-dejavu-core"; \
	command -v janus >/dev/null 2>&1 || missing="$$missing janus"; \
	command -v wrk >/dev/null 2>&1 || missing="$$missing wrk"; \
	command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing="$$missing haproxy"; \
	[ -x /usr/lib/postgresql/15/bin/initdb ] || missing="$$missing postgresql-15"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	command -v pg_dump >/dev/null 2>&1 || missing="$$missing postgresql-client"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py synth_region --if-empty
	$(DEMO_ENV) $(PY) manage.py refresh_insights
	$(DEMO_ENV) PORT=$(PORT) $(PY) manage.py rundemo

# More than one server on this machine (docs/operations.md, "Several servers"): HAProxy, two
# WSGI nodes, an ASGI node, the task worker, a PostgreSQL primary and streaming replica, Redis.
cluster: install system-packages
	$(PY) deploy/cluster.py start

cluster-stop:
	$(PY) deploy/cluster.py stop

test: install system-packages
	$(DEMO_ENV) $(PY) manage.py compilemessages --ignore=.venv -v 0
	$(PY) -m pytest -n 2 --dist loadgroup --durations=15

test-fast: install
	$(PY) -m pytest -n 2 -m "not browser and not slow"

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

messages: install
	$(DEMO_ENV) $(PY) manage.py makemessages -l sv -l en -l es --ignore=.venv --ignore=var --ignore=node_modules --no-obsolete
	$(DEMO_ENV) $(PY) manage.py makemessages -d djangojs -l sv -l en -l es --ignore=.venv --ignore=var --ignore=node_modules --no-obsolete
	$(DEMO_ENV) $(PY) manage.py compilemessages --ignore=.venv

check: install lint
	$(DEMO_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(DEMO_ENV) $(PY) manage.py check
	$(MAKE) test

clean:
	rm -rf $(VENV) var/*.sqlite3* .pytest_cache .ruff_cache
