#!/usr/bin/env bash
# run.sh: build and run the libFuzzer targets of test/fuzz (docs/fuzzing.md).
#
#   run.sh test [TARGET...]      `make test`: replay every file of corpus/ and crashers/, then
#                                fuzz each target FUZZ_TEST_SECONDS (default 10); new inputs
#                                stay in the build folder. Fails on any crash, leak, UB,
#                                broken property, timeout or out-of-memory.
#   run.sh long [TARGET...]      `make fuzz`: fuzz each target FUZZ_SECONDS (default 600), then
#                                merge: corpus/TARGET keeps its named seeds plus the smallest
#                                set of inputs with the coverage of the old corpus and the run.
#   run.sh coverage [TARGET...]  line and region coverage of each target's parser over its
#                                corpus (a second build with -fcoverage-mapping, llvm-cov).
#   run.sh list                  the target names.
#
#   FUZZ_BUILD_DIR  the build folder (default build-fuzz; coverage: FUZZ_COV_DIR, build-fuzz-cov)
#   FUZZ_JOBS       targets run at once (default: the number of cores)
#   FUZZ_ARGS       more libFuzzer flags, e.g. "-seed=1 -only_ascii=1"
# A crash leaves its input in BUILD/artifacts/TARGET/; keep it in test/fuzz/crashers/TARGET/
# with a line in test/fuzz/crashers/README.md (replayed from then on).
set -uo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FUZZ=$SRC/test/fuzz
B=${FUZZ_BUILD_DIR:-$SRC/build-fuzz}
[[ $B == /* ]] || B=$SRC/$B
JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}

# The targets, the largest input each is given, and the parser file its coverage is shown for.
declare -A MAX_LEN=([pct_decode]=512 [form]=1024 [cookie]=1024 [request]=2048 [csv]=2048
	[import]=1024 [password]=512 [utf8]=512 [slug]=512 [audit_detail]=1024)
declare -A PARSER=([pct_decode]=app/src/http/decode.c [form]=app/src/http/decode.c
	[cookie]=app/src/http/decode.c [request]=app/src/http/request.c [csv]=app/src/util/csv.c
	[import]=app/cli/import.c [password]=app/src/util/password.c [utf8]=app/src/util/utf8.c
	[slug]=app/src/util/slug.c [audit_detail]=app/src/pages/audit_detail.c)
ALL=(pct_decode form cookie request csv import password utf8 slug audit_detail)

say() { printf 'fuzz: %s\n' "$*" >&2; }

# build DIR [cmake args...]: configure (clang, MUSICGRAPH_FUZZ) and build the targets.
build() {
	local dir=$1
	shift
	command -v clang >/dev/null || { say "clang is missing (scripts/setup-debian.sh installs it)"; return 1; }
	mkdir -p "$dir"
	cmake -S "$SRC" -B "$dir" -DCMAKE_C_COMPILER=clang -DMUSICGRAPH_FUZZ=ON -DMUSICGRAPH_WERROR=ON "$@" >"$dir/fuzz-configure.log" 2>&1 ||
		{ cat "$dir/fuzz-configure.log"; return 1; }
	cmake --build "$dir" --target fuzz -j"$JOBS" >"$dir/fuzz-build.log" 2>&1 ||
		{ tail -n 40 "$dir/fuzz-build.log"; return 1; }
}

# inputs TARGET: every kept input of a target (corpus and crashers), NUL-separated.
inputs() {
	find "$FUZZ/corpus/$1" "$FUZZ/crashers/$1" -type f ! -name '*.md' -print0 2>/dev/null | sort -z
}

# flags TARGET: the libFuzzer flags every run of TARGET gets.
flags() {
	local t=$1
	mkdir -p "$B/artifacts/$t"
	printf '%s\n' -max_len="${MAX_LEN[$t]}" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$B/artifacts/$t/" -print_final_stats=1
	if [ -f "$FUZZ/dict/$t.dict" ]; then printf '%s\n' -dict="$FUZZ/dict/$t.dict"; fi
	# shellcheck disable=SC2086 # (a list of flags)
	if [ -n "${FUZZ_ARGS:-}" ]; then printf '%s\n' ${FUZZ_ARGS}; fi
}

# stats LOG: "N runs, R/s, cov C ft F, corpus K" from libFuzzer's final lines.
stats() {
	local log=$1 runs rate cov ft corp
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n1 | cut -d' ' -f2)
	ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -n1 | cut -d' ' -f2)
	corp=$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -n1 | cut -d' ' -f2)
	printf '%s runs, %s/s, cov %s ft %s, corpus %s' "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}"
}

# fail TARGET LOG [replay]: show why a run failed and where its input is.
fail() {
	local t=$1 log=$2
	say "$t FAILED; the end of $log:"
	grep -v -E '^(#[0-9]+|Running: |Executed )' "$log" | tail -n 60 >&2
	if [ "${3:-}" = replay ]; then
		say "the kept input that fails: $(sed -n 's/^Running: //p' "$log" | tail -n 1)"
	else
		say "the input is in $B/artifacts/$t/ (keep it in test/fuzz/crashers/$t/, see crashers/README.md)"
	fi
}

# one_test TARGET: replay, then a short run. Output in BUILD/logs/TARGET.log.
one_test() {
	local t=$1 bin=$B/test/fuzz/fuzz_$1 log=$B/logs/$1.log n
	local -a files=() fl=()
	mapfile -d '' files < <(inputs "$t")
	mapfile -t fl < <(flags "$t")
	n=${#files[@]}
	: >"$log"
	# replay: each file once, as is (no -max_len cut), every one must pass
	if [ "$n" -gt 0 ] && ! "$bin" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$B/artifacts/$t/" "${files[@]}" >>"$log" 2>&1; then
		fail "$t" "$log" replay
		echo "$t: replay FAILED"
		return 1
	fi
	mkdir -p "$B/work/$t"
	if ! "$bin" "${fl[@]}" -max_total_time="${FUZZ_TEST_SECONDS:-10}" "$B/work/$t" "$FUZZ/corpus/$t" >>"$log" 2>&1; then
		fail "$t" "$log"
		echo "$t: fuzzing FAILED"
		return 1
	fi
	echo "$t: replayed $n files; ${FUZZ_TEST_SECONDS:-10} s: $(stats "$log")"
}

# one_long TARGET: a long run, then the corpus becomes its hand-written seeds plus the smallest
# set of inputs (named by their SHA-1, as libFuzzer names them) that keeps all the coverage
# of the old corpus and of this run.
one_long() {
	local t=$1 bin=$B/test/fuzz/fuzz_$1 log=$B/logs/$1.log before after f
	local dir=$FUZZ/corpus/$1 merged=$B/merged/$1
	local -a fl=()
	mapfile -t fl < <(flags "$t")
	mkdir -p "$B/work/$t" "$dir"
	if ! "$bin" "${fl[@]}" -max_total_time="${FUZZ_SECONDS:-600}" "$B/work/$t" "$dir" >"$log" 2>&1; then
		fail "$t" "$log"
		echo "$t: FAILED"
		return 1
	fi
	before=$(find "$dir" -type f | wc -l)
	rm -rf "$merged" && mkdir -p "$merged"
	"$bin" -merge=1 -max_len="${MAX_LEN[$t]}" -rss_limit_mb=2048 "$merged" "$dir" "$B/work/$t" >"$log.merge" 2>&1 ||
		{ tail -n 20 "$log.merge" >&2; echo "$t: merge FAILED"; return 1; }
	find "$dir" -type f -regextype egrep -regex '.*/[0-9a-f]{40}' -delete
	for f in "$dir"/*; do # a seed the merge picked is there already under its own name
		[ -f "$f" ] && rm -f "$merged/$(sha1sum <"$f" | cut -c1-40)"
	done
	cp "$merged"/* "$dir"/ 2>/dev/null
	after=$(find "$dir" -type f | wc -l)
	echo "$t: ${FUZZ_SECONDS:-600} s: $(stats "$log"); corpus/$t: $before -> $after files"
}

# run_all FN TARGET...: FN for each target, JOBS at a time; prints the lines in order.
run_all() {
	local fn=$1 t status=0 running=0
	shift
	mkdir -p "$B/logs"
	for t in "$@"; do
		[ -n "${MAX_LEN[$t]:-}" ] || { say "no such target: $t (run.sh list)"; return 2; }
		"$fn" "$t" >"$B/logs/$t.result" &
		running=$((running + 1))
		if [ "$running" -ge "$JOBS" ]; then
			wait -n || status=1
			running=$((running - 1))
		fi
	done
	while [ "$running" -gt 0 ]; do
		wait -n || status=1
		running=$((running - 1))
	done
	for t in "$@"; do cat "$B/logs/$t.result"; done
	return $status
}

coverage() {
	local dir=${FUZZ_COV_DIR:-$SRC/build-fuzz-cov} t prof
	[[ $dir == /* ]] || dir=$SRC/$dir
	local flags="-fprofile-instr-generate -fcoverage-mapping"
	build "$dir" -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" || return 1
	mkdir -p "$dir/prof"
	for t in "$@"; do
		local -a files=()
		mapfile -d '' files < <(inputs "$t")
		prof=$dir/prof/$t
		rm -f "$prof".*
		LLVM_PROFILE_FILE="$prof.profraw" "$dir/test/fuzz/fuzz_$t" "${files[@]}" >/dev/null 2>&1 ||
			{ say "$t: replay failed"; return 1; }
		llvm-profdata merge -sparse "$prof.profraw" -o "$prof.profdata" || return 1
		printf '\n%s (%d inputs): %s\n' "$t" "${#files[@]}" "${PARSER[$t]}"
		llvm-cov report -show-functions "$dir/test/fuzz/fuzz_$t" -instr-profile="$prof.profdata" \
			"$SRC/${PARSER[$t]}" | grep -v -e '^-*$' -e "^File '"
	done
}

cmd=${1:-}
shift || true
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=("${ALL[@]}")
case $cmd in
test)
	build "$B" || exit 1
	run_all one_test "${targets[@]}"
	;;
long)
	build "$B" || exit 1
	run_all one_long "${targets[@]}"
	;;
coverage)
	coverage "${targets[@]}"
	;;
list)
	printf '%s\n' "${ALL[@]}"
	;;
*)
	awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
	exit 2
	;;
esac
