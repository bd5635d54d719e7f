# The STEDI lakehouse. `make run` builds it on an embedded Spark session; `make test` runs
# everything CI checks. See README.md.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# make test, lint, the Athena proof and the benchmark also need requirements-dev.txt
DEV_INSTALLED := $(VENV)/.installed-dev

# Data of `make run`: the generated sample set unless LANDING names a directory laid out like
# the starter data. VARS are dbt vars, e.g. VARS='{rubric_compatible: true}'.
SAMPLE := data/sample
LANDING ?= $(SAMPLE)
LANDING_ROOT := data/landing
VARS ?= {}
# FULL_REFRESH=1 parses every landing file again; by default a build parses only new or
# rewritten files (README "Incremental builds").
FULL_REFRESH ?=

# `make test` builds the sample set on a Spark Thrift server, in a landing root of its own.
CI_LANDING_ROOT := data/ci/landing

export DBT_PROFILES_DIR := $(CURDIR)
export SPARK_LOCAL_IP := 127.0.0.1

.PHONY: run test docs lint install check-java ci-checks clean

run: check-java $(INSTALLED) profiles.yml
ifeq ($(LANDING),$(SAMPLE))
	$(BIN)/python -m tools.sample_data $(SAMPLE)
endif
	$(BIN)/python load_landing.py "$(LANDING)" $(LANDING_ROOT) --delete
	$(BIN)/python -m stedi_lakehouse.build --target session --landing-root $(LANDING_ROOT) \
		--vars '$(VARS)' --skip-unit-tests $(if $(FULL_REFRESH),--full-refresh)

# Erase customers on request (README "Erasing a customer"): EMAIL='a@example.com b@example.com',
# or EMAIL=- to read them from standard input; then a full-refresh build of every zone. The
# recipe is not echoed, so the e-mails stay out of the output.
.PHONY: erase
erase: check-java $(INSTALLED) profiles.yml
	$(if $(EMAIL),,$(error EMAIL is not set: make erase EMAIL=someone@example.com))
	@$(BIN)/python erase_customer.py $(EMAIL) --landing-root $(LANDING_ROOT) --rebuild

test: check-java $(DEV_INSTALLED) profiles.yml
	$(BIN)/python -m tools.thrift_server -- $(MAKE) --no-print-directory ci-checks

# Everything `make test` runs while its Thrift server is up (STEDI_THRIFT_PORT is set). The build
# of the sample set runs dbt's unit tests, once; pytest reads its schema rather than building
# the sample set again (tests/python/conftest.py), and runs the Athena contract, once.
CI_TARGET := data/ci/target
ci-checks:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m tools.sample_data data/ci/sample
	$(BIN)/python load_landing.py data/ci/sample $(CI_LANDING_ROOT) --delete
	STEDI_SCHEMA=stedi_ci DBT_TARGET_PATH=$(CI_TARGET) $(BIN)/python -m stedi_lakehouse.build \
		--target ci --no-java-check --landing-root $(CI_LANDING_ROOT)
	STEDI_SCHEMA=stedi_ci STEDI_LANDING_ROOT=$(CURDIR)/$(CI_LANDING_ROOT) $(BIN)/sqlfluff lint models tests
	STEDI_CI_SCHEMA=stedi_ci STEDI_CI_TARGET=$(CURDIR)/$(CI_TARGET) \
		STEDI_CI_SAMPLE=$(CURDIR)/data/ci/sample STEDI_CI_LANDING=$(CURDIR)/$(CI_LANDING_ROOT) \
		$(BIN)/pytest -n 2 --dist loadgroup

# Proof that the project builds on Athena, without an AWS account (docs/athena.md): dbt-athena
# against moto, the Athena SQL on DuckDB against Spark's zone counts, sqlfluff's athena dialect.
# Uses the Thrift server of `make test` (STEDI_THRIFT_PORT), or starts one.
.PHONY: athena-contract
athena-contract: check-java $(DEV_INSTALLED) profiles.yml
	$(BIN)/python -m tools.sample_data data/athena/sample
	$(BIN)/python load_landing.py data/athena/sample data/athena/landing --delete
	$(BIN)/python -m tools.athena --landing sample=data/athena/landing \
		--landing starter=../shared/data/udacity-starter $(ATHENA_CONTRACT_FLAGS)

# The scale benchmark (BENCHMARKS.md): the build against the peer baseline, the seeds' five Glue
# jobs as plain PySpark (benchmarks/glue_jobs/), on SCALE times the starter data, RUNS rounds, in
# each file layout of LAYOUTS (copies: a file per source file and copy; compact: 20 files per
# dataset). INCREMENT=1 also times incremental builds after a delivery of readings and of readings
# plus consent withdrawals. STRESS=1 instead runs three rounds per layout of 1x, SCALE x,
# full-refresh and incremental builds, each of which must pass and count right (RUNS and
# INCREMENT do not apply). Everything it writes goes to data/bench/.
SCALE ?= 1
RUNS ?= 3
INCREMENT ?= 0
LAYOUTS ?= copies,compact
STRESS ?= 0

.PHONY: bench
bench: check-java $(DEV_INSTALLED) profiles.yml
ifeq ($(STRESS),1)
	$(BIN)/python -m benchmarks.run_benchmark --stress --scale $(SCALE) --layouts $(LAYOUTS)
else
	$(BIN)/python -m benchmarks.run_benchmark --scale $(SCALE) --runs $(RUNS) \
		--layouts $(LAYOUTS) $(if $(filter 1,$(INCREMENT)),--increment)
endif

lint: $(DEV_INSTALLED) profiles.yml
	$(BIN)/ruff check .
	$(BIN)/python -m tools.thrift_server -- $(BIN)/sqlfluff lint models tests

# Statistics first, so the catalog shows each table's row count (a build does not compute them).
docs: check-java $(INSTALLED) profiles.yml
	STEDI_LANDING_ROOT=$(CURDIR)/$(LANDING_ROOT) $(BIN)/dbt run-operation compute_statistics --target session
	STEDI_LANDING_ROOT=$(CURDIR)/$(LANDING_ROOT) $(BIN)/dbt docs generate --target session
	$(BIN)/dbt docs serve --target session --host 127.0.0.1 --port 8080 --no-browser

install: $(INSTALLED)

$(INSTALLED): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "This project needs Python 3.11 or newer as '$(PYTHON)': install it, or run make with PYTHON=/path/to/python3.11." >&2; \
		exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(DEV_INSTALLED): $(INSTALLED) requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# A copy you may edit; a newer example is announced, never copied over your edits.
profiles.yml: profiles.yml.example
	@if [ -f $@ ]; then \
		echo "note: profiles.yml.example changed after your profiles.yml was made; compare them." >&2; \
		touch $@; \
	else cp $< $@; fi

check-java:
	@command -v java >/dev/null 2>&1 || [ -x "$$JAVA_HOME/bin/java" ] || { \
		echo "Spark needs Java 17, which was not found: install it (Debian/Ubuntu: 'sudo apt-get install openjdk-17-jre-headless', macOS: 'brew install openjdk@17') and put 'java' on PATH or set JAVA_HOME." >&2; \
		exit 1; }

clean:
	rm -rf target logs .spark data

# A one-minute smoke test of a real AWS account (docs/athena.md): the tiny landing set loaded to
# a prefix of its own, built on the `athena` target into a database of its own, checked against
# the Spark build's figures, then removed. Needs STEDI_S3_ROOT and AWS credentials.
# STAND_IN=1 runs it against moto on 127.0.0.1 instead, up to where SQL would execute.
STAND_IN ?=

.PHONY: athena-smoke
athena-smoke: $(if $(filter 1,$(STAND_IN)),$(DEV_INSTALLED),$(INSTALLED)) profiles.yml
	$(BIN)/python -m tools.athena.smoke $(if $(filter 1,$(STAND_IN)),--stand-in)
