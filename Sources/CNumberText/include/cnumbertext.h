#ifndef CNUMBERTEXT_H
#define CNUMBERTEXT_H
/* Writes `value` as printf's "%.12g" into `out` (at least 32 bytes); returns the length.
   Numbers as every release file writes them (Stats' NumberText): a plain C call, where
   Swift's withVaList boxes every argument. No state, no I/O. */
int cnumbertext_g12(double value, char *out);
#endif
