// The libcurl functions the Swift code calls (through CCurl, which only declares them), each
// opening libcurl.so.4 once and calling the real one (see LazyLibrary.h). When libcurl cannot be
// loaded each returns what libcurl returns for a failed call (curl_global_init:
// CURLE_FAILED_INIT, curl_easy_init and curl_multi_init: NULL), and shet_libcurl_load_error says why.
#define CURL_DISABLE_TYPECHECK 1

#include "LazyCurl.h"

#include <stdarg.h>
#include <stddef.h>

#include <curl/curl.h>

#include "LazyLibrary.h"

#define SHET_LAZY libcurl

#define LIBCURL_FUNCTIONS(X, V, N) \
    X(CURLcode, curl_global_init, (long flags), (flags), CURLE_FAILED_INIT) \
    X(CURL *, curl_easy_init, (void), (), NULL) \
    N(curl_easy_setopt) \
    N(curl_easy_getinfo) \
    X(const char *, curl_easy_strerror, (CURLcode code), (code), libcurl.error) \
    V(curl_easy_cleanup, (CURL *curl), (curl)) \
    X(struct curl_slist *, curl_slist_append, (struct curl_slist *list, const char *data), (list, data), NULL) \
    V(curl_slist_free_all, (struct curl_slist *list), (list)) \
    X(CURLM *, curl_multi_init, (void), (), NULL) \
    N(curl_multi_setopt) \
    X(CURLMcode, curl_multi_add_handle, (CURLM *multi_handle, CURL *curl_handle), (multi_handle, curl_handle), \
      CURLM_BAD_HANDLE) \
    X(CURLMcode, curl_multi_remove_handle, (CURLM *multi_handle, CURL *curl_handle), (multi_handle, curl_handle), \
      CURLM_BAD_HANDLE) \
    X(CURLMcode, curl_multi_perform, (CURLM *multi_handle, int *running_handles), (multi_handle, running_handles), \
      CURLM_BAD_HANDLE) \
    X(CURLMcode, curl_multi_poll, (CURLM *multi_handle, struct curl_waitfd extra_fds[], unsigned int extra_nfds, \
      int timeout_ms, int *ret), (multi_handle, extra_fds, extra_nfds, timeout_ms, ret), CURLM_BAD_HANDLE) \
    X(CURLMcode, curl_multi_wakeup, (CURLM *multi_handle), (multi_handle), CURLM_BAD_HANDLE) \
    X(CURLMsg *, curl_multi_info_read, (CURLM *multi_handle, int *msgs_in_queue), (multi_handle, msgs_in_queue), NULL) \
    X(CURLMcode, curl_multi_cleanup, (CURLM *multi_handle), (multi_handle), CURLM_BAD_HANDLE)

SHET_LAZY_LIBRARY_DEFINE("libcurl.so.4", LIBCURL_FUNCTIONS)
LIBCURL_FUNCTIONS(SHET_LAZY_TRAMPOLINE, SHET_LAZY_TRAMPOLINE_VOID, SHET_LAZY_WRITTEN_OUT)

const char *shet_libcurl_load_error(void) { return shet_lazy_ready() ? NULL : libcurl.error; }

// The two setopt functions take exactly one argument after the option, whose type the option's
// number range says (curl.h: CURLOPTTYPE_*, the same ranges for the multi options); it is read
// as that type and passed on, as libcurl itself reads it.
#define ONE_OPTION_TRAMPOLINE(name, Handle, Option, Code, failure) \
    SHET_LAZY_HIDDEN Code name(Handle *handle, Option option, ...) { \
        if (!shet_lazy_ready()) return failure; \
        va_list arguments; \
        va_start(arguments, option); \
        Code code; \
        if (option < CURLOPTTYPE_OBJECTPOINT) code = SHET_LAZY_REAL(name)(handle, option, va_arg(arguments, long)); \
        else if (option < CURLOPTTYPE_FUNCTIONPOINT) code = SHET_LAZY_REAL(name)(handle, option, va_arg(arguments, void *)); \
        else if (option < CURLOPTTYPE_OFF_T) code = SHET_LAZY_REAL(name)(handle, option, va_arg(arguments, void (*)(void))); \
        else if (option < CURLOPTTYPE_BLOB) code = SHET_LAZY_REAL(name)(handle, option, va_arg(arguments, curl_off_t)); \
        else code = SHET_LAZY_REAL(name)(handle, option, va_arg(arguments, void *)); \
        va_end(arguments); \
        return code; \
    }
ONE_OPTION_TRAMPOLINE(curl_easy_setopt, CURL, CURLoption, CURLcode, CURLE_FAILED_INIT)
ONE_OPTION_TRAMPOLINE(curl_multi_setopt, CURLM, CURLMoption, CURLMcode, CURLM_BAD_HANDLE)

// Every CURLINFO_* takes a pointer to where the answer goes.
SHET_LAZY_HIDDEN CURLcode curl_easy_getinfo(CURL *curl, CURLINFO info, ...) {
    if (!shet_lazy_ready()) return CURLE_FAILED_INIT;
    va_list arguments;
    va_start(arguments, info);
    CURLcode code = SHET_LAZY_REAL(curl_easy_getinfo)(curl, info, va_arg(arguments, void *));
    va_end(arguments);
    return code;
}
