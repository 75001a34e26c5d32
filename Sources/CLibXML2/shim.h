#ifndef CLIBXML2_SHIM_H
#define CLIBXML2_SHIM_H
/* Debian's libxml2 is built with ICU; importing the ICU-typed declarations next to
   Foundation gives "'UErrorCode' has different definitions". We use none of them. */
#undef LIBXML_ICU_ENABLED
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlschemastypes.h>
#include <libxml/xmlerror.h>
/* Ingest: streaming reads of workbook parts, and HTML tables saved as .xls. */
#include <libxml/xmlreader.h>
#include <libxml/HTMLparser.h>
#endif
