#!/usr/bin/env bash
# test.sh: what `make test` (and CI, through .ci/run) runs.
#
#   1. scripts/setup-debian.sh (missing packages, npm ci)
#   2. the front end (npm run build), so the stack serves the real bundle
#   3. build/       -DMUSICGRAPH_WERROR=ON, then ctest (unit + integration on a real stack, and
#                   the unit tests under valgrind: label valgrind, docs/development.md)
#   4. build-asan/  -DMUSICGRAPH_SANITIZE=ON -DMUSICGRAPH_WERROR=ON, then ctest again with
#                   ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 and
#                   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
#   5. build-fuzz/  the libFuzzer targets (clang): test/fuzz/run.sh test replays test/fuzz/corpus
#                   and crashers, then fuzzes each target FUZZ_TEST_SECONDS (default 10)
#   6. clang-format: every tracked (or new, not ignored) *.c / *.h is formatted
# Every step runs even when an earlier one failed (except after a failed setup); the last line
# is "summary: N passed, M failed" (ctest tests + the format check; failed steps count as
# failures), and the exit status is 1 when anything failed.
#
# Environment: TEST_SKIP_ASAN=1 skips step 4; TEST_SKIP_FUZZ=1 skips step 5; TEST_BUILD_DIR / TEST_ASAN_DIR move the folders; CTEST_ARGS="-R smoke" is passed to both ctest
# runs (e.g. CTEST_ARGS="-L unit" or "-R integration.smoke").
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
B=${TEST_BUILD_DIR:-build}      # (other folders: TEST_BUILD_DIR=... TEST_ASAN_DIR=...)
BA=${TEST_ASAN_DIR:-build-asan}
JOBS=$(nproc 2>/dev/null || echo 2)

declare -a STEP_NAMES=() STEP_RESULTS=()
PASSED=0
FAILED=0

banner() { printf '\n===== %s =====\n' "$*"; }
record() { # NAME RESULT [counts as failure: 1]
	STEP_NAMES+=("$1")
	STEP_RESULTS+=("$2")
}

summary() {
	banner "summary"
	local i
	for i in "${!STEP_NAMES[@]}"; do
		printf '  %-44s %s\n' "${STEP_NAMES[$i]}" "${STEP_RESULTS[$i]}"
	done
	echo "summary: $PASSED passed, $FAILED failed"
}

# build DIR ARGS...: configure + build; keeps going past a failing target so ctest can still
# report everything else.
build() {
	local dir=$1
	shift
	cmake -S . -B "$dir" "$@" || return 1
	local keep=()
	grep -q '^CMAKE_GENERATOR:INTERNAL=Unix Makefiles' "$dir/CMakeCache.txt" 2>/dev/null && keep=(-- -k)
	grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja' "$dir/CMakeCache.txt" 2>/dev/null && keep=(-- -k 0)
	cmake --build "$dir" -j"$JOBS" "${keep[@]}"
}

# run_ctest DIR LABEL: ctest with output on failure; adds its counts to PASSED/FAILED.
run_ctest() {
	local dir=$1 label=$2 log rc line total failed
	log=$(mktemp)
	# shellcheck disable=SC2086 # (CTEST_ARGS is a list of words on purpose)
	ctest --test-dir "$dir" --output-on-failure --no-tests=error --parallel "$JOBS" ${CTEST_ARGS:-} 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n1)
	rm -f "$log"
	if [[ $line =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
		failed=${BASH_REMATCH[1]}
		total=${BASH_REMATCH[2]}
		PASSED=$((PASSED + total - failed))
		FAILED=$((FAILED + failed))
		if [ "$rc" = 0 ] && [ "$failed" = 0 ]; then
			record "$label" "ok ($total tests)"
		else
			[ "$failed" = 0 ] && FAILED=$((FAILED + 1)) # ctest failed for another reason
			record "$label" "FAILED ($failed of $total tests)"
		fi
	else
		FAILED=$((FAILED + 1))
		record "$label" "FAILED (ctest exited $rc, no test summary)"
	fi
}

step() { # NAME CMD...: a step that is not a test run; counts as one failure when it fails
	local name=$1
	shift
	if "$@"; then
		record "$name" ok
		return 0
	fi
	FAILED=$((FAILED + 1))
	record "$name" FAILED
	return 1
}

banner "setup (scripts/setup-debian.sh)"
if ! step "setup-debian.sh" bash scripts/setup-debian.sh; then
	summary
	exit 1
fi

if [ -f package.json ] && grep -q '"build"' package.json; then
	banner "front end (npm run build)"
	step "front end (npm run build)" npm run build --silent
fi

banner "$B/ (-DMUSICGRAPH_WERROR=ON)"
step "$B/ (-Werror)" build "$B" -DMUSICGRAPH_WERROR=ON
if [ -f "$B/CTestTestfile.cmake" ]; then
	banner "ctest $B/"
	run_ctest "$B" "ctest $B/"
fi

if [ "${TEST_SKIP_ASAN:-0}" != 1 ]; then
	banner "$BA/ (-DMUSICGRAPH_SANITIZE=ON -DMUSICGRAPH_WERROR=ON)"
	step "$BA/ (ASan+UBSan, -Werror)" build "$BA" -DMUSICGRAPH_SANITIZE=ON -DMUSICGRAPH_WERROR=ON
	if [ -f "$BA/CTestTestfile.cmake" ]; then
		banner "ctest $BA/"
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
			UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
			run_ctest "$BA" "ctest $BA/ (ASan+UBSan)"
	fi
else
	record "$BA/ + ctest" "skipped (TEST_SKIP_ASAN=1)"
fi

if [ "${TEST_SKIP_FUZZ:-0}" != 1 ]; then
	banner "fuzz (test/fuzz/run.sh test: replay, ${FUZZ_TEST_SECONDS:-10} s per target)"
	step "fuzz (replay + ${FUZZ_TEST_SECONDS:-10} s per target)" bash test/fuzz/run.sh test
else
	record "fuzz" "skipped (TEST_SKIP_FUZZ=1)"
fi

banner "clang-format"
format_check() {
	local -a files=()
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		mapfile -d '' files < <(git ls-files -z --cached --others --exclude-standard -- '*.c' '*.h')
	else
		mapfile -d '' files < <(find app test -name '*.[ch]' -print0)
	fi
	local -a present=() bad=()
	local f
	for f in "${files[@]}"; do [ -f "$f" ] && present+=("$f"); done
	for f in "${present[@]}"; do
		clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
	done
	if [ "${#bad[@]}" -gt 0 ]; then
		echo "not clang-format clean (fix with: make format):"
		printf '  %s\n' "${bad[@]}"
		clang-format --dry-run "${bad[0]}" 2>&1 | head -n 20
		FORMAT_DETAIL="FAILED (${#bad[@]} of ${#present[@]} files)"
		return 1
	fi
	echo "${#present[@]} files are clang-format clean"
	FORMAT_DETAIL="ok (${#present[@]} files)"
}
FORMAT_DETAIL=""
if format_check; then
	PASSED=$((PASSED + 1))
else
	FAILED=$((FAILED + 1))
fi
record "clang-format" "$FORMAT_DETAIL"

summary
[ "$FAILED" = 0 ]
