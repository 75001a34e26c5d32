#ifndef CSHIMS_H
#define CSHIMS_H
/// Atomically exchanges two paths (Linux renameat2 RENAME_EXCHANGE).
/// Returns 0 on success, -1 with errno set otherwise.
int cshims_exchange_paths(const char *a, const char *b);
/// Takes an exclusive, non-blocking advisory lock on an open file descriptor.
/// Returns 0 when held, -1 with errno set (EWOULDBLOCK when another process holds it).
int cshims_try_lock(int fd);
/// Makes SIGINT and SIGTERM set a flag instead of ending the process.
void cshims_install_stop_handlers(void);
/// The signal that asked the process to stop, or 0.
int cshims_stop_signal(void);
/// Test instrumentation: when the environment variable SIPAS_FAULT names this point
/// (`point[@n][:term]`), kill the process there (or send it SIGTERM). Inert otherwise.
void cshims_fault_point(const char *name);
/// Returns memory freed by the program to the system (glibc malloc_trim(0)).
void cshims_release_free_memory(void);
#endif

