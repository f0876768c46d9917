#ifndef SHET_LAZY_CURL_H
#define SHET_LAZY_CURL_H

/// libcurl (Debian: libcurl4) is opened on first use, not at start: LazyCurl.c defines the libcurl
/// functions the Swift code calls, each opening "libcurl.so.4" once and calling the real one.
/// This returns NULL once libcurl is loaded, or why it cannot be ("libcurl.so.4 cannot be loaded:
/// ..."); the first call tries to load it.
const char *shet_libcurl_load_error(void);

#endif
