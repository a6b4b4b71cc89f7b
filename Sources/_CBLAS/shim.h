// The standard CBLAS interface, implemented by OpenBLAS (Debian: libopenblas-dev).
// The prototypes come from GSL's copy of the CBLAS header: GSL's own headers include it, and
// Clang modules reject two different definitions of the CBLAS enums in one target. The symbols
// resolve to OpenBLAS, which is linked before GSL (BLASTests checks the binding).
#include <gsl/gsl_cblas.h>
