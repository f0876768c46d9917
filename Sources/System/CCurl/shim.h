// libcurl's setopt/getinfo are C variadics, which Swift cannot call: one typed wrapper per argument kind.
// Declarations only: the module links no libcurl; CLazyCurl defines these functions and opens
// libcurl.so.4 on first use.
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

typedef size_t (*shet_curl_data_callback)(char *, size_t, size_t, void *);

static inline CURLcode shet_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode shet_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode shet_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode shet_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode shet_curl_setopt_callback(CURL *handle, CURLoption option, shet_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode shet_curl_setopt_size(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
static inline long shet_curl_response_code(CURL *handle) {
    long code = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &code);
    return code;
}
static inline void *shet_curl_private(CURL *handle) {
    char *pointer = NULL;
    curl_easy_getinfo(handle, CURLINFO_PRIVATE, &pointer);
    return pointer;
}
static inline CURLMcode shet_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}
// CURLMsg's result sits in a union Swift cannot read.
static inline CURLcode shet_curl_message_result(CURLMsg *message) {
    return message->data.result;
}
// Macros with casts that Swift does not import.
static const long shet_curlauth_basic = (long)CURLAUTH_BASIC;
