// CBLAS from OpenBLAS (Debian: libopenblas-dev). Implementation detail of LinearAlgebra.
#include <cblas.h>
