# E-receipt gateway: `make run` sets up and starts everything on one machine; `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint format clean install bench browser-deps fonts

# Installs are quiet: their output goes to $(LOG) and is shown (its end) only when a step fails.
LOG := var/make.log
quietly = mkdir -p var && echo "== $(1)" >>$(LOG) && { $(2) ; } >>$(LOG) 2>&1 || \
	{ tail -n 40 $(LOG); echo "make: $(1) failed; its whole output is in $(LOG)"; false; }

# A fresh Debian has python3 but not always its venv module: install it when missing (needs root).
$(BIN)/python:
	@echo "creating $(VENV)"
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || \
	  { $(call quietly,apt-get install python3-venv,apt-get update -qq && apt-get install -y -qq python3-venv); }
	@$(call quietly,python -m venv,$(PYTHON) -m venv $(VENV) && $(BIN)/pip install --quiet --upgrade pip)

$(STAMP): setup.cfg pyproject.toml | $(BIN)/python
	@echo "installing ereceipt and its dependencies into $(VENV)"
	@$(call quietly,pip install -e .,$(BIN)/pip install --quiet -e .)
	@touch $@

$(TEST_STAMP): setup.cfg pyproject.toml | $(BIN)/python
	@echo "installing ereceipt with its test extra into $(VENV)"
	@$(call quietly,pip install -e .[test],$(BIN)/pip install --quiet -e '.[test]')
	@touch $@ $(STAMP)

install: $(STAMP)

# The printable PDF receipt needs DejaVu Sans for Vietnamese: installed when missing (needs root);
# without it the server still runs and the PDF download says which package is missing.
fonts:
	@test -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf || { echo "installing fonts-dejavu-core"; \
	  $(call quietly,apt-get install fonts-dejavu-core,apt-get update -qq && apt-get install -y -qq fonts-dejavu-core); } || \
	  echo "warning: could not install fonts-dejavu-core (as root: apt-get install fonts-dejavu-core)"

# Beside the server: a development witness (ereceipt witness) that cosigns the transparency log's
# checkpoints, and the treasury simulator that receives the daily collection reports.
run: $(STAMP) fonts ocr-deps
	@$(BIN)/ereceipt init --demo
	@$(BIN)/ereceipt witness --port 8091 & witness=$$!; \
	  $(BIN)/ereceipt treasury-simulator & treasury=$$!; trap "kill $$witness $$treasury" EXIT INT TERM; \
	  ERECEIPT_TRANSPARENCY__WITNESS_URL=http://127.0.0.1:8091 $(BIN)/ereceipt serve

# The admin page's browser tests drive the Debian chromium (never a browser Playwright downloads);
# PDFs need the DejaVu fonts for Vietnamese. Installed when missing (needs root).
browser-deps:
	@test -x /usr/bin/chromium && test -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf || \
	  { echo "installing chromium fonts-dejavu-core"; $(call quietly,apt-get install chromium,\
	    apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu-core); }

# Counter OCR runs the Debian Tesseract 5 with its Vietnamese data; its tests and bench/ocr.py
# draw documents with the DejaVu, Liberation 2 and FreeFont fonts (all with Vietnamese glyphs). Installed when missing (needs root).
.PHONY: ocr-deps
ocr-deps:
	@command -v tesseract >/dev/null && ls /usr/share/tesseract-ocr/*/tessdata/vie.traineddata >/dev/null 2>&1 && \
	  test -f /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf -a -f /usr/share/fonts/truetype/freefont/FreeSerif.ttf || \
	  { echo "installing tesseract-ocr tesseract-ocr-vie and fonts"; $(call quietly,apt-get install tesseract-ocr,\
	    apt-get update -qq && apt-get install -y -qq tesseract-ocr tesseract-ocr-vie fonts-dejavu-core \
	    fonts-liberation2 fonts-freefont-ttf); }

# The independent checks of signatures and time-stamps: xmlsec1 (XML Signature) and openssl (RFC 3161
# `openssl ts -verify`). Installed when missing (needs root).
.PHONY: signature-deps
signature-deps:
	@command -v xmlsec1 >/dev/null && command -v openssl >/dev/null || \
	  { echo "installing xmlsec1 openssl"; $(call quietly,apt-get install xmlsec1,\
	    apt-get update -qq && apt-get install -y -qq xmlsec1 openssl); }

test: $(TEST_STAMP) browser-deps ocr-deps signature-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(TEST_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(TEST_STAMP)
	$(BIN)/python bench/issue_receipts.py

clean:
	rm -rf $(VENV) var build *.egg-info

# The state treasury simulator for `make run` demos (another terminal): see docs/operating.md, "Treasury jobs".
.PHONY: treasury-simulator
treasury-simulator: $(STAMP)
	$(BIN)/ereceipt treasury-simulator

# A local SMTP server that prints every message it receives, for trying e-mail delivery
# (docs/operating.md, "Delivery to the payer"); aiosmtpd comes with the test extra.
.PHONY: smtp-demo
smtp-demo: $(TEST_STAMP)
	$(BIN)/python -m aiosmtpd -n -l 127.0.0.1:8025
