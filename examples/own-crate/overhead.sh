#!/usr/bin/env bash
# What `#[spmd::test]` adds to a job, per test: this crate's integration test
# `ring_reaches_every_rank::ranks_N` run as `cargo test` runs it (the test binary, given the
# test's name: it finds the launcher, takes its cores, starts the job, judges it) against the
# very same job started by hand (`mpirun -n N <test binary> <test> --exact ...`, each rank runs
# the test). N = 1, 2 and 4, RUNS times each (default 20); prints the median wall times.
#
#   examples/own-crate/overhead.sh            # from the repository root; RUNS=50 for more
set -euo pipefail
cd "$(dirname "$0")"
runs=${RUNS:-20}
launcher=${SPMD_MPIRUN:-mpirun}
binary=$(cargo test --test ring --no-run 2>&1 | sed -n 's/.*Executable tests\/ring.rs (\(.*\))/\1/p')
[ -x "$binary" ] || { echo "cannot find the test binary of tests/ring.rs" >&2; exit 1; }
flags=()
if "$launcher" --version 2>&1 | grep -q "Open MPI"; then
    flags=(--bind-to none)
    [ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
cores=$(nproc)

median_ms() { # command...: the median wall time of `runs` runs, in milliseconds
    local times=() start
    for _ in $(seq "$runs"); do
        start=$(date +%s%N)
        "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
        times+=($(( ($(date +%s%N) - start) / 1000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] / 1000 }'
}

printf 'ranks  through #[spmd::test]  by hand under %s  added\n' "$launcher"
for n in 1 2 4; do
    name="ring_reaches_every_rank::ranks_$n"
    extra=()
    [ "${#flags[@]}" -gt 0 ] && [ "$n" -gt "$cores" ] && extra=(--oversubscribe)
    attribute=$(median_ms "$binary" "$name" --exact)
    by_hand=$(SPMD_TEST_JOB="$name" median_ms "$launcher" -n "$n" "${flags[@]}" "${extra[@]}" \
        "$binary" "$name" --exact --include-ignored --nocapture -q)
    printf '%5d  %18s ms  %20s ms  %6.1f ms\n' "$n" "$attribute" "$by_hand" \
        "$(echo "$attribute - $by_hand" | bc)"
done
