#ifndef CSHIMS_H
#define CSHIMS_H
/// Atomically exchanges two paths (Linux renameat2 RENAME_EXCHANGE).
/// Returns 0 on success, -1 with errno set otherwise.
int cshims_exchange_paths(const char *a, const char *b);
/// Takes an exclusive, non-blocking advisory lock on an open file descriptor.
/// Returns 0 when held, -1 with errno set (EWOULDBLOCK when another process holds it).
int cshims_try_lock(int fd);
#endif
