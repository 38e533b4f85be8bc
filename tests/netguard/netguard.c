/* LD_PRELOAD shim for the offline proof: logs and refuses every attempt to reach the network.
 *
 * Intercepts connect(), sendto() and sendmsg() to an IPv4/IPv6 address and getaddrinfo() /
 * gethostbyname(). Each attempt is appended to the file named by NETGUARD_LOG and fails at once,
 * so a program that phones home is caught without waiting for a time-out. Local (AF_UNIX)
 * sockets pass through. Python and Semgrep's OCaml core both go through these libc calls.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static void record(const char *what, const char *detail) {
    const char *path = getenv("NETGUARD_LOG");
    if (!path) return;
    FILE *log = fopen(path, "a");
    if (!log) return;
    fprintf(log, "%d %s %s\n", (int)getpid(), what, detail ? detail : "");
    fclose(log);
}

static int is_inet(const struct sockaddr *addr) {
    return addr && (addr->sa_family == AF_INET || addr->sa_family == AF_INET6);
}

static void describe(const struct sockaddr *addr, char *out, size_t size) {
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (addr->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        port = ntohs(in->sin_port);
    } else {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        port = ntohs(in6->sin6_port);
    }
    snprintf(out, size, "%s:%d", host, port);
}

int connect(int fd, const struct sockaddr *addr, socklen_t len) {
    if (is_inet(addr)) {
        char where[80];
        describe(addr, where, sizeof where);
        record("connect", where);
        errno = ECONNREFUSED;
        return -1;
    }
    int (*real)(int, const struct sockaddr *, socklen_t) = dlsym(RTLD_NEXT, "connect");
    return real(fd, addr, len);
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr, socklen_t len) {
    if (is_inet(addr)) {
        char where[80];
        describe(addr, where, sizeof where);
        record("sendto", where);
        errno = ENETUNREACH;
        return -1;
    }
    ssize_t (*real)(int, const void *, size_t, int, const struct sockaddr *, socklen_t) = dlsym(RTLD_NEXT, "sendto");
    return real(fd, buf, n, flags, addr, len);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
    if (msg && is_inet((const struct sockaddr *)msg->msg_name)) {
        char where[80];
        describe((const struct sockaddr *)msg->msg_name, where, sizeof where);
        record("sendmsg", where);
        errno = ENETUNREACH;
        return -1;
    }
    ssize_t (*real)(int, const struct msghdr *, int) = dlsym(RTLD_NEXT, "sendmsg");
    return real(fd, msg, flags);
}

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res) {
    record("getaddrinfo", node);
    (void)service; (void)hints; (void)res;
    return EAI_FAIL;
}

struct hostent *gethostbyname(const char *name) {
    record("gethostbyname", name);
    h_errno = HOST_NOT_FOUND;
    return NULL;
}
