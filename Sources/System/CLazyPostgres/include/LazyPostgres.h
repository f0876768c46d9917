#ifndef SHET_LAZY_POSTGRES_H
#define SHET_LAZY_POSTGRES_H

/// libpq (Debian: libpq5) is opened on first use, not at start: LazyPostgres.c defines the libpq
/// functions the Swift code calls, each opening "libpq.so.5" once and calling the real one.
/// This returns NULL once libpq is loaded, or why it cannot be ("libpq.so.5 cannot be loaded:
/// ..."); the first call tries to load it.
const char *shet_libpq_load_error(void);

#endif
