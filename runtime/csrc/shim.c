/* Values that mpi.h defines as macros with casts, which bindings generators cannot express.
 * Compiled against the same mpi.h as the MPI library the program links. */
#include <mpi.h>

void *spmd_in_place(void) { return MPI_IN_PLACE; }
int spmd_success(void) { return MPI_SUCCESS; }
int spmd_err_truncate(void) { return MPI_ERR_TRUNCATE; }
