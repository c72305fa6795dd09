/*
 * Plain-C MPI baseline: the per-call cost of ping-pong and allreduce when C calls MPI
 * directly, to compare with spmd's benchmark (examples/src/bin/bench.rs).
 *
 * Usage (exactly 2 ranks):
 *   mpirun -n 2 baseline [--threading single|funneled|multiple] [--seconds S]
 *                        [--sizes 4,8,16,32,64]
 *
 * single calls MPI_Init; funneled and multiple call MPI_Init_thread with
 * MPI_THREAD_FUNNELED or MPI_THREAD_MULTIPLE. Defaults: single, 0.5 s per (op, size),
 * sizes 4 8 16 32 64 bytes.
 *
 * Ops:
 *   ping-pong  rank 0 MPI_Send then MPI_Recv, rank 1 MPI_Recv then MPI_Send, N bytes of
 *              MPI_BYTE; the time of one call is half the round trip.
 *   allreduce  MPI_Allreduce (MPI_SUM) of ceil(N/4) MPI_INT (int32), at least 1.
 *
 * Method, per (op, size): one call checked against known data, 1000 warm-up calls,
 * calibration of the calls per block so that a block lasts about 10 ms, then blocks timed
 * with MPI_Wtime on rank 0 until there are at least 25 blocks and --seconds have passed.
 * Rank 0 decides the calls per block and whether to run another block and broadcasts both,
 * so the ranks always make the same calls. The reported time is the median over the blocks
 * of (block time / calls in the block).
 *
 * Output, on rank 0 only: comment lines start with '#'; then one line per (op, size):
 *   op=ping-pong bytes=8 threading=single median_ns=271.3 blocks=40
 */

#include <mpi.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WARMUP_CALLS 1000
#define BLOCK_SECONDS 0.010
#define MIN_BLOCKS 25
#define MAX_SIZES 64

enum op { OP_PING_PONG, OP_ALLREDUCE };

static const char *op_name(enum op op) {
    return op == OP_PING_PONG ? "ping-pong" : "allreduce";
}

struct options {
    const char *threading; /* "single", "funneled" or "multiple" */
    int required;          /* the MPI_THREAD_* level asked for */
    double seconds;
    int sizes[MAX_SIZES];
    int n_sizes;
};

struct ctx {
    int rank;
    int peer;
    unsigned char *send_bytes; /* ping-pong: rank 0 sends this */
    unsigned char *recv_bytes; /* ping-pong: both ranks receive here */
    int *send_ints;            /* allreduce input */
    int *recv_ints;            /* allreduce output */
};

static const char *thread_level_name(int level) {
    switch (level) {
    case MPI_THREAD_SINGLE:
        return "MPI_THREAD_SINGLE";
    case MPI_THREAD_FUNNELED:
        return "MPI_THREAD_FUNNELED";
    case MPI_THREAD_SERIALIZED:
        return "MPI_THREAD_SERIALIZED";
    case MPI_THREAD_MULTIPLE:
        return "MPI_THREAD_MULTIPLE";
    default:
        return "unknown";
    }
}

/* Parses the command line into `o`; on error writes a message into `err` and returns 0. */
static int parse_args(int argc, char **argv, struct options *o, char *err, size_t err_len) {
    static const int default_sizes[] = {4, 8, 16, 32, 64};
    o->threading = "single";
    o->required = MPI_THREAD_SINGLE;
    o->seconds = 0.5;
    o->n_sizes = (int)(sizeof default_sizes / sizeof default_sizes[0]);
    memcpy(o->sizes, default_sizes, sizeof default_sizes);

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            snprintf(err, err_len, "help");
            return 0;
        }
        if (strcmp(arg, "--threading") != 0 && strcmp(arg, "--seconds") != 0 &&
            strcmp(arg, "--sizes") != 0) {
            snprintf(err, err_len, "unknown argument `%s`", arg);
            return 0;
        }
        if (i + 1 >= argc) {
            snprintf(err, err_len, "`%s` needs a value", arg);
            return 0;
        }
        const char *value = argv[++i];
        if (strcmp(arg, "--threading") == 0) {
            if (strcmp(value, "single") == 0) {
                o->threading = "single";
                o->required = MPI_THREAD_SINGLE;
            } else if (strcmp(value, "funneled") == 0) {
                o->threading = "funneled";
                o->required = MPI_THREAD_FUNNELED;
            } else if (strcmp(value, "multiple") == 0) {
                o->threading = "multiple";
                o->required = MPI_THREAD_MULTIPLE;
            } else {
                snprintf(err, err_len,
                         "`--threading` takes single, funneled or multiple, got `%s`", value);
                return 0;
            }
        } else if (strcmp(arg, "--seconds") == 0) {
            char *end;
            errno = 0;
            double s = strtod(value, &end);
            if (errno != 0 || end == value || *end != '\0' || !(s >= 0.0) || s > 3600.0) {
                snprintf(err, err_len, "`--seconds` takes a number from 0 to 3600, got `%s`",
                         value);
                return 0;
            }
            o->seconds = s;
        } else { /* --sizes */
            o->n_sizes = 0;
            const char *p = value;
            for (;;) {
                char *end;
                errno = 0;
                long n = strtol(p, &end, 10);
                if (errno != 0 || end == p || n < 1 || n > (1L << 30) ||
                    (*end != ',' && *end != '\0')) {
                    snprintf(err, err_len,
                             "`--sizes` takes a comma-separated list of byte counts from 1 to "
                             "2^30, got `%s`",
                             value);
                    return 0;
                }
                if (o->n_sizes == MAX_SIZES) {
                    snprintf(err, err_len, "`--sizes` takes at most %d sizes", MAX_SIZES);
                    return 0;
                }
                o->sizes[o->n_sizes++] = (int)n;
                if (*end == '\0')
                    break;
                p = end + 1;
            }
        }
    }
    return 1;
}

/* Elements of the allreduce of `bytes` bytes: int32s, rounded up, at least one. */
static int allreduce_count(int bytes) {
    int n = (bytes + 3) / 4;
    return n < 1 ? 1 : n;
}

/* `calls` calls of `op` on `bytes` bytes; both ranks must call it with the same arguments. */
static void run_calls(const struct ctx *c, enum op op, int bytes, long long calls) {
    if (op == OP_PING_PONG) {
        if (c->rank == 0) {
            for (long long i = 0; i < calls; i++) {
                MPI_Send(c->send_bytes, bytes, MPI_BYTE, c->peer, 0, MPI_COMM_WORLD);
                MPI_Recv(c->recv_bytes, bytes, MPI_BYTE, c->peer, 0, MPI_COMM_WORLD,
                         MPI_STATUS_IGNORE);
            }
        } else {
            for (long long i = 0; i < calls; i++) {
                MPI_Recv(c->recv_bytes, bytes, MPI_BYTE, c->peer, 0, MPI_COMM_WORLD,
                         MPI_STATUS_IGNORE);
                MPI_Send(c->recv_bytes, bytes, MPI_BYTE, c->peer, 0, MPI_COMM_WORLD);
            }
        }
    } else {
        int count = allreduce_count(bytes);
        for (long long i = 0; i < calls; i++)
            MPI_Allreduce(c->send_ints, c->recv_ints, count, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    }
}

/* One call on known data; aborts every rank if the result is wrong. */
static void verify(const struct ctx *c, enum op op, int bytes) {
    int ok = 1;
    if (op == OP_PING_PONG) {
        for (int i = 0; i < bytes; i++) {
            c->send_bytes[i] = (unsigned char)(c->rank == 0 ? (i * 7 + 3) & 0xff : 0xee);
            c->recv_bytes[i] = 0x55;
        }
        run_calls(c, op, bytes, 1);
        /* Rank 1 received rank 0's message and sent it back: both hold it. */
        for (int i = 0; i < bytes; i++)
            ok &= c->recv_bytes[i] == (unsigned char)((i * 7 + 3) & 0xff);
    } else {
        int count = allreduce_count(bytes);
        for (int i = 0; i < count; i++) {
            c->send_ints[i] = (c->rank + 1) * 1000 + i;
            c->recv_ints[i] = -1;
        }
        run_calls(c, op, bytes, 1);
        for (int i = 0; i < count; i++)
            ok &= c->recv_ints[i] == 1000 + i + 2000 + i;
    }
    if (!ok) {
        fprintf(stderr, "baseline: rank %d: wrong result of %s of %d bytes\n", c->rank,
                op_name(op), bytes);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
}

/* Rank 0's value of `*v`, on every rank. */
static void agree(long long *v, int n) {
    MPI_Bcast(v, n, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
}

/* Calls per block so that a block lasts about BLOCK_SECONDS, decided by rank 0. */
static long long calibrate(const struct ctx *c, enum op op, int bytes) {
    long long calls = 1;
    for (;;) {
        double start = MPI_Wtime();
        run_calls(c, op, bytes, calls);
        double t = MPI_Wtime() - start;
        long long decision[2] = {0, 0}; /* {done, calls} */
        if (c->rank == 0) {
            if (t >= BLOCK_SECONDS / 5) {
                double n = (double)calls * BLOCK_SECONDS / t;
                decision[0] = 1;
                decision[1] = n < 1.0 ? 1 : (long long)(n + 0.5);
            } else {
                /* Aim at a fifth of a block next time, growing at least 2x, at most 100x. */
                double grow = t > 0.0 ? (BLOCK_SECONDS / 5) / t : 100.0;
                if (grow < 2.0)
                    grow = 2.0;
                if (grow > 100.0)
                    grow = 100.0;
                decision[1] = (long long)((double)calls * grow + 0.5);
            }
        }
        agree(decision, 2);
        if (decision[0])
            return decision[1];
        calls = decision[1];
    }
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, compare_doubles);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Times (op, bytes); on rank 0 prints its line. */
static void measure(const struct ctx *c, const struct options *o, enum op op, int bytes) {
    verify(c, op, bytes);
    run_calls(c, op, bytes, WARMUP_CALLS);
    long long calls = calibrate(c, op, bytes);

    int capacity = 256, blocks = 0;
    double *per_call = malloc((size_t)capacity * sizeof *per_call);
    if (per_call == NULL) {
        fprintf(stderr, "baseline: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    /* Half the round trip for ping-pong: one message, one way. */
    double calls_per_block = (double)calls * (op == OP_PING_PONG ? 2.0 : 1.0);
    double began = MPI_Wtime();
    for (;;) {
        double start = MPI_Wtime();
        run_calls(c, op, bytes, calls);
        double t = MPI_Wtime() - start;
        long long more = 0;
        if (c->rank == 0) {
            if (blocks == capacity) {
                capacity *= 2;
                double *grown = realloc(per_call, (size_t)capacity * sizeof *per_call);
                if (grown == NULL) {
                    fprintf(stderr, "baseline: out of memory\n");
                    MPI_Abort(MPI_COMM_WORLD, 1);
                }
                per_call = grown;
            }
            per_call[blocks] = t / calls_per_block * 1e9;
            more = blocks + 1 < MIN_BLOCKS || MPI_Wtime() - began < o->seconds;
        }
        blocks++;
        agree(&more, 1);
        if (!more)
            break;
    }
    if (c->rank == 0) {
        int shown = op == OP_ALLREDUCE ? 4 * allreduce_count(bytes) : bytes;
        printf("op=%s bytes=%d threading=%s median_ns=%.1f blocks=%d\n", op_name(op), shown,
               o->threading, median(per_call, blocks), blocks);
        fflush(stdout);
    }
    free(per_call);
}

static void usage(FILE *to) {
    fprintf(to, "usage: mpirun -n 2 baseline [--threading single|funneled|multiple] "
                "[--seconds S] [--sizes 4,8,16,32,64]\n");
}

int main(int argc, char **argv) {
    struct options o;
    char err[256] = "";
    int parsed = parse_args(argc, argv, &o, err, sizeof err);

    /* Every rank gets the same arguments, so every rank fails alike; MPI is started anyway
     * so that only rank 0 reports and the ranks exit cleanly. */
    int provided = MPI_THREAD_SINGLE;
    if (!parsed || o.required == MPI_THREAD_SINGLE) {
        MPI_Init(&argc, &argv);
        MPI_Query_thread(&provided);
    } else {
        MPI_Init_thread(&argc, &argv, o.required, &provided);
    }
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    if (!parsed) {
        int help = strcmp(err, "help") == 0;
        if (rank == 0) {
            if (!help)
                fprintf(stderr, "baseline: %s\n", err);
            usage(help ? stdout : stderr);
        }
        MPI_Finalize();
        return help ? 0 : 2;
    }
    if (size != 2) {
        if (rank == 0)
            fprintf(stderr,
                    "baseline: runs on exactly 2 ranks (ping-pong pairs rank 0 with rank 1), "
                    "got %d: start it with `mpirun -n 2`\n",
                    size);
        MPI_Finalize();
        return 2;
    }

    if (rank == 0) {
        char version[MPI_MAX_LIBRARY_VERSION_STRING];
        int len = 0;
        MPI_Get_library_version(version, &len);
        /* First line of the version only. */
        version[strcspn(version, ",\n")] = '\0';
        printf("# %s; threading=%s requested=%s provided=%s\n", version, o.threading,
               thread_level_name(o.required), thread_level_name(provided));
        if (provided < o.required)
            fprintf(stderr, "baseline: warning: asked for %s, MPI provides only %s\n",
                    thread_level_name(o.required), thread_level_name(provided));
        fflush(stdout);
    }

    int max_bytes = 4;
    for (int i = 0; i < o.n_sizes; i++)
        if (o.sizes[i] > max_bytes)
            max_bytes = o.sizes[i];
    size_t max_ints = (size_t)allreduce_count(max_bytes);
    struct ctx c = {
        .rank = rank,
        .peer = 1 - rank,
        .send_bytes = calloc((size_t)max_bytes, 1),
        .recv_bytes = calloc((size_t)max_bytes, 1),
        .send_ints = calloc(max_ints, sizeof(int)),
        .recv_ints = calloc(max_ints, sizeof(int)),
    };
    if (!c.send_bytes || !c.recv_bytes || !c.send_ints || !c.recv_ints) {
        fprintf(stderr, "baseline: rank %d: out of memory\n", rank);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }

    const enum op ops[] = {OP_PING_PONG, OP_ALLREDUCE};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
        for (int i = 0; i < o.n_sizes; i++)
            measure(&c, &o, ops[k], o.sizes[i]);

    free(c.send_bytes);
    free(c.recv_bytes);
    free(c.send_ints);
    free(c.recv_ints);
    MPI_Finalize();
    return 0;
}
