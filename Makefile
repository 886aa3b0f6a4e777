# ha_agents — see README.md.  `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DEBIAN_PACKAGES := heartbeat resource-agents keepalived lighttpd redis-server iproute2 \
	tcpdump socat iputils-ping iputils-arping psmisc procps curl libxml2-utils \
	pacemaker-cli-utils corosync util-linux kmod e2fsprogs systemd nftables \
	pacemaker crmsh pcs fence-agents logcheck netsniff-ng $(DEB_BUILD_PACKAGES)
# What `make deb` builds with (dh-python's pybuild with its pyproject plugin) and checks
# with (lintian).
DEB_BUILD_PACKAGES := dpkg-dev debhelper dh-python pybuild-plugin-pyproject python3-all \
	python3-setuptools python3-wheel python3-build python3-installer lintian
PYTEST_ARGS ?=
# The suite runs on two pytest-xdist workers, a test file per worker at a time (a file's
# fixtures stay in one process; every network-namespace test has its own prefix), and
# prints its slowest tests so that a slow-down shows in CI's log.
SUITE_ARGS := -n 2 --dist loadfile --durations=25
VERSION := $(shell sed -n 's/^__version__ = "\(.*\)"/\1/p' ha_agents/__init__.py)
# The product's files (what the wheel, the sdist and the .deb are built from): the
# checkout's tracked files as they are in the work tree, without tests, lab or benches.
PRODUCT := ha_agents conf docs debian README.md setup.cfg pyproject.toml
# Where `make wheel` and `make deb` build and put their results (tests/packaging uses temp dirs).
BUILD ?= build
DIST ?= dist

.PHONY: install deps venv test test-fast check bench demo clean install-system wheel deb

# Debian packages the tests and the demo use (real Heartbeat, resource-agents, ...).
# Service start-up at install time is disabled: nothing may run as the host's cluster.
deps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	  if [ -n "$$missing" ]; then \
	    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; \
	    export DEBIAN_FRONTEND=noninteractive; apt-get update -q && \
	    apt-get install -y -q --no-install-recommends $$missing && rm -f /usr/sbin/policy-rc.d; \
	  fi; \
	else echo "make deps: not root or no apt-get; skipping Debian packages"; fi

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

STAMP := $(VENV)/.installed
$(STAMP): $(PY) setup.cfg pyproject.toml
	$(PY) -m pip install -q -e '.[test,dev]'
	touch $@

venv: $(STAMP)

# Install ha-agents for this user (the README's first command).
install: venv

test: deps venv
	$(PY) -m pytest $(SUITE_ARGS) $(PYTEST_ARGS)

test-fast: venv
	$(PY) -m pytest -m "not netns" $(PYTEST_ARGS)

check: venv
	$(VENV)/bin/ruff check ha_agents tests bench
	$(VENV)/bin/ruff format --check ha_agents tests bench
	$(VENV)/bin/mypy
	$(PY) -m pytest -q -m "not netns"

bench: deps venv
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# The example cluster: check it as node1 would (--remote: this machine is not node1, so
# its interfaces are not required; git does not keep authkeys' 0600, so set
# it), then run the two-node failover demo in network namespaces.
demo: deps venv
	chmod 600 conf/authkeys
	$(PY) -m ha_agents check --config-dir conf --node node1 --remote
	$(PY) -m tests.lab.demo --config-dir conf

# Lay out /etc/ha.d examples (never overwriting), our agents, the state dir and the
# systemd unit.  DESTDIR=/tmp/stage make install-system shows what it would write.
install-system: venv
	$(PY) -m ha_agents install-system --root "$(or $(DESTDIR),/)" --python "$(abspath $(PY))"

# $(DIST)/ha_agents-$(VERSION)-py3-none-any.whl and the sdist, built from a copy of the
# product's files (nothing written into the checkout but $(DIST)/).
wheel: venv
	rm -rf $(BUILD)/wheel && mkdir -p $(BUILD)/wheel/src $(DIST)
	git ls-files -z $(PRODUCT) | tar --null -T - -cf - | tar -xf - -C $(BUILD)/wheel/src
	$(abspath $(PY)) -m build --no-isolation --outdir $(abspath $(DIST)) $(BUILD)/wheel/src

# $(DIST)/ha-agents_$(VERSION)_all.deb: dpkg-buildpackage (dh-python's pybuild, unsigned)
# with Debian's own python3, whatever python3 comes first in PATH; then lintian on it.
DEB_SRC := $(BUILD)/deb/ha-agents-$(VERSION)
SYSTEM_PATH := PATH=/usr/sbin:/usr/bin:/sbin:/bin
deb: deps
	rm -rf $(BUILD)/deb && mkdir -p $(DEB_SRC) $(DIST)
	git ls-files -z $(PRODUCT) | tar --null -T - -cf - | tar -xf - -C $(DEB_SRC)
	cd $(DEB_SRC) && env $(SYSTEM_PATH) dpkg-buildpackage -us -uc -b
	mv $(BUILD)/deb/ha-agents_$(VERSION)_all.deb $(DIST)/
	env $(SYSTEM_PATH) lintian --fail-on error,warning $(DIST)/ha-agents_$(VERSION)_all.deb

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
