/*
 * http-floor: the least an HTTP/1.1 server on epoll can do per request, the floor that
 * scripts/bench measures shetphone's static path against.
 *
 * It answers every request with the same prebuilt bytes: a head like the one a file server
 * sends (status, Content-Type, Content-Length, ETag, Last-Modified, Cache-Control, Date) and
 * the body of one file read at start, written straight from that one buffer. No routing, no
 * per-request formatting, no clock, no copy. A request ends at its blank line (GET without a
 * body); several in one read (pipelining) are answered in order. Keep-alive always; a client
 * that stops reading is served as the socket drains (EPOLLOUT).
 *
 * With --sendfile the body goes out with sendfile(2) from the open file instead (the head with
 * send(MSG_MORE)): the two ways of sending a large file, compared at equal user-space work.
 *
 * N threads, each with its own epoll set, share one listening socket (EPOLLEXCLUSIVE), as
 * NGINX's workers and shetphone's loops do.
 *
 *   cc -O2 -Wall -pthread -o http-floor http-floor.c
 *   http-floor --port 8080 --threads 2 --file public/file.txt [--sendfile]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PIPELINED 64

static char *response;          /* head + body */
static size_t response_length;
static size_t head_length;
static int file_fd = -1;        /* --sendfile: the body's file */
static int listen_fd;

/* One connection: how far into "\r\n\r\n" the last read ended, how many answers are owed
 * and how far into the first of them the socket has taken. */
struct client {
    int fd;
    int matched;
    int owed;
    int watching_writable;
    size_t offset;
};

static void die(const char *what) {
    perror(what);
    exit(1);
}

static void close_client(int epoll_fd, struct client *c) {
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c);
}

/* Sends from where the socket stopped taking the current answer; -1 on error (errno set). */
static ssize_t send_some(struct client *c) {
    if (file_fd < 0 || c->offset < head_length) {
        size_t end = file_fd < 0 ? response_length : head_length;
        return send(c->fd, response + c->offset, end - c->offset, MSG_NOSIGNAL | (file_fd < 0 ? 0 : MSG_MORE));
    }
    off_t at = (off_t)(c->offset - head_length);
    return sendfile(c->fd, file_fd, &at, response_length - c->offset);
}

/* Writes the answers owed; -1 when the connection is gone. Watches for writable only while
 * something is left (epoll_ctl only when that changes, so a steady client costs none). */
static int flush_client(int epoll_fd, struct client *c) {
    while (c->owed > 0) {
        ssize_t n = send_some(c);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) break;
            return -1;
        }
        c->offset += (size_t)n;
        if (c->offset == response_length) {
            c->offset = 0;
            c->owed--;
        }
    }
    int blocked = c->owed > 0;
    if (blocked != c->watching_writable) {
        struct epoll_event event = {.events = EPOLLIN | EPOLLRDHUP | (blocked ? EPOLLOUT : 0), .data.ptr = c};
        epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &event);
        c->watching_writable = blocked;
    }
    return 0;
}

static void on_readable(int epoll_fd, struct client *c, char *buffer, size_t size) {
    static const char end[] = "\r\n\r\n";
    for (;;) {
        ssize_t n = recv(c->fd, buffer, size, 0);
        if (n == 0) { close_client(epoll_fd, c); return; }
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return;
            close_client(epoll_fd, c);
            return;
        }
        int complete = 0;
        for (ssize_t i = 0; i < n; i++) {
            if (buffer[i] == end[c->matched]) {
                if (++c->matched == 4) { complete++; c->matched = 0; }
            } else {
                c->matched = buffer[i] == '\r' ? 1 : 0;
            }
        }
        if (complete > 0) {
            int idle = c->owed == 0;
            c->owed += complete;
            if (c->owed > MAX_PIPELINED) { close_client(epoll_fd, c); return; }
            /* A client already waiting for EPOLLOUT is served when the socket drains. */
            if (idle && flush_client(epoll_fd, c) < 0) { close_client(epoll_fd, c); return; }
        }
        if ((size_t)n < size) return;
    }
}

static void accept_all(int epoll_fd) {
    for (;;) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct client *c = calloc(1, sizeof *c);
        if (!c) { close(fd); continue; }
        c->fd = fd;
        struct epoll_event event = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
        if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) < 0) { close(fd); free(c); }
    }
}

static void *serve(void *unused) {
    (void)unused;
    int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0) die("epoll_create1");
    struct epoll_event event = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = NULL};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &event) < 0) die("epoll_ctl listener");
    static __thread char buffer[65536];
    struct epoll_event events[256];
    for (;;) {
        int count = epoll_wait(epoll_fd, events, 256, -1);
        for (int i = 0; i < count; i++) {
            struct client *c = events[i].data.ptr;
            if (!c) { accept_all(epoll_fd); continue; }
            if (events[i].events & EPOLLOUT) {
                if (flush_client(epoll_fd, c) < 0) { close_client(epoll_fd, c); continue; }
            }
            if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
                on_readable(epoll_fd, c, buffer, sizeof buffer);
            }
        }
    }
    return NULL;
}

static char *read_file(const char *path, size_t *length) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) die(path);
    struct stat info;
    if (fstat(fd, &info) < 0) die("fstat");
    char *bytes = malloc((size_t)info.st_size + 1);
    size_t done = 0;
    while (done < (size_t)info.st_size) {
        ssize_t n = read(fd, bytes + done, (size_t)info.st_size - done);
        if (n <= 0) die("read");
        done += (size_t)n;
    }
    close(fd);
    *length = done;
    return bytes;
}

int main(int argc, char **argv) {
    int port = 8080, threads = 1, use_sendfile = 0;
    const char *file = NULL;
    for (int i = 1; i < argc; i += 2) {
        if (!strcmp(argv[i], "--sendfile")) { use_sendfile = 1; i--; continue; }
        if (i + 1 >= argc) { fprintf(stderr, "usage: %s --port N --threads N --file PATH [--sendfile]\n", argv[0]); return 2; }
        if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--threads")) threads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--file")) file = argv[i + 1];
        else { fprintf(stderr, "usage: %s --port N --threads N --file PATH\n", argv[0]); return 2; }
    }
    if (!file || port <= 0 || port > 65535 || threads < 1 || threads > 64) {
        fprintf(stderr, "usage: %s --port N --threads N --file PATH\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    size_t body_length;
    char *body = read_file(file, &body_length);
    char head[512];
    int length = snprintf(head, sizeof head,
        "HTTP/1.1 200 OK\r\nETag: \"187c9a3e1f2b4c00-400\"\r\nLast-Modified: Mon, 30 Nov 2026 02:00:00 GMT\r\n"
        "Cache-Control: public, max-age=3600\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "X-Content-Type-Options: nosniff\r\nContent-Length: %zu\r\nDate: Mon, 30 Nov 2026 02:00:00 GMT\r\n\r\n",
        body_length);
    head_length = (size_t)length;
    response_length = head_length + body_length;
    response = malloc(response_length);
    memcpy(response, head, head_length);
    memcpy(response + head_length, body, body_length);
    if (use_sendfile) {
        file_fd = open(file, O_RDONLY | O_CLOEXEC);
        if (file_fd < 0) die(file);
    }

    listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd < 0) die("socket");
    int one = 1;
    setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listen_fd, (struct sockaddr *)&address, sizeof address) < 0) die("bind");
    if (listen(listen_fd, 4096) < 0) die("listen");

    pthread_t ids[64];
    for (int i = 1; i < threads; i++) {
        if (pthread_create(&ids[i], NULL, serve, NULL) != 0) die("pthread_create");
    }
    serve(NULL);
    return 0;
}
