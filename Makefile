# Music Graph: thin wrappers; the work is done by scripts/ (see docs/development.md).
.PHONY: run test build clean format bench fuzz

# Install what is missing, build, and serve https://localhost:8443 until Ctrl-C (state in .run/).
run:
	bash scripts/run.sh

# Everything: -Werror build + ctest, ASan/UBSan build + ctest, clang-format check.
test:
	bash scripts/test.sh

# Figures, not a test: wrk against a private stack vs nginx serving the same bytes
# (docs/performance.md). BENCH_SECONDS, BENCH_RUNS, BENCH_SKIP_10X=1 tune it.
bench:
	bash test/bench/run.sh

# Long libFuzzer runs (docs/fuzzing.md): FUZZ_SECONDS (default 600) per target, FUZZ_JOBS at
# once; what adds coverage is merged into test/fuzz/corpus/.
fuzz:
	SETUP_SKIP_NPM=1 bash scripts/setup-debian.sh
	bash test/fuzz/run.sh long

build:
	SETUP_SKIP_NPM=1 bash scripts/setup-debian.sh
	cmake -S . -B build
	cmake --build build -j$$(nproc)

# The build folders (and the test stacks inside them); .run/ (make run's data) stays.
clean:
	@for d in build*/it-stack; do if [ -d "$$d" ]; then bash test/lib/stack.sh destroy "$$d"; fi; done
	rm -rf build build-*/

format:
	git ls-files -z --cached --others --exclude-standard -- '*.c' '*.h' | xargs -0 -r clang-format -i
