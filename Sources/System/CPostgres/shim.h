// libpq, PostgreSQL's client library (Debian: libpq-dev). The header lives in
// /usr/include/postgresql; its own includes are quoted, so they resolve beside it.
// Declarations only: the module links no libpq; CLazyPostgres defines the functions the code
// calls and opens libpq.so.5 on first use.
#include <postgresql/libpq-fe.h>
