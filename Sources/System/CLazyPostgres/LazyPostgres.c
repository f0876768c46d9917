// The libpq functions the Swift code calls (through CPostgres, which only declares them), each
// opening libpq.so.5 once and calling the real one (see LazyLibrary.h). When libpq cannot be
// loaded each returns what libpq returns for a failed call (PQconnectdbParams: NULL), and
// shet_libpq_load_error says why.
#include "LazyPostgres.h"

#include <stddef.h>

#include <postgresql/libpq-fe.h>

#include "LazyLibrary.h"

#define SHET_LAZY libpq

#define LIBPQ_FUNCTIONS(X, V, N) \
    X(PGconn *, PQconnectdbParams, (const char *const *keywords, const char *const *values, int expand_dbname), \
      (keywords, values, expand_dbname), NULL) \
    X(ConnStatusType, PQstatus, (const PGconn *conn), (conn), CONNECTION_BAD) \
    X(PGTransactionStatusType, PQtransactionStatus, (const PGconn *conn), (conn), PQTRANS_UNKNOWN) \
    X(char *, PQerrorMessage, (const PGconn *conn), (conn), libpq.error) \
    X(int, PQsocket, (const PGconn *conn), (conn), -1) \
    X(int, PQbackendPID, (const PGconn *conn), (conn), 0) \
    X(int, PQsslInUse, (PGconn *conn), (conn), 0) \
    V(PQfinish, (PGconn *conn), (conn)) \
    X(PGresult *, PQprepare, (PGconn *conn, const char *stmtName, const char *query, int nParams, const Oid *paramTypes), \
      (conn, stmtName, query, nParams, paramTypes), NULL) \
    X(PGresult *, PQexecPrepared, (PGconn *conn, const char *stmtName, int nParams, const char *const *paramValues, \
      const int *paramLengths, const int *paramFormats, int resultFormat), \
      (conn, stmtName, nParams, paramValues, paramLengths, paramFormats, resultFormat), NULL) \
    X(PGresult *, PQexecParams, (PGconn *conn, const char *command, int nParams, const Oid *paramTypes, \
      const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat), \
      (conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat), NULL) \
    X(PGresult *, PQexec, (PGconn *conn, const char *query), (conn, query), NULL) \
    V(PQclear, (PGresult *res), (res)) \
    X(ExecStatusType, PQresultStatus, (const PGresult *res), (res), PGRES_FATAL_ERROR) \
    X(char *, PQresultErrorField, (const PGresult *res, int fieldcode), (res, fieldcode), NULL) \
    X(int, PQntuples, (const PGresult *res), (res), 0) \
    X(int, PQnfields, (const PGresult *res), (res), 0) \
    X(char *, PQfname, (const PGresult *res, int field_num), (res, field_num), NULL) \
    X(Oid, PQftype, (const PGresult *res, int field_num), (res, field_num), 0) \
    X(int, PQgetisnull, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num), 1) \
    X(int, PQgetlength, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num), 0) \
    X(char *, PQgetvalue, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num), NULL) \
    X(char *, PQcmdTuples, (PGresult *res), (res), NULL) \
    X(int, PQconsumeInput, (PGconn *conn), (conn), 0) \
    X(PGnotify *, PQnotifies, (PGconn *conn), (conn), NULL) \
    V(PQfreemem, (void *ptr), (ptr))

SHET_LAZY_LIBRARY_DEFINE("libpq.so.5", LIBPQ_FUNCTIONS)
LIBPQ_FUNCTIONS(SHET_LAZY_TRAMPOLINE, SHET_LAZY_TRAMPOLINE_VOID, SHET_LAZY_WRITTEN_OUT)

const char *shet_libpq_load_error(void) { return shet_lazy_ready() ? NULL : libpq.error; }
