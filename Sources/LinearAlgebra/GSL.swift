import _CGSL

/// Process-wide GSL set-up and small bridges between `gsl_vector` and Swift buffers.
enum GSL {
    /// GSL's default error handler aborts the process; every entry point into GSL calls this
    /// first so that errors come back as status codes and become Swift errors instead.
    static func initialise() { _ = errorHandlerOff }

    private static let errorHandlerOff: Void = { _ = gsl_set_error_handler_off() }()

    /// GSL's text for a status code, e.g. "iteration has not converged".
    static func message(_ status: Int32) -> String { String(cString: gsl_strerror(status)) }

    /// Calls `body` with the contiguous data of `v` (GSL's solvers allocate unit-stride vectors).
    static func withVector<R>(_ v: UnsafePointer<gsl_vector>, _ body: (UnsafeBufferPointer<Double>) -> R) -> R {
        precondition(v.pointee.stride == 1, "GSL vector is not contiguous")
        return body(UnsafeBufferPointer(start: v.pointee.data, count: Int(v.pointee.size)))
    }

    static func withMutableVector<R>(_ v: UnsafeMutablePointer<gsl_vector>, _ body: (UnsafeMutableBufferPointer<Double>) -> R) -> R {
        precondition(v.pointee.stride == 1, "GSL vector is not contiguous")
        return body(UnsafeMutableBufferPointer(start: v.pointee.data, count: Int(v.pointee.size)))
    }
}
