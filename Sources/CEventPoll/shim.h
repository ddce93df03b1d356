// Linux readiness APIs that Glibc's Swift module map leaves out.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

// Declared by glibc only under _GNU_SOURCE, which Glibc's module was built without.
extern int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);
