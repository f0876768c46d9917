/*
 * ws-load: WebSocket fan-out load generator for scripts/bench-ws.
 *
 * Opens N WebSocket connections to a ws-echo started with --bench-room (every socket joins room
 * "bench"; a text "publish:<n>" publishes "bench:<n>" to the room), measures the server's RSS
 * per idle connection, then sends P publishes one after another and measures, for each, the
 * delay until every subscriber has it. Checks that every subscriber gets every publish in order.
 * With --pid it also reads the server's CPU time (utime + stime from /proc/PID/stat) around the
 * publishes and prints it per publish.
 *
 *   ws-load --port 9001 [--host 127.0.0.1] [--connections 10000] [--publishes 100]
 *           [--pid SERVER_PID] [--sources 1] [--gap-ms 20] [--threads 1]
 *
 * Non-blocking sockets. With --threads T the subscribers are split over T threads, each with its
 * own epoll set (connection i on thread i % T; the publisher, connection 0, on the main thread),
 * so the server's senders do not all wake one epoll set; the default is one thread, one epoll
 * set. With --sources K the connections are spread over source addresses 127.0.0.1 .. 127.0.0.K
 * so ephemeral ports do not run out.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { CONNECTING, HANDSHAKING, OPEN, CLOSED };

struct conn {
    int fd;
    int state;
    int len;               /* bytes in buf */
    int next;              /* next publish number expected */
    unsigned char buf[512];
};

static struct conn *conns;
static int *epfds;             /* one epoll set per thread */
static int nthreads = 1;
static volatile int finished;  /* tells the extra threads to stop */
static int nconns = 10000, npublishes = 100, nsources = 1, gap_ms = 20;
static int port = 9001, server_pid = 0;
static const char *host = "127.0.0.1";
static uint32_t *latency_us;   /* [publish * nconns + conn] */
static uint64_t *sent_at;      /* per publish, ns */
static int *received_count;    /* per publish, subscribers that got it; atomic */
static long open_count, closed_count, out_of_order; /* atomic */

static long load_count(long *counter) { return __atomic_load_n(counter, __ATOMIC_RELAXED); }
static void count_one(long *counter) { __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED); }

/* The epoll set of the thread that owns connection i. */
static int epfd_of(int i) { return epfds[i % nthreads]; }

/* The server's user and system CPU time so far, in µs; -1 when it cannot be read. */
static int cpu_us(int pid, long long *user, long long *system) {
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = 0;
    /* Fields 14 and 15 (utime, stime) follow the command name, which may hold spaces: start after ')'. */
    char *p = strrchr(line, ')');
    unsigned long long ut, st;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2) return -1;
    long tick = sysconf(_SC_CLK_TCK);
    *user = (long long)ut * 1000000 / tick;
    *system = (long long)st * 1000000 / tick;
    return 0;
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static long rss_kib(int pid) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long kib = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0) { kib = atol(line + 6); break; }
    }
    fclose(f);
    return kib;
}

static void send_frame(struct conn *c, int opcode, const void *payload, size_t n) {
    unsigned char frame[256];
    const unsigned char key[4] = {0x12, 0x34, 0x56, 0x78};
    if (n > 125) return;
    frame[0] = 0x80 | opcode;
    frame[1] = 0x80 | (unsigned char)n;
    memcpy(frame + 2, key, 4);
    for (size_t i = 0; i < n; i++) frame[6 + i] = ((const unsigned char *)payload)[i] ^ key[i & 3];
    if (send(c->fd, frame, 6 + n, MSG_NOSIGNAL) != (ssize_t)(6 + n)) {
        fprintf(stderr, "short send on connection %ld\n", (long)(c - conns));
    }
}

static void start_connect(int i) {
    struct conn *c = &conns[i];
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) { perror("socket"); exit(1); }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (nsources > 1) {
        struct sockaddr_in src = {.sin_family = AF_INET};
        src.sin_addr.s_addr = htonl(0x7F000001u + (uint32_t)(i % nsources));
        if (bind(c->fd, (struct sockaddr *)&src, sizeof src) != 0) { perror("bind source"); exit(1); }
    }
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &dst.sin_addr);
    if (connect(c->fd, (struct sockaddr *)&dst, sizeof dst) != 0 && errno != EINPROGRESS) {
        perror("connect");
        exit(1);
    }
    c->state = CONNECTING;
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(epfd_of(i), EPOLL_CTL_ADD, c->fd, &ev);
}

static void on_message(int i, struct conn *c, int opcode, unsigned char *payload, size_t n) {
    if (opcode == 0x9) { send_frame(c, 0xA, payload, n); return; }
    if (opcode == 0x8) { c->state = CLOSED; count_one(&closed_count); return; }
    if (opcode != 0x1 || n < 7 || memcmp(payload, "bench:", 6) != 0) return;
    char number[16] = {0};
    memcpy(number, payload + 6, n - 6 < 15 ? n - 6 : 15);
    int p = atoi(number);
    if (p < 0 || p >= npublishes) return;
    if (p != c->next) count_one(&out_of_order);
    c->next = p + 1;
    if (i == 0) return; /* the publisher is in the room too; it is not a subscriber */
    uint32_t us = (uint32_t)((now_ns() - sent_at[p]) / 1000);
    latency_us[(size_t)p * nconns + i] = us > 0 ? us : 1; /* 0 means "not received" */
    __atomic_fetch_add(&received_count[p], 1, __ATOMIC_RELAXED);
}

static void on_readable(int i) {
    struct conn *c = &conns[i];
    for (;;) {
        ssize_t n = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            if (c->state != CLOSED) { c->state = CLOSED; count_one(&closed_count); }
            epoll_ctl(epfd_of(i), EPOLL_CTL_DEL, c->fd, NULL);
            return;
        }
        if (n < 0) return;
        c->len += (int)n;
        if (c->state == HANDSHAKING) {
            unsigned char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
            if (!end) {
                if (c->len == (int)sizeof c->buf) { fprintf(stderr, "handshake too long\n"); exit(1); }
                continue;
            }
            if (memcmp(c->buf, "HTTP/1.1 101", 12) != 0) {
                fprintf(stderr, "connection %d refused: %.*s\n", i, 40, c->buf);
                c->state = CLOSED;
                count_one(&closed_count);
                return;
            }
            int head = (int)(end + 4 - c->buf);
            memmove(c->buf, c->buf + head, c->len - head);
            c->len -= head;
            c->state = OPEN;
            count_one(&open_count);
        }
        /* Frames from the server: unmasked, small. */
        int off = 0;
        while (c->len - off >= 2) {
            unsigned char *f = c->buf + off;
            size_t plen = f[1] & 0x7F;
            int hlen = 2;
            if (plen == 126) {
                if (c->len - off < 4) break;
                plen = (size_t)f[2] << 8 | f[3];
                hlen = 4;
            } else if (plen == 127) {
                fprintf(stderr, "unexpected huge frame\n");
                exit(1);
            }
            if (hlen + plen > sizeof c->buf) { fprintf(stderr, "frame too big for the bench\n"); exit(1); }
            if ((size_t)(c->len - off) < hlen + plen) break;
            on_message(i, c, f[0] & 0xF, f + hlen, plen);
            off += hlen + (int)plen;
        }
        memmove(c->buf, c->buf + off, c->len - off);
        c->len -= off;
    }
}

static void on_writable(int i) {
    struct conn *c = &conns[i];
    if (c->state != CONNECTING) return;
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) { fprintf(stderr, "connect %d: %s\n", i, strerror(err)); exit(1); }
    char request[256];
    int n = snprintf(request, sizeof request,
                     "GET /bench HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", host, port);
    if (send(c->fd, request, n, MSG_NOSIGNAL) != n) { perror("send handshake"); exit(1); }
    c->state = HANDSHAKING;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(epfd_of(i), EPOLL_CTL_MOD, c->fd, &ev);
}

/* Handles what is ready on one thread's epoll set (thread 0 is the main thread). */
static void poll_set(int epfd, int timeout_ms) {
    struct epoll_event events[512];
    int n = epoll_wait(epfd, events, 512, timeout_ms);
    for (int k = 0; k < n; k++) {
        int i = (int)events[k].data.u32;
        if (events[k].events & EPOLLOUT) on_writable(i);
        if (events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(i);
    }
}

static void poll_once(int timeout_ms) { poll_set(epfds[0], timeout_ms); }

/* An extra thread: serves its own epoll set until the run is over. */
static void *serve(void *raw) {
    int epfd = (int)(intptr_t)raw;
    while (!__atomic_load_n(&finished, __ATOMIC_RELAXED)) poll_set(epfd, 50);
    return NULL;
}

static int compare_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static uint32_t percentile(uint32_t *sorted, size_t n, double q) {
    if (n == 0) return 0;
    size_t index = (size_t)(q * (double)(n - 1) + 0.5);
    return sorted[index];
}

int main(int argc, char **argv) {
    for (int a = 1; a < argc; a++) {
        const char *v = a + 1 < argc ? argv[a + 1] : "";
        if (!strcmp(argv[a], "--port")) port = atoi(v), a++;
        else if (!strcmp(argv[a], "--host")) host = v, a++;
        else if (!strcmp(argv[a], "--connections")) nconns = atoi(v), a++;
        else if (!strcmp(argv[a], "--publishes")) npublishes = atoi(v), a++;
        else if (!strcmp(argv[a], "--pid")) server_pid = atoi(v), a++;
        else if (!strcmp(argv[a], "--sources")) nsources = atoi(v), a++;
        else if (!strcmp(argv[a], "--gap-ms")) gap_ms = atoi(v), a++;
        else if (!strcmp(argv[a], "--threads")) nthreads = atoi(v), a++;
        else { fprintf(stderr, "ws-load: unknown argument %s\n", argv[a]); return 2; }
    }
    struct rlimit limit;
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    if ((rlim_t)nconns + 64 > limit.rlim_cur) {
        fprintf(stderr, "ws-load: %d connections need more than the %ld open files allowed\n", nconns, (long)limit.rlim_cur);
        return 1;
    }
    int total = nconns + 1; /* connection 0 publishes */
    conns = calloc(total, sizeof *conns);
    latency_us = calloc((size_t)npublishes * total, sizeof *latency_us);
    sent_at = calloc(npublishes, sizeof *sent_at);
    received_count = calloc(npublishes, sizeof *received_count);
    nconns = total;
    if (nthreads < 1 || nthreads > 64) { fprintf(stderr, "ws-load: --threads must be 1 to 64\n"); return 2; }
    epfds = calloc((size_t)nthreads, sizeof *epfds);
    pthread_t *threads = calloc((size_t)nthreads, sizeof *threads);
    for (int t = 0; t < nthreads; t++) epfds[t] = epoll_create1(0);
    for (int t = 1; t < nthreads; t++) pthread_create(&threads[t], NULL, serve, (void *)(intptr_t)epfds[t]);

    /* The publisher first, then the baseline RSS. */
    start_connect(0);
    while (load_count(&open_count) < 1) poll_once(100);
    usleep(300000);
    long rss_before = server_pid ? rss_kib(server_pid) : -1;

    uint64_t t0 = now_ns();
    int started = 1;
    while (load_count(&open_count) + load_count(&closed_count) < total) {
        /* At most 512 handshakes in flight, so the listen backlog never overflows. */
        while (started < total && started - (load_count(&open_count) + load_count(&closed_count)) < 512) start_connect(started++);
        poll_once(10);
        if (now_ns() - t0 > 120ull * 1000000000ull) { fprintf(stderr, "ws-load: connecting took over 120 s\n"); return 1; }
    }
    double connect_s = (double)(now_ns() - t0) / 1e9;
    uint64_t settle = now_ns() + 1000000000ull;
    while (now_ns() < settle) poll_once(50);
    long rss_after = server_pid ? rss_kib(server_pid) : -1;
    long subscribers = open_count - 1;
    printf("connections: %ld open, %ld refused or closed, in %.2f s\n", open_count, closed_count, connect_s);
    if (server_pid) {
        printf("server RSS: %ld KiB before, %ld KiB with %ld idle WebSockets: %.0f bytes per connection\n",
               rss_before, rss_after, subscribers,
               subscribers > 0 ? (double)(rss_after - rss_before) * 1024.0 / (double)subscribers : 0.0);
    }

    /* Publishes one at a time: each waits until every subscriber has it (or 5 s). */
    uint32_t *completion = calloc(npublishes, sizeof *completion);
    long long user0 = 0, system0 = 0, user1 = 0, system1 = 0;
    int have_cpu = server_pid && cpu_us(server_pid, &user0, &system0) == 0;
    for (int p = 0; p < npublishes; p++) {
        char text[32];
        int n = snprintf(text, sizeof text, "publish:%d", p);
        sent_at[p] = now_ns();
        send_frame(&conns[0], 0x1, text, (size_t)n);
        uint64_t deadline = sent_at[p] + 5000000000ull;
        while (__atomic_load_n(&received_count[p], __ATOMIC_RELAXED) < subscribers && now_ns() < deadline) poll_once(5);
        completion[p] = (uint32_t)((now_ns() - sent_at[p]) / 1000);
        uint64_t gap = now_ns() + (uint64_t)gap_ms * 1000000ull;
        while (now_ns() < gap) poll_once(1);
    }

    have_cpu = have_cpu && cpu_us(server_pid, &user1, &system1) == 0;
    __atomic_store_n(&finished, 1, __ATOMIC_RELAXED);
    for (int t = 1; t < nthreads; t++) pthread_join(threads[t], NULL);

    size_t deliveries = 0;
    uint32_t *all = malloc(sizeof *all * (size_t)npublishes * subscribers + 1);
    for (int p = 0; p < npublishes; p++)
        for (int i = 1; i < nconns; i++)
            if (conns[i].state == OPEN && latency_us[(size_t)p * nconns + i]) all[deliveries++] = latency_us[(size_t)p * nconns + i];
    long expected = (long)npublishes * subscribers;
    long received = 0;
    for (int p = 0; p < npublishes; p++) received += received_count[p];
    qsort(all, deliveries, sizeof *all, compare_u32);
    qsort(completion, npublishes, sizeof *completion, compare_u32);
    if (nthreads > 1) printf("ws-load: %d threads, one epoll set each\n", nthreads);
    printf("deliveries: %ld of %ld (%ld dropped), %ld out of order, %ld connections closed by the server\n",
           received, expected, expected - received, out_of_order, closed_count);
    printf("delivery latency per message (publish sent -> subscriber read): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
           percentile(all, deliveries, 0.50) / 1000.0, percentile(all, deliveries, 0.99) / 1000.0,
           deliveries ? all[deliveries - 1] / 1000.0 : 0.0);
    printf("fan-out completion per publish (until the last of %ld subscribers): p50 %.2f ms, p99 %.2f ms\n",
           subscribers, percentile(completion, npublishes, 0.50) / 1000.0, percentile(completion, npublishes, 0.99) / 1000.0);
    if (have_cpu && npublishes > 0) {
        long long user = user1 - user0, system = system1 - system0;
        printf("server CPU per publish: %.1f us (user %.1f us, system %.1f us; %.2f s over %d publishes to %ld subscribers)\n",
               (double)(user + system) / npublishes, (double)user / npublishes, (double)system / npublishes,
               (double)(user + system) / 1e6, npublishes, subscribers);
    }
    return (expected - received == 0 && out_of_order == 0 && closed_count == 0) ? 0 : 1;
}
