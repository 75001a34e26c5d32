#define _GNU_SOURCE
#include <stdio.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "cshims.h"

int cshims_exchange_paths(const char *a, const char *b) {
#ifdef SYS_renameat2
    return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, (1 << 1) /* RENAME_EXCHANGE */);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int cshims_try_lock(int fd) {
    return flock(fd, LOCK_EX | LOCK_NB);
}

static volatile sig_atomic_t stop_signal = 0;

static void on_stop_signal(int sig) { stop_signal = sig; }

void cshims_install_stop_handlers(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
}

int cshims_stop_signal(void) { return (int)stop_signal; }

void cshims_fault_point(const char *name) {
    static const char *fault = NULL;
    static int checked = 0;
    static long hits = 0;
    if (!checked) {
        fault = getenv("SIPAS_FAULT");
        checked = 1;
    }
    if (fault == NULL || *fault == 0) return;
    /* SIPAS_FAULT=point[@n][:term]: at the n-th time the point is reached (default 1st),
       SIGKILL the process, or with :term send it SIGTERM and go on. */
    size_t len = strlen(name);
    if (strncmp(fault, name, len) != 0) return;
    const char *rest = fault + len;
    long want = 1;
    if (*rest == '@') {
        want = strtol(rest + 1, (char **)&rest, 10);
    }
    if (*rest != 0 && *rest != ':') return;
    if (++hits != want) return;
    if (strcmp(rest, ":term") == 0) {
        raise(SIGTERM);
        return;
    }
    raise(SIGKILL);
}

#include <malloc.h>

void cshims_release_free_memory(void) {
    malloc_trim(0);
}
