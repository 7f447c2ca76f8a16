/* report_xlsx.c — the report as an XLSX workbook (libxlsxwriter). */
#include "report_internal.h"

helby_status helby_report_write_xlsx(const helby_report *r, const char *path, helby_error *err)
{
    (void)r, (void)path;
    return helby_error_set(err, HELBY_EUSAGE, "xlsx: not yet");
}
