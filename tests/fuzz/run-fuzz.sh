#!/bin/bash
# tests/fuzz/run-fuzz.sh: build the libFuzzer targets with clang (ASan + UBSan) and run each for
# FUZZ_SECONDS (default 60). `make fuzz` calls it; it can also run by hand:
#
#   tests/fuzz/run-fuzz.sh [--seconds N] [--target NAME]... [--build-only] [--out DIR] [--merge]
#                          [--cflags FLAGS] [--libs LIBS] [-- LIBRARY SOURCES...]
#
# Without library sources it compiles every src/*.c except main.c and fcgi_io.c (the FastCGI
# loop). Each run starts from the committed seeds (tests/fuzz/corpus/NAME) plus a work corpus in
# DIR/work/NAME (default DIR: tests/fuzz in the build tree, or /tmp/notes-fuzz by hand) that
# grows between runs. A crash, leak, sanitizer report or broken invariant fails the run and
# leaves the input in DIR/artifacts/; copy it to tests/fuzz/regressions/NAME/ so `make check`
# replays it from then on. --merge folds the work corpus back into the committed seeds
# (libFuzzer -merge=1: only inputs that add coverage).
#
# Prints one line per target and appends it to DIR/fuzz-results.txt:
#   fuzz_request: 1234567 executions in 60 s (CPU 59.1 s user+sys), corpus 812, new coverage 340
# Environment: CC_FUZZ (default clang), FUZZ_SECONDS, FUZZ_MAX_LEN (default 16384).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
seconds=${FUZZ_SECONDS:-60}
max_len=${FUZZ_MAX_LEN:-16384}
cc=${CC_FUZZ:-clang}
out=
targets=()
build_only=0
merge=0
extra_cflags=
extra_libs=
sources=()
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) seconds=$2; shift 2 ;;
	--target) targets+=("$2"); shift 2 ;;
	--out) out=$2; shift 2 ;;
	--build-only) build_only=1; shift ;;
	--merge) merge=1; shift ;;
	--cflags) extra_cflags=$2; shift 2 ;;
	--libs) extra_libs=$2; shift 2 ;;
	--srcdir) srcdir=$(cd "$2" && pwd); shift 2 ;;
	--) shift; sources=("$@"); break ;;
	*) echo "run-fuzz.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_request fuzz_body)
[[ $seconds =~ ^[0-9]+$ ]] || { echo "run-fuzz.sh: FUZZ_SECONDS must be a number: $seconds" >&2; exit 2; }
out=${out:-/tmp/notes-fuzz}
mkdir -p "$out/bin" "$out/work" "$out/artifacts"
out=$(cd "$out" && pwd)

command -v "$cc" >/dev/null || { echo "run-fuzz.sh: $cc not found (apt-get install clang)" >&2; exit 2; }

# The library's C files: as given (the Makefile passes src_libnotes_a_SOURCES), else src/*.c.
lib_c=()
if [ ${#sources[@]} -gt 0 ]; then
	for s in "${sources[@]}"; do
		case $s in *.c) lib_c+=("$srcdir/$s") ;; esac
	done
else
	for s in "$srcdir"/src/*.c; do
		case ${s##*/} in main.c | fcgi_io.c) ;; *) lib_c+=("$s") ;; esac
	done
fi
[ -n "$extra_cflags" ] || extra_cflags="$(pkg-config --cflags libpq json-c)"
[ -n "$extra_libs" ] || extra_libs="$(pkg-config --libs libpq json-c libargon2 libsodium)"

build() { # build NAME: the libFuzzer binary $out/bin/NAME
	local name=$1
	# shellcheck disable=SC2086
	"$cc" -g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -fno-omit-frame-pointer \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-I"$srcdir/src" -I"$srcdir/tests/unit" -I"$srcdir/tests/fuzz" $extra_cflags \
		-o "$out/bin/$name" "$srcdir/tests/fuzz/$name.c" \
		"$srcdir/tests/unit/harness.c" "$srcdir/tests/unit/fake_store.c" "${lib_c[@]}" \
		$extra_libs -lm
}

rc=0
for t in "${targets[@]}"; do
	[ -f "$srcdir/tests/fuzz/$t.c" ] || { echo "run-fuzz.sh: no target $t" >&2; exit 2; }
	echo "run-fuzz.sh: building $t with $cc (fuzzer, address, undefined)"
	build "$t"
done
[ $build_only = 1 ] && exit 0

for t in "${targets[@]}"; do
	seeds=$srcdir/tests/fuzz/corpus/$t
	work=$out/work/$t
	mkdir -p "$work"
	dict=()
	[ -f "$srcdir/tests/fuzz/$t.dict" ] && dict=(-dict="$srcdir/tests/fuzz/$t.dict")
	log=$out/$t.log
	if [ $merge = 1 ]; then
		echo "run-fuzz.sh: merging $work into $seeds"
		"$out/bin/$t" -merge=1 -max_len="$max_len" "$seeds" "$work" >"$log" 2>&1 ||
			{ tail -n 20 "$log" >&2; rc=1; }
		continue
	fi
	echo "run-fuzz.sh: fuzzing $t for $seconds s"
	regress=()
	[ -d "$srcdir/tests/fuzz/regressions/$t" ] && regress=("$srcdir/tests/fuzz/regressions/$t")
	status=0
	TIMEFORMAT='%3U %3S %3R'
	{ time "$out/bin/$t" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/artifacts/$t-" \
		"${dict[@]}" "$work" "$seeds" "${regress[@]}" >"$log" 2>&1 || status=$?; } 2>"$out/$t.time"
	read -r user sys real <"$out/$t.time"
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	new=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -n 1)
	cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')
	corpus=$(find "$work" -type f | wc -l)
	line="$t: ${execs:-?} executions in ${real%.*} s (CPU $cpu s user+sys), corpus $corpus, new coverage ${new:-?}"
	if [ $status -ne 0 ]; then
		line="$line; FAILED (exit $status)"
		rc=1
		grep -E 'ERROR|invariant broken|SUMMARY|Test unit written' "$log" | head -n 20 >&2 || true
		echo "run-fuzz.sh: full log: $log; reproduce with $out/bin/$t ARTIFACT;" \
			"then copy the artifact to tests/fuzz/regressions/$t/" >&2
	fi
	echo "$line"
	echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $line" >>"$out/fuzz-results.txt"
done
exit $rc
