#!/usr/bin/env bash
# What `#[spmd::test]` adds to a job, per test: this crate's integration test
# `ring_reaches_every_rank::ranks_N` run as `cargo test` runs it (the test binary, given the
# test's name: it finds the launcher, takes its cores, starts the job, judges it) against the
# very same job started by hand (`mpirun -n N <test binary> <test> --exact ...`, each rank runs
# the test). N = 1, 2 and 4, RUNS times each (default 20), the two forms alternating; prints
# the median wall times and the median difference of the pairs.
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

wall_us() { # command...: its wall time in microseconds
    local start
    start=$(date +%s%N)
    "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
    echo $(( ($(date +%s%N) - start) / 1000 ))
}

median_ms() { # microseconds, one a line: their median in milliseconds
    sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] / 1000 }'
}

# The two forms alternate, run by run, so that both see the same load; "added" is the median
# of the differences of the pairs.
printf 'ranks  through #[spmd::test]  by hand under %s  added (median of pairs)\n' "$launcher"
for n in 1 2 4; do
    name="ring_reaches_every_rank::ranks_$n"
    extra=()
    [ "${#flags[@]}" -gt 0 ] && [ "$n" -gt "$cores" ] && extra=(--oversubscribe)
    attribute=() by_hand=() added=()
    for _ in $(seq "$runs"); do
        a=$(wall_us "$binary" "$name" --exact)
        b=$(SPMD_TEST_JOB="$name" wall_us "$launcher" -n "$n" "${flags[@]}" "${extra[@]}" \
            "$binary" "$name" --exact --include-ignored --nocapture -q)
        attribute+=("$a") by_hand+=("$b") added+=($((a - b)))
    done
    printf '%5d  %18s ms  %20s ms  %6s ms\n' "$n" \
        "$(printf '%s\n' "${attribute[@]}" | median_ms)" \
        "$(printf '%s\n' "${by_hand[@]}" | median_ms)" \
        "$(printf '%s\n' "${added[@]}" | median_ms)"
done
