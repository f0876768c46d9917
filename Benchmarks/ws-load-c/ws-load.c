/*
 * ws-load: WebSocket fan-out load generator for scripts/bench.
 *
 *   ws-load --port P [--host 127.0.0.1] [--path /ws] [--connections 10000]
 *           [--publishes 100] [--sources 4] [--timeout-s 10] [--settle-ms 1000] [--wait-stdin]
 *
 * Opens N WebSockets (no extensions) from 127.0.0.1..127.0.0.<sources> so 10,000+ sockets
 * never run out of ephemeral ports, then publishes one message at a time from socket 0:
 * the masked text "publish:<seq>:<t_ns>", <t_ns> being CLOCK_MONOTONIC at send. The server
 * under test answers by sending "bench:<seq>:<t_ns>" to every socket in the room (the
 * contract of `ws-echo --bench-room` and the peers in Benchmarks/). Latency of a delivery
 * is the time it is read here minus <t_ns>. The next publish goes out when every open
 * socket has its copy, or after --timeout-s (the missing copies count as lost).
 *
 * With --wait-stdin it prints "connected <open> <failed>" once every socket is up and
 * waits for a line on stdin before publishing (the caller reads the server's RSS then).
 * Servers may join a socket to the room a moment after its 101 (Hummingbird runs the
 * handler in a task), so publishing starts --settle-ms after the last socket is up.
 * Last line: "result key=value ..." with p50/p90/p99/max in ms.
 *
 * One thread, epoll, non-blocking sockets; at most 256 handshakes in flight at once.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

enum state { IDLE, CONNECTING, HANDSHAKE, OPEN, CLOSED };

struct conn {
    int fd;
    enum state state;
    uint16_t used;          /* bytes in buf */
    uint32_t skip;          /* payload bytes of an oversized frame still to discard */
    int last_seq;           /* last publish seen, so duplicates are not counted twice */
    char buf[512];
};

static struct conn *conns;
static int nconns = 10000, publishes = 100, sources = 4, timeout_s = 10, settle_ms = 1000, wait_stdin = 0;
static int port = 0;
static const char *host = "127.0.0.1", *path = "/ws";
static int epfd;
static int open_count = 0, failed_count = 0, in_flight = 0;
static uint32_t *latencies_us;
static long nlat = 0;
static int current_seq = -1;
static int received_current = 0;
static long lost = 0, unexpected = 0;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what) {
    fprintf(stderr, "ws-load: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void drop(struct conn *c) {
    if (c->state == CLOSED) return;
    if (c->state == OPEN) open_count--;
    else if (c->state == CONNECTING || c->state == HANDSHAKE) { in_flight--; failed_count++; }
    c->state = CLOSED;
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
}

static int start_connect(int index) {
    struct conn *c = &conns[index];
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    struct sockaddr_in src = {.sin_family = AF_INET, .sin_port = 0};
    src.sin_addr.s_addr = htonl(0x7F000001u + (uint32_t)(index % sources));
    if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0) die("bind to 127.0.0.x");
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &dst.sin_addr) != 1) { fprintf(stderr, "ws-load: --host %s is not IPv4\n", host); exit(2); }
    int rc = connect(fd, (struct sockaddr *)&dst, sizeof dst);
    if (rc != 0 && errno != EINPROGRESS) { close(fd); failed_count++; return -1; }
    c->fd = fd;
    c->state = CONNECTING;
    c->used = 0;
    c->skip = 0;
    c->last_seq = -1;
    in_flight++;
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u32 = (uint32_t)index};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll_ctl");
    return 0;
}

static void send_handshake(struct conn *c, int index) {
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                     path, host, port);
    if (send(c->fd, req, (size_t)n, MSG_NOSIGNAL) != n) { drop(c); return; }
    c->state = HANDSHAKE;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)index};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* A masked client frame (RFC 6455 5.3); payloads here are short. */
static int send_frame(struct conn *c, uint8_t opcode, const char *payload, size_t len) {
    uint8_t frame[256];
    if (len > 125) return -1;
    uint32_t key = (uint32_t)now_ns() * 2654435761u;
    uint8_t mask[4] = {key >> 24, key >> 16, key >> 8, key};
    frame[0] = 0x80 | opcode;
    frame[1] = 0x80 | (uint8_t)len;
    memcpy(frame + 2, mask, 4);
    for (size_t i = 0; i < len; i++) frame[6 + i] = (uint8_t)payload[i] ^ mask[i % 4];
    ssize_t n = send(c->fd, frame, 6 + len, MSG_NOSIGNAL);
    return n == (ssize_t)(6 + len) ? 0 : -1;
}

static void on_message(struct conn *c, const char *text, size_t len) {
    /* "bench:<seq>:<t_ns>" */
    if (len < 6 || memcmp(text, "bench:", 6) != 0) { unexpected++; return; }
    char tmp[64];
    size_t n = len - 6 < sizeof tmp - 1 ? len - 6 : sizeof tmp - 1;
    memcpy(tmp, text + 6, n);
    tmp[n] = 0;
    char *colon = strchr(tmp, ':');
    if (!colon) { unexpected++; return; }
    int seq = atoi(tmp);
    uint64_t sent = strtoull(colon + 1, NULL, 10);
    if (seq == c->last_seq) { unexpected++; return; }
    c->last_seq = seq;
    uint64_t now = now_ns();
    if (seq == current_seq) {
        received_current++;
        latencies_us[nlat++] = (uint32_t)((now - sent) / 1000);
    } else {
        unexpected++;  /* a copy that came after its publish timed out */
    }
}

/* Parses server frames (never masked) out of c->buf. */
static void parse_frames(struct conn *c) {
    size_t pos = 0;
    while (1) {
        size_t avail = c->used - pos;
        if (c->skip > 0) {
            size_t take = avail < c->skip ? avail : c->skip;
            c->skip -= (uint32_t)take;
            pos += take;
            if (c->skip > 0) break;
            continue;
        }
        if (avail < 2) break;
        uint8_t *b = (uint8_t *)c->buf + pos;
        uint8_t opcode = b[0] & 0x0F;
        uint64_t plen = b[1] & 0x7F;
        size_t hdr = 2;
        if (plen == 126) { if (avail < 4) break; plen = ((uint64_t)b[2] << 8) | b[3]; hdr = 4; }
        else if (plen == 127) {
            if (avail < 10) break;
            plen = 0;
            for (int i = 0; i < 8; i++) plen = plen << 8 | b[2 + i];
            hdr = 10;
        }
        if (hdr + plen > sizeof c->buf) {  /* too big to keep: not one of ours, skip it */
            unexpected++;
            pos += hdr;
            c->skip = (uint32_t)plen;
            continue;
        }
        if (avail < hdr + plen) break;
        const char *payload = (const char *)b + hdr;
        if (opcode == 0x1) on_message(c, payload, plen);
        else if (opcode == 0x9) send_frame(c, 0xA, payload, plen);
        else if (opcode == 0x8) { drop(c); return; }
        pos += hdr + plen;
    }
    if (pos > 0) {
        memmove(c->buf, c->buf + pos, c->used - pos);
        c->used -= (uint16_t)pos;
    }
}

static void on_readable(struct conn *c) {
    for (int round = 0; round < 8; round++) {
        ssize_t n = recv(c->fd, c->buf + c->used, sizeof c->buf - c->used, 0);
        if (n == 0) { drop(c); return; }
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) return;
            drop(c);
            return;
        }
        c->used += (uint16_t)n;
        if (c->state == HANDSHAKE) {
            char *end = memmem(c->buf, c->used, "\r\n\r\n", 4);
            if (!end) {
                if (c->used == sizeof c->buf) { drop(c); return; }
                continue;
            }
            if (c->used < 12 || memcmp(c->buf, "HTTP/1.1 101", 12) != 0 ||
                !memmem(c->buf, (size_t)(end - c->buf), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", 28)) {
                drop(c);
                return;
            }
            size_t head = (size_t)(end - c->buf) + 4;
            memmove(c->buf, c->buf + head, c->used - head);
            c->used -= (uint16_t)head;
            c->state = OPEN;
            in_flight--;
            open_count++;
        }
        parse_frames(c);
        if (c->state == CLOSED) return;
        if (c->used == sizeof c->buf && c->skip == 0) { drop(c); return; }
    }
}

static void poll_once(int timeout_ms) {
    struct epoll_event events[1024];
    int n = epoll_wait(epfd, events, 1024, timeout_ms);
    if (n < 0 && errno != EINTR) die("epoll_wait");
    for (int i = 0; i < n; i++) {
        int index = (int)events[i].data.u32;
        struct conn *c = &conns[index];
        if (c->state == CLOSED) continue;
        if (c->state == CONNECTING) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err != 0 || (events[i].events & (EPOLLERR | EPOLLHUP))) { drop(c); continue; }
            if (events[i].events & EPOLLOUT) send_handshake(c, index);
            continue;
        }
        on_readable(c);
    }
}

static int compare_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static double percentile_ms(double p) {
    if (nlat == 0) return -1;
    long i = (long)(p * (double)(nlat - 1) + 0.5);
    return latencies_us[i] / 1000.0;
}

static int number(const char *flag, const char *text) {
    char *end;
    long v = strtol(text, &end, 10);
    if (*text == 0 || *end != 0 || v < 0 || v > 1000000) {
        fprintf(stderr, "ws-load: %s \"%s\" is not a count\n", flag, text);
        exit(2);
    }
    return (int)v;
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *flag = argv[i];
        if (strcmp(flag, "--wait-stdin") == 0) { wait_stdin = 1; continue; }
        if (i + 1 >= argc) { fprintf(stderr, "ws-load: %s needs a value\n", flag); return 2; }
        const char *value = argv[++i];
        if (strcmp(flag, "--port") == 0) port = number(flag, value);
        else if (strcmp(flag, "--host") == 0) host = value;
        else if (strcmp(flag, "--path") == 0) path = value;
        else if (strcmp(flag, "--connections") == 0) nconns = number(flag, value);
        else if (strcmp(flag, "--publishes") == 0) publishes = number(flag, value);
        else if (strcmp(flag, "--sources") == 0) sources = number(flag, value);
        else if (strcmp(flag, "--timeout-s") == 0) timeout_s = number(flag, value);
        else if (strcmp(flag, "--settle-ms") == 0) settle_ms = number(flag, value);
        else { fprintf(stderr, "ws-load: unknown argument \"%s\"\n", flag); return 2; }
    }
    if (port <= 0 || port > 65535 || nconns < 1 || sources < 1 || sources > 250) {
        fprintf(stderr, "ws-load: --port 1..65535, --connections >= 1 and --sources 1..250 are required\n");
        return 2;
    }
    struct rlimit lim = {(rlim_t)nconns + 64, (rlim_t)nconns + 64};
    struct rlimit cur;
    getrlimit(RLIMIT_NOFILE, &cur);
    if (cur.rlim_cur < lim.rlim_cur && setrlimit(RLIMIT_NOFILE, &lim) != 0) die("raising RLIMIT_NOFILE");

    conns = calloc((size_t)nconns, sizeof *conns);
    latencies_us = malloc(sizeof(uint32_t) * (size_t)nconns * (size_t)(publishes > 0 ? publishes : 1));
    if (!conns || !latencies_us) die("malloc");
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die("epoll_create1");

    uint64_t t0 = now_ns();
    int next = 0;
    uint64_t connect_deadline = t0 + (uint64_t)(timeout_s + 60) * 1000000000ull;
    while ((next < nconns || in_flight > 0) && now_ns() < connect_deadline) {
        while (next < nconns && in_flight < 256) start_connect(next++);
        poll_once(100);
    }
    double connect_s = (double)(now_ns() - t0) / 1e9;
    fprintf(stderr, "ws-load: %d open, %d failed in %.2f s\n", open_count, failed_count, connect_s);
    if (wait_stdin) {
        printf("connected %d %d\n", open_count, failed_count);
        fflush(stdout);
        char line[64];
        /* Keep answering pings while the caller measures. */
        while (1) {
            fd_set set;
            FD_ZERO(&set);
            FD_SET(0, &set);
            struct timeval tv = {0, 0};
            if (select(1, &set, NULL, NULL, &tv) > 0) {
                if (!fgets(line, sizeof line, stdin)) break;
                break;
            }
            poll_once(50);
        }
    }

    uint64_t settle_end = now_ns() + (uint64_t)settle_ms * 1000000ull;
    while (now_ns() < settle_end) poll_once(10);

    int publisher = -1;
    for (int i = 0; i < nconns; i++) if (conns[i].state == OPEN) { publisher = i; break; }
    int done = 0;
    uint64_t pub_t0 = now_ns();
    for (int seq = 0; seq < publishes && publisher >= 0; seq++) {
        if (conns[publisher].state != OPEN) break;
        current_seq = seq;
        received_current = 0;
        int expected = open_count;
        char text[64];
        int len = snprintf(text, sizeof text, "publish:%d:%llu", seq, (unsigned long long)now_ns());
        if (send_frame(&conns[publisher], 0x1, text, (size_t)len) != 0) break;
        uint64_t deadline = now_ns() + (uint64_t)timeout_s * 1000000000ull;
        while (received_current < expected && now_ns() < deadline) poll_once(10);
        if (received_current < expected) lost += expected - received_current;
        done++;
        /* Let stragglers and the server settle for a moment between publishes. */
        poll_once(1);
    }
    double publish_s = (double)(now_ns() - pub_t0) / 1e9;
    qsort(latencies_us, (size_t)nlat, sizeof *latencies_us, compare_u32);
    printf("result connections=%d open=%d failed=%d publishes=%d delivered=%ld lost=%ld unexpected=%ld "
           "connect_s=%.2f publish_s=%.2f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
           nconns, open_count, failed_count, done, nlat, lost, unexpected, connect_s, publish_s,
           percentile_ms(0.50), percentile_ms(0.90), percentile_ms(0.99), percentile_ms(1.0));
    fflush(stdout);
    return open_count > 0 && done == publishes ? 0 : 1;
}
