# Thin wrapper around meson/ninja. `make demo` and `make check` do all set-up on a fresh
# Debian machine: they install missing packages (scripts/install-deps), configure build/,
# build, and run.
BUILD ?= build
MESON_FLAGS ?=

.PHONY: all deps setup build demo check test sanitize clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja:
	@$(MAKE) --no-print-directory deps
	meson setup $(BUILD) $(MESON_FLAGS)

setup: $(BUILD)/build.ninja

build: setup
	ninja -C $(BUILD)

# the SYNTHETIC calibrated 2007 sample through the whole pipeline; prints how each finding of the
# 2010 report is reproduced (docs/reproducing-the-2010-report.md); outputs in out/demo
demo: build
	$(BUILD)/cli/mzatlas demo

# the whole suite, then the same suite under AddressSanitizer + UndefinedBehaviorSanitizer
check: build
	meson test -C $(BUILD) --print-errorlogs
	@$(MAKE) --no-print-directory sanitize

# only the plain test suite (quicker while developing)
test: build
	meson test -C $(BUILD) --print-errorlogs

# the test suite under AddressSanitizer + UndefinedBehaviorSanitizer, in build-asan/
sanitize: deps
	@test -f build-asan/build.ninja || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false $(MESON_FLAGS)
	ninja -C build-asan
	meson test -C build-asan --print-errorlogs

clean:
	rm -rf $(BUILD) build-asan
