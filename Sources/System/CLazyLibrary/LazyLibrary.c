#include "LazyLibrary.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int shet_lazy_library_open(shet_lazy_library *library) {
    library->loaded = 0;
    library->error[0] = '\0';
    // RTLD_LOCAL: the library's symbols stay out of the global scope, so nothing else binds to
    // them by accident; RTLD_NOW: a missing dependency fails here, not at some later call.
    void *handle = dlopen(library->soname, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *reason = dlerror();
        snprintf(library->error, sizeof library->error, "%s cannot be loaded: %s",
                 library->soname, reason != NULL ? reason : "unknown reason");
        return 0;
    }
    for (size_t i = 0; i < library->count; i++) {
        dlerror();
        void *function = dlsym(handle, library->names[i]);
        if (function == NULL) {
            snprintf(library->error, sizeof library->error, "%s has no function %s (a version too old?)",
                     library->soname, library->names[i]);
            for (size_t j = 0; j < library->count; j++) library->functions[j] = NULL;
            dlclose(handle);
            return 0;
        }
        library->functions[i] = function;
    }
    library->loaded = 1;
    return 1;
}
