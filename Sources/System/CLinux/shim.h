// Linux-only system calls that Swift's Glibc module does not export.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
// accept4 is declared by <sys/socket.h> only under _GNU_SOURCE, which a module cannot set.
extern int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);
#include <sys/types.h>
// gettid is declared by <unistd.h> only under _GNU_SOURCE too.
extern pid_t gettid(void);
// getrandom(2): the kernel's CSPRNG (SecureRandom).
#include <sys/random.h>
// pthread_setname_np (a thread's name in /proc and top -H) needs _GNU_SOURCE as well.
#include <pthread.h>
extern int pthread_setname_np(pthread_t thread, const char *name);
