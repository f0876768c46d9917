/*
 * ws-floor: the floor for WebSocket fan-out in scripts/bench-ws.
 *
 * The least a server can do for the bench room of Benchmarks/ws-load: accept WebSocket upgrades
 * (the RFC 6455 handshake: SHA-1 + base64 of the key with OpenSSL), keep every socket in one
 * contiguous array of descriptors, and for each text message "publish:<n>" build the frame
 * "bench:<n>" once and do nothing but one send() of it per subscriber. No queues, no heartbeat,
 * no compression, no UTF-8 check: what is left of a publish's CPU is the kernel's.
 *
 *   ws-floor [--port 0]        prints "listening on 127.0.0.1:<port>"; SIGTERM stops it
 *
 * One thread, one epoll set, level-triggered, non-blocking sockets. A send that would block or
 * come up short is counted and printed at exit: the floor never queues, so ws-load would then
 * see a lost message and fail the run.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
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

static struct peer *peers;     /* by fd */
static int *subscribers;       /* contiguous fds, the room */
static int nsubscribers;
static long short_sends, publishes;
static volatile sig_atomic_t stopping;

static void on_signal(int sig) { (void)sig; stopping = 1; }

static void drop(int epfd, int fd) {
    struct peer *p = &peers[fd];
    if (p->slot > 0) {
        /* Swap-remove: the last subscriber takes this one's place. */
        int last = subscribers[--nsubscribers];
        subscribers[p->slot - 1] = last;
        peers[last].slot = p->slot;
    }
    p->slot = 0;
    p->len = 0;
    epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
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

/* The fan-out: one frame built once, one send() per subscriber. */
static void publish(const unsigned char *number, size_t n) {
    unsigned char frame[64];
    if (n > 40) return;
    frame[0] = 0x81;
    frame[1] = (unsigned char)(6 + n);
    memcpy(frame + 2, "bench:", 6);
    memcpy(frame + 8, number, n);
    size_t len = 8 + n;
    for (int i = 0; i < nsubscribers; i++) {
        if (send(subscribers[i], frame, len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)len) short_sends++;
    }
    publishes++;
}

/* Masked client frames, small: a text "publish:<n>" publishes, a close (or anything too big) drops. */
static void on_frames(int epfd, int fd, struct peer *p) {
    int off = 0;
    while (p->len - off >= 6) {
        unsigned char *f = p->buf + off;
        size_t plen = f[1] & 0x7F;
        if (!(f[1] & 0x80) || plen > 125) { drop(epfd, fd); return; }
        if ((size_t)(p->len - off) < 6 + plen) break;
        unsigned char *mask = f + 2, *payload = f + 6;
        for (size_t i = 0; i < plen; i++) payload[i] ^= mask[i & 3];
        int opcode = f[0] & 0x0F;
        if (opcode == 0x8) { drop(epfd, fd); return; }
        if (opcode == 0x1 && plen > 8 && memcmp(payload, "publish:", 8) == 0) publish(payload + 8, plen - 8);
        off += 6 + (int)plen;
    }
    memmove(p->buf, p->buf + off, (size_t)(p->len - off));
    p->len -= off;
}

static void on_readable(int epfd, int fd) {
    struct peer *p = &peers[fd];
    ssize_t n = recv(fd, p->buf + p->len, sizeof p->buf - (size_t)p->len, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) { drop(epfd, fd); return; }
    if (n < 0) return;
    p->len += (int)n;
    if (p->slot == 0) {
        unsigned char *end = memmem(p->buf, (size_t)p->len, "\r\n\r\n", 4);
        if (!end) {
            if (p->len == (int)sizeof p->buf) drop(epfd, fd);
            return;
        }
        int head = (int)(end + 4 - p->buf);
        if (!handshake(fd, p, head)) { drop(epfd, fd); return; }
        subscribers[nsubscribers++] = fd;
        p->slot = nsubscribers;
        memmove(p->buf, p->buf + head, (size_t)(p->len - head));
        p->len -= head;
    }
    on_frames(epfd, fd, p);
}

int main(int argc, char **argv) {
    int port = 0;
    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--port") && a + 1 < argc) port = atoi(argv[++a]);
        else { fprintf(stderr, "ws-floor: unknown argument %s\n", argv[a]); return 2; }
    }
    struct rlimit limit;
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    size_t max_fds = (size_t)limit.rlim_cur;
    peers = calloc(max_fds, sizeof *peers);
    subscribers = calloc(max_fds, sizeof *subscribers);
    if (!peers || !subscribers) { perror("calloc"); return 1; }

    struct sigaction action = {.sa_handler = on_signal};
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);

    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
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
    printf("listening on 127.0.0.1:%d\n", ntohs(address.sin_port));
    fflush(stdout);

    int epfd = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = listener};
    epoll_ctl(epfd, EPOLL_CTL_ADD, listener, &ev);
    struct epoll_event events[256];
    while (!stopping) {
        int n = epoll_wait(epfd, events, 256, 250);
        for (int k = 0; k < n; k++) {
            int fd = events[k].data.fd;
            if (fd != listener) { on_readable(epfd, fd); continue; }
            for (;;) {
                int client = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
                if (client < 0) break;
                if ((size_t)client >= max_fds) { close(client); continue; }
                setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                peers[client].slot = 0;
                peers[client].len = 0;
                struct epoll_event cev = {.events = EPOLLIN, .data.fd = client};
                epoll_ctl(epfd, EPOLL_CTL_ADD, client, &cev);
            }
        }
    }
    fprintf(stderr, "ws-floor: %ld publishes, %ld short or blocked sends\n", publishes, short_sends);
    return short_sends == 0 ? 0 : 1;
}
