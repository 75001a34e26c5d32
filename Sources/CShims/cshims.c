#define _GNU_SOURCE
#include <stdio.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <errno.h>
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
