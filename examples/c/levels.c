/* The per-call cost of MPI's threading levels, counted in instructions (deterministic, unlike
 * timings across processes): `levels LEVEL N` initialises MPI at LEVEL (`init` for MPI_Init,
 * or `single`, `funneled`, `multiple` for MPI_Init_thread) and makes N pairs of calls on
 * MPI_COMM_SELF, an MPI_Allreduce of one double and an MPI_Sendrecv of one double to itself.
 * `cargo xtask bench` runs it under `valgrind --tool=callgrind` with N = 0 and N = 20000 and
 * reports the difference per pair: the library's own work per call, by level. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: levels init|single|funneled|multiple N\n");
        return 2;
    }
    int requested = MPI_THREAD_SINGLE, provided = MPI_THREAD_SINGLE;
    if (strcmp(argv[1], "funneled") == 0) requested = MPI_THREAD_FUNNELED;
    if (strcmp(argv[1], "multiple") == 0) requested = MPI_THREAD_MULTIPLE;
    if (strcmp(argv[1], "init") == 0) {
        MPI_Init(&argc, &argv);
    } else {
        MPI_Init_thread(&argc, &argv, requested, &provided);
        if (provided < requested) fprintf(stderr, "levels: provided %d < requested %d\n", provided, requested);
    }
    long n = atol(argv[2]);
    double a = 1.0, b = 0.0;
    for (long i = 0; i < n; i++) {
        MPI_Allreduce(&a, &b, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_SELF);
        MPI_Sendrecv(&a, 1, MPI_DOUBLE, 0, 0, &b, 1, MPI_DOUBLE, 0, 0, MPI_COMM_SELF,
                     MPI_STATUS_IGNORE);
    }
    MPI_Finalize();
    return b == 1.0 || n == 0 ? 0 : 1;
}
