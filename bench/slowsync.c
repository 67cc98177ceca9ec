/* Preloaded into a benchmark process to stand in for a slower disk: every fsync and fdatasync first
   waits SLOWSYNC_US microseconds, then syncs for real. Built by bench/disk.py with the system cc. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

static void wait_for_the_disk(void) {
    const char *us = getenv("SLOWSYNC_US");
    if (us && atoi(us) > 0) usleep((useconds_t)atoi(us));
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = dlsym(RTLD_NEXT, "fsync");
    wait_for_the_disk();
    return real(fd);
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = dlsym(RTLD_NEXT, "fdatasync");
    wait_for_the_disk();
    return real(fd);
}
