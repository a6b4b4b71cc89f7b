// The standard CBLAS interface, implemented by OpenBLAS (Debian: libopenblas-dev).
// The prototypes come from GSL's copy of the CBLAS header: GSL's own headers include it, and
// Clang modules reject two different definitions of the CBLAS enums in one target. The symbols
// resolve to OpenBLAS, which is linked before GSL (BLASTests checks the binding).
#include <gsl/gsl_cblas.h>

// OpenBLAS's own control of its thread pool (not part of CBLAS). `lens` runs BLAS on one thread so
// that its results do not depend on the machine's core count (`BLAS.useOneThread`).
void openblas_set_num_threads(int num_threads);

// The kernel set OpenBLAS chose for this CPU at load time ("Haswell", "SkylakeX", ...), read by
// `BLAS.coreName`; `OPENBLAS_CORETYPE` in the environment at load time overrides the choice.
char* openblas_get_corename(void);
