# The newcomer path. Every target first installs missing Debian packages
# (packaging/debian-packages.txt), then configures and builds with the CMake presets.
#   make run    build and start the GUI on the default experiment and the sample dataset
#               (every target builds against LIBTORCH=DIR, else python3's CUDA torch, else
#               Debian's libtorch; TORCH=debian forces Debian's: README, "Training on an NVIDIA GPU")
#   make test   build and run every test suite
#   make demo   headless: run the default experiment (toy base model, 4 conditions x 3 seeds), print its table
#   make bench  benchmarks (see docs/benchmarks.md)
#   make fuzz   libFuzzer runs of the untrusted-input parsers (clang)
#   make screenshots  regenerate docs/screenshots from the GUI tests (after `make demo`, also the
#                     Samples view on the default experiment's store)
#   make package      build/inoculab_<version>_<arch>.deb (CPack; packaging/README.md)
#   make package-test lintian, then install the .deb, use it from /usr/bin, remove it (root)
#   make test-debian13  make test inside a Debian 13 root (libtorch 2.6, Qt 6.8) that debootstrap
#                       makes in build/debian13 once (root; scripts/test-debian13.sh)

BUILD_DIR := build
FUZZ_DIR := build-fuzz
FUZZ_SECONDS ?= 60
DATASET ?= datasets/samples/spanish_caps.jsonl
SPEC ?= datasets/experiments/spanish-caps.json
JOBS ?= $(shell nproc)

.PHONY: all deps configure build run test test-debian13 demo bench fuzz screenshots package package-test clean

all: build

deps:
	@scripts/install-deps.sh

# Configure once against the libtorch scripts/choose-libtorch.sh picks (LIBTORCH=DIR, else a
# CUDA torch of python3, else Debian's; TORCH=debian forces Debian's), again from scratch when
# that choice changes; later builds re-run CMake by themselves when a CMakeLists.txt changes.
configure: deps
	@scripts/configure.sh $(BUILD_DIR) default

build: configure
	cmake --build --preset default -j $(JOBS)

# The default experiment with the demo's store and models (populated once `make demo` ran).
run: build
	$(BUILD_DIR)/app/inoculab --spec $(SPEC) --store $(BUILD_DIR)/demo/results.sqlite --cache $(BUILD_DIR)/demo/cache $(DATASET)

test: build
	ctest --preset default -j $(JOBS)

test-debian13: deps
	JOBS=$(JOBS) scripts/test-debian13.sh

# The GUI suites write their screenshots into docs/screenshots too.
screenshots: build
	INOCULAB_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots INOCULAB_DEMO_STORE=$(CURDIR)/$(BUILD_DIR)/demo/results.sqlite \
	  ctest --preset default -L ui

package: build
	cmake --build --preset default --target package

package-test: package
	packaging/install-test.sh $(BUILD_DIR)/inoculab_*.deb

demo: build
	scripts/demo.sh $(BUILD_DIR)/app/inoculab-cli $(SPEC) $(BUILD_DIR)/demo

bench: build
	/usr/bin/python3 bench/dataset_scan/run.py --build-dir $(BUILD_DIR)
	/usr/bin/python3 bench/store_ingest/run.py --build-dir $(BUILD_DIR)
	/usr/bin/python3 bench/train_throughput/run.py --build-dir $(BUILD_DIR)
	/usr/bin/python3 bench/judges/run.py --build-dir $(BUILD_DIR)

# Each fuzzer starts from a copy of the seed corpus; new interesting inputs stay in the
# build folder. A crash leaves its input there as crash-*.
fuzz: deps
	@test -f $(FUZZ_DIR)/build.ninja || cmake --preset fuzz
	cmake --build --preset fuzz -j $(JOBS)  # only the fuzzers (see CMakePresets.json)
	@for target in record_parser jsonl_scan experiment_spec safetensors tokenizer_json chat_completion slurm_files; do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$target && cp -n tests/fuzz/corpus/$$target/* $(FUZZ_DIR)/corpus/$$target/; \
	  echo "== fuzz_$$target for $(FUZZ_SECONDS) s"; \
	  (cd $(FUZZ_DIR) && ./tests/fuzz/fuzz_$$target -max_total_time=$(FUZZ_SECONDS) -max_len=4096 corpus/$$target) || exit 1; \
	done

# make test-debian13 mounts /proc and the like inside build/debian13/root while it runs.
clean:
	@! grep -q " $(CURDIR)/$(BUILD_DIR)/" /proc/mounts || { echo "error: something is still mounted under $(BUILD_DIR)/ (see /proc/mounts); unmount it first" >&2; exit 1; }
	rm -rf $(BUILD_DIR) $(FUZZ_DIR)
