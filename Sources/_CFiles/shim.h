// Linux's renameat2(2) with RENAME_EXCHANGE: swaps two paths in one atomic step, so a directory
// can be replaced whole (glibc declares renameat2 only under _GNU_SOURCE, which Swift does not set).
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline int lens_exchange_paths(const char *a, const char *b) {
    return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 1 << 1 /* RENAME_EXCHANGE */);
}

// Flushes standard output and reports whether every write to it succeeded (0) or not (non-zero):
// a full disk or a closed pipe must not end in a silent exit status 0.
static inline int lens_flush_standard_output(void) {
    return fflush(stdout) != 0 || ferror(stdout) != 0;
}
