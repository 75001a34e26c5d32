#ifndef CXLSXWRITER_SHIM_H
#define CXLSXWRITER_SHIM_H
/* libxlsxwriter from Debian's libxlsxwriter-dev: summary.xlsx (Report/SummaryXLSX.swift). */
#include <xlsxwriter.h>
#endif
