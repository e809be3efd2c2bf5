# Thin wrapper around meson/ninja. `make demo` and `make check` do all set-up on a fresh
# Debian machine: they install missing packages (scripts/install-deps), configure build/,
# build, and run.
BUILD ?= build
MESON_FLAGS ?=

.PHONY: all deps setup build demo check sanitize clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja:
	@$(MAKE) --no-print-directory deps
	meson setup $(BUILD) $(MESON_FLAGS)

setup: $(BUILD)/build.ninja

build: setup
	ninja -C $(BUILD)

demo: build
	@echo "mzatlas demo: running the pipeline on the bundled SYNTHETIC example extract"
	@echo "              data/examples/example-2007.csv (not real Mikrozensus data)"
	$(BUILD)/cli/mzatlas run --year 2007 --out out/demo data/examples/example-2007.csv
	$(BUILD)/cli/mzatlas flag --year 2007 data/examples/example-2007.csv

check: build
	meson test -C $(BUILD) --print-errorlogs

# the test suite under AddressSanitizer + UndefinedBehaviorSanitizer, in build-asan/
sanitize: deps
	@test -f build-asan/build.ninja || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C build-asan
	meson test -C build-asan --print-errorlogs

clean:
	rm -rf $(BUILD) build-asan
