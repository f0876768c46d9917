// libpq, PostgreSQL's client library (Debian: libpq-dev). The header lives in
// /usr/include/postgresql; its own includes are quoted, so they resolve beside it.
#include <postgresql/libpq-fe.h>
