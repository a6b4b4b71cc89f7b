// LAPACKE, the C interface to LAPACK (Debian: liblapacke-dev). Implementation detail of LinearAlgebra.
#include <lapacke.h>
