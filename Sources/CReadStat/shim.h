#ifndef CREADSTAT_SHIM_H
#define CREADSTAT_SHIM_H
/* ReadStat from Debian's libreadstat-dev: `pipeline export` writes SPSS .sav and Stata .dta
   (Export/ReadStatFile.swift). */
#include <readstat.h>
#endif
