// The parts of the GNU Scientific Library (Debian: libgsl-dev) that LinearAlgebra wraps:
// nonlinear least squares, linear regression, statistics, distributions and 1-D minimisation.
#include <gsl/gsl_errno.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_min.h>

// GSL names its algorithms by mutable global pointers, which Swift 6 may not read directly.
static inline const gsl_multifit_nlinear_type *lens_gsl_nlinear_trust(void) { return gsl_multifit_nlinear_trust; }
static inline const gsl_multifit_nlinear_trs *lens_gsl_nlinear_trs_lm(void) { return gsl_multifit_nlinear_trs_lm; }
static inline const gsl_multifit_nlinear_scale *lens_gsl_nlinear_scale_more(void) { return gsl_multifit_nlinear_scale_more; }
static inline const gsl_min_fminimizer_type *lens_gsl_min_brent(void) { return gsl_min_fminimizer_brent; }
static inline const gsl_multifit_nlinear_solver *lens_gsl_nlinear_solver_qr(void) { return gsl_multifit_nlinear_solver_qr; }
