/*
 * ws-floor: the floor for WebSocket fan-out in scripts/bench-ws.
 *
 * The least a server can do for the bench room of Benchmarks/ws-load: accept WebSocket upgrades
 * (the RFC 6455 handshake: SHA-1 + base64 of the key with OpenSSL), keep every socket in one
 * contiguous array of descriptors, and for each text message "publish:<n>" build the frame
 * "bench:<n>" once and do nothing but one send() of it per subscriber. No queues, no heartbeat,
 * no compression, no UTF-8 check: what is left of a publish's CPU is the kernel's.
 *
 *   ws-floor [--port 0] [--threads 1]   prints "listening on 127.0.0.1:<port>"; SIGTERM stops it
 *
 * Each thread has its own epoll set, level-triggered, non-blocking sockets, and its own array of
 * subscribers. The listener is in every thread's set (EPOLLEXCLUSIVE); accepted sockets go to the
 * threads in turn, as Shetphone's loops take them. With --threads N > 1 the thread that reads a
 * publish hands the frame to each other thread (a small queue under a mutex, one eventfd write
 * per thread per publish, as Shetphone's `EventLoop.execute`), then sends it to its own share;
 * each woken thread sends it to its share. A send that would block or come up short is counted
 * and printed at exit: the floor never queues, so ws-load would then see a lost message and fail
 * the run.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/* Per descriptor: inbound bytes not yet parsed (the handshake, a partial frame) and the
 * position in the subscriber array plus one (0 while handshaking, so calloc's zeroes need no
 * setting up and a descriptor's page is touched only once it is used). */
struct peer {
    int slot;
    int len;
    unsigned char buf[256];
};

/* A frame handed from the publishing thread to another one. */
struct frame {
    size_t len;
    unsigned char bytes[64];
};

/* One thread: its epoll set, its share of the room, and the frames other threads handed it. */
struct worker {
    int epfd;
    int wakefd;
    int *subscribers;          /* contiguous fds, this thread's share of the room */
    int nsubscribers;
    pthread_mutex_t lock;
    struct frame handed[64];   /* under lock */
    int nhanded;
    pthread_t thread;
};

static struct peer *peers;     /* by fd; each fd is touched by the thread that owns it only */
static struct worker *workers;
static int nworkers = 1;
static int listener;
static unsigned next_worker;   /* round-robin over the threads, atomic */
static size_t max_fds;
static long short_sends, publishes; /* atomic */
static volatile sig_atomic_t stopping;

static void on_signal(int sig) { (void)sig; stopping = 1; }

static void drop(struct worker *w, int fd) {
    struct peer *p = &peers[fd];
    if (p->slot > 0) {
        /* Swap-remove: the last subscriber takes this one's place. */
        int last = w->subscribers[--w->nsubscribers];
        w->subscribers[p->slot - 1] = last;
        peers[last].slot = p->slot;
    }
    p->slot = 0;
    p->len = 0;
    epoll_ctl(w->epfd, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
}

/* The 101 answer for a complete request head; 0 when it has no usable key. */
static int handshake(int fd, struct peer *p, int head_len) {
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char *key = memmem(p->buf, head_len, "Sec-WebSocket-Key:", 18);
    if (!key) return 0;
    key += 18;
    while (*key == ' ') key++;
    unsigned char *end = key;
    while (end < p->buf + head_len && *end != '\r' && *end != ' ') end++;
    size_t key_len = (size_t)(end - key);
    if (key_len == 0 || key_len > 64) return 0;
    unsigned char text[128], digest[SHA_DIGEST_LENGTH], accept[32];
    memcpy(text, key, key_len);
    memcpy(text + key_len, guid, sizeof guid - 1);
    SHA1(text, key_len + sizeof guid - 1, digest);
    EVP_EncodeBlock(accept, digest, SHA_DIGEST_LENGTH);
    char response[160];
    int n = snprintf(response, sizeof response,
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
    return send(fd, response, (size_t)n, MSG_NOSIGNAL) == n;
}

/* One send() of the frame per subscriber of this thread. */
static void send_to_share(struct worker *w, const unsigned char *frame, size_t len) {
    long short_here = 0;
    for (int i = 0; i < w->nsubscribers; i++) {
        if (send(w->subscribers[i], frame, len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)len) short_here++;
    }
    if (short_here) __atomic_fetch_add(&short_sends, short_here, __ATOMIC_RELAXED);
}

/* The fan-out: one frame built once, handed to the other threads, one send() per subscriber. */
static void publish(struct worker *w, const unsigned char *number, size_t n) {
    struct frame f;
    if (n > 40) return;
    f.bytes[0] = 0x81;
    f.bytes[1] = (unsigned char)(6 + n);
    memcpy(f.bytes + 2, "bench:", 6);
    memcpy(f.bytes + 8, number, n);
    f.len = 8 + n;
    for (int t = 0; t < nworkers; t++) {
        struct worker *other = &workers[t];
        if (other == w) continue;
        pthread_mutex_lock(&other->lock);
        int taken = other->nhanded < 64;
        if (taken) other->handed[other->nhanded++] = f;
        pthread_mutex_unlock(&other->lock);
        if (!taken) { __atomic_fetch_add(&short_sends, 1, __ATOMIC_RELAXED); continue; }
        uint64_t one = 1;
        if (write(other->wakefd, &one, sizeof one) != sizeof one) perror("ws-floor: eventfd write");
    }
    send_to_share(w, f.bytes, f.len);
    __atomic_fetch_add(&publishes, 1, __ATOMIC_RELAXED);
}

/* Another thread handed this one frames: send each to this thread's share, in order. */
static void on_wake(struct worker *w) {
    uint64_t count;
    if (read(w->wakefd, &count, sizeof count) < 0) return;
    struct frame frames[64];
    pthread_mutex_lock(&w->lock);
    int n = w->nhanded;
    memcpy(frames, w->handed, (size_t)n * sizeof *frames);
    w->nhanded = 0;
    pthread_mutex_unlock(&w->lock);
    for (int k = 0; k < n; k++) send_to_share(w, frames[k].bytes, frames[k].len);
}

/* Masked client frames, small: a text "publish:<n>" publishes, a close (or anything too big) drops. */
static void on_frames(struct worker *w, int fd, struct peer *p) {
    int off = 0;
    while (p->len - off >= 6) {
        unsigned char *f = p->buf + off;
        size_t plen = f[1] & 0x7F;
        if (!(f[1] & 0x80) || plen > 125) { drop(w, fd); return; }
        if ((size_t)(p->len - off) < 6 + plen) break;
        unsigned char *mask = f + 2, *payload = f + 6;
        for (size_t i = 0; i < plen; i++) payload[i] ^= mask[i & 3];
        int opcode = f[0] & 0x0F;
        if (opcode == 0x8) { drop(w, fd); return; }
        if (opcode == 0x1 && plen > 8 && memcmp(payload, "publish:", 8) == 0) publish(w, payload + 8, plen - 8);
        off += 6 + (int)plen;
    }
    memmove(p->buf, p->buf + off, (size_t)(p->len - off));
    p->len -= off;
}

static void on_readable(struct worker *w, int fd) {
    struct peer *p = &peers[fd];
    ssize_t n = recv(fd, p->buf + p->len, sizeof p->buf - (size_t)p->len, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) { drop(w, fd); return; }
    if (n < 0) return;
    p->len += (int)n;
    if (p->slot == 0) {
        unsigned char *end = memmem(p->buf, (size_t)p->len, "\r\n\r\n", 4);
        if (!end) {
            if (p->len == (int)sizeof p->buf) drop(w, fd);
            return;
        }
        int head = (int)(end + 4 - p->buf);
        if (!handshake(fd, p, head)) { drop(w, fd); return; }
        w->subscribers[w->nsubscribers++] = fd;
        p->slot = w->nsubscribers;
        memmove(p->buf, p->buf + head, (size_t)(p->len - head));
        p->len -= head;
    }
    on_frames(w, fd, p);
}

/* Accepts what is pending; each socket goes to the next thread's epoll set. */
static void on_listener(void) {
    int one = 1;
    for (;;) {
        int client = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
        if (client < 0) break;
        if ((size_t)client >= max_fds) { close(client); continue; }
        setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        peers[client].slot = 0;
        peers[client].len = 0;
        struct worker *owner = &workers[__atomic_fetch_add(&next_worker, 1, __ATOMIC_RELAXED) % (unsigned)nworkers];
        struct epoll_event cev = {.events = EPOLLIN, .data.fd = client};
        epoll_ctl(owner->epfd, EPOLL_CTL_ADD, client, &cev);
    }
}

static void *run(void *raw) {
    struct worker *w = raw;
    struct epoll_event events[256];
    while (!stopping) {
        int n = epoll_wait(w->epfd, events, 256, 250);
        for (int k = 0; k < n; k++) {
            int fd = events[k].data.fd;
            if (fd == listener) on_listener();
            else if (fd == w->wakefd) on_wake(w);
            else on_readable(w, fd);
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    int port = 0;
    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--port") && a + 1 < argc) port = atoi(argv[++a]);
        else if (!strcmp(argv[a], "--threads") && a + 1 < argc) nworkers = atoi(argv[++a]);
        else { fprintf(stderr, "ws-floor: unknown argument %s\n", argv[a]); return 2; }
    }
    if (nworkers < 1 || nworkers > 64) { fprintf(stderr, "ws-floor: --threads must be 1 to 64\n"); return 2; }
    struct rlimit limit;
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    max_fds = (size_t)limit.rlim_cur;
    peers = calloc(max_fds, sizeof *peers);
    workers = calloc((size_t)nworkers, sizeof *workers);
    if (!peers || !workers) { perror("calloc"); return 1; }

    /* Only the main thread takes the stop signals; the threads see `stopping` within 250 ms. */
    struct sigaction action = {.sa_handler = on_signal};
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);

    listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 4096) != 0) {
        perror("ws-floor: listen");
        return 1;
    }
    socklen_t address_len = sizeof address;
    getsockname(listener, (struct sockaddr *)&address, &address_len);

    for (int t = 0; t < nworkers; t++) {
        struct worker *w = &workers[t];
        w->subscribers = calloc(max_fds, sizeof *w->subscribers);
        w->epfd = epoll_create1(0);
        w->wakefd = eventfd(0, EFD_NONBLOCK);
        if (!w->subscribers || w->epfd < 0 || w->wakefd < 0) { perror("ws-floor: thread setup"); return 1; }
        pthread_mutex_init(&w->lock, NULL);
        struct epoll_event ev = {.events = EPOLLIN | (nworkers > 1 ? EPOLLEXCLUSIVE : 0), .data.fd = listener};
        epoll_ctl(w->epfd, EPOLL_CTL_ADD, listener, &ev);
        struct epoll_event wake = {.events = EPOLLIN, .data.fd = w->wakefd};
        epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wakefd, &wake);
    }
    printf("listening on 127.0.0.1:%d\n", ntohs(address.sin_port));
    fflush(stdout);

    /* Thread 0 is this one: with --threads 1 the floor is one thread, as before. */
    sigset_t stop_signals, previous;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
    for (int t = 1; t < nworkers; t++) pthread_create(&workers[t].thread, NULL, run, &workers[t]);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    run(&workers[0]);
    for (int t = 1; t < nworkers; t++) pthread_join(workers[t].thread, NULL);
    fprintf(stderr, "ws-floor: %d thread(s), %ld publishes, %ld short or blocked sends\n", nworkers, publishes, short_sends);
    return short_sends == 0 ? 0 : 1;
}
