#ifndef SHET_LAZY_LIBRARY_H
#define SHET_LAZY_LIBRARY_H

#include <pthread.h>
#include <stddef.h>

/// A shared library the process opens on first use instead of at start (`dlopen`), and the
/// functions taken from it (`dlsym`). CLazyPostgres and CLazyCurl each keep one for libpq and
/// libcurl, so a server that never talks to PostgreSQL or sends nothing out does not map them
/// and the dozen libraries they pull in.
typedef struct shet_lazy_library {
    /// The versioned name to open, as the dynamic linker looks it up ("libpq.so.5").
    const char *soname;
    /// The names of the functions to take, `count` of them.
    const char *const *names;
    /// Filled in the order of `names` when the library opens; every entry non-NULL when `loaded`.
    void **functions;
    size_t count;
    /// 1 once the library is open and every function was found.
    int loaded;
    /// Why it did not open: the soname and the dynamic linker's words (`dlerror`), or the
    /// function that was missing. Empty when loaded.
    char error[512];
} shet_lazy_library;

/// Opens `library->soname` and takes every function in `library->names`; returns `library->loaded`.
/// Not thread-safe: the callers run it once, under `pthread_once`. A library that opens but lacks
/// a function is closed again and counts as not loaded.
int shet_lazy_library_open(shet_lazy_library *library);

// For the .c files that stand in for a library (not for Swift). A file first defines
// SHET_LAZY, the name of its library (e.g. libpq), and a list macro LIST(X, V, N) naming each
// function the Swift code calls: X(return type, name, parameters, arguments, the result when the
// library cannot be loaded); V(name, parameters, arguments) for functions returning nothing;
// N(name) for the ones it writes out itself (variadics). Then:
//   SHET_LAZY_LIBRARY_DEFINE("libpq.so.5", LIST)   the library, its function table and SHET_LAZY_READY()
//   LIST(SHET_LAZY_TRAMPOLINE, SHET_LAZY_TRAMPOLINE_VOID, SHET_LAZY_WRITTEN_OUT)
// defines every listed function with the header's own signature (so the compiler checks each one
// against the library's header), opening the library once and calling the real function.
// The definitions are hidden, never exported from the binary, so the library's own calls between
// its functions cannot bind to them.
#define SHET_LAZY_PASTE(a, b) a##b
#define SHET_LAZY_INDEX(name) SHET_LAZY_PASTE(shet_lazy_index_, name)

#define SHET_LAZY_ENUM_ENTRY(type, name, ...) SHET_LAZY_INDEX(name),
#define SHET_LAZY_ENUM_ENTRY_OTHER(name, ...) SHET_LAZY_INDEX(name),
#define SHET_LAZY_NAME_ENTRY(type, name, ...) #name,
#define SHET_LAZY_NAME_ENTRY_OTHER(name, ...) #name,

#define SHET_LAZY_LIBRARY_DEFINE(soname_text, LIST) \
    enum { LIST(SHET_LAZY_ENUM_ENTRY, SHET_LAZY_ENUM_ENTRY_OTHER, SHET_LAZY_ENUM_ENTRY_OTHER) shet_lazy_function_count }; \
    static const char *const shet_lazy_names[] = { \
        LIST(SHET_LAZY_NAME_ENTRY, SHET_LAZY_NAME_ENTRY_OTHER, SHET_LAZY_NAME_ENTRY_OTHER) }; \
    static void *shet_lazy_functions[shet_lazy_function_count]; \
    static shet_lazy_library SHET_LAZY = { \
        .soname = soname_text, .names = shet_lazy_names, .functions = shet_lazy_functions, \
        .count = shet_lazy_function_count, \
    }; \
    static pthread_once_t shet_lazy_once = PTHREAD_ONCE_INIT; \
    static void shet_lazy_open_once(void) { shet_lazy_library_open(&SHET_LAZY); } \
    static int shet_lazy_ready(void) { \
        pthread_once(&shet_lazy_once, shet_lazy_open_once); \
        return SHET_LAZY.loaded; \
    }

/// The real function `name`, typed as the header declares it.
#define SHET_LAZY_REAL(name) ((__typeof__(&name))shet_lazy_functions[SHET_LAZY_INDEX(name)])
#define SHET_LAZY_HIDDEN __attribute__((visibility("hidden")))

#define SHET_LAZY_TRAMPOLINE(type, name, parameters, arguments, failure) \
    SHET_LAZY_HIDDEN type name parameters { \
        if (!shet_lazy_ready()) return failure; \
        return SHET_LAZY_REAL(name) arguments; \
    }
#define SHET_LAZY_TRAMPOLINE_VOID(name, parameters, arguments) \
    SHET_LAZY_HIDDEN void name parameters { \
        if (shet_lazy_ready()) SHET_LAZY_REAL(name) arguments; \
    }
#define SHET_LAZY_WRITTEN_OUT(name)

#endif
