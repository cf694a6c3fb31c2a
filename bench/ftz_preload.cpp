// LD_PRELOAD=build/bin/libftz_preload.so COMMAND: runs COMMAND with flush-to-zero and
// denormals-are-zero set in its first thread before main(); threads it creates later inherit the
// mode. The "forced from outside" reference of bench/under_load.py subnormal: a build whose every
// engine thread already flushes subnormals runs as fast without it as with it.
#include <xmmintrin.h>

__attribute__((constructor)) static void flushSubnormals() { _mm_setcsr(_mm_getcsr() | 0x8040); }
