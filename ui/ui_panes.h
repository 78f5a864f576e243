/* The result panes as rows, built from a Report (curses-free). Every text
 * from the report goes through ui_sanitize on its way into a row. */
#ifndef UI_PANES_H
#define UI_PANES_H

#include <time.h>
#include "od_report.h"
#include "ui_text.h"

ui_role ui_severity_role(od_severity s);
const char *ui_severity_mark(const ui_glyphs *g, od_severity s);
ui_role ui_step_role(od_step_status s);
const char *ui_step_mark(const ui_glyphs *g, od_step_status s);
/* Short display name of a certificate: its first CN, else the subject. */
const char *ui_cert_label(const od_cert *c);

void ui_pane_findings(const od_report *r, const ui_glyphs *g, int width, ui_rows *out);
void ui_pane_finding_detail(const od_report *r, size_t finding, int width, ui_rows *out);
/* Handshakes that brought a chain, in report order; returns how many (<= max). */
size_t ui_chain_handshakes(const od_report *r, size_t *idx, size_t max);
/* Chain as sent (rows carry the certificate index as item) and the order
 * CloudFront needs. */
void ui_pane_chain(const od_report *r, size_t handshake, const ui_glyphs *g, int width, time_t now,
                   ui_rows *sent, ui_rows *needed);
void ui_pane_cert_list(const od_report *r, const ui_glyphs *g, int width, time_t now, ui_rows *out);
void ui_pane_cert(const od_report *r, size_t cert, const ui_glyphs *g, int width, time_t now, ui_rows *out);
void ui_pane_ciphers(const od_report *r, const ui_glyphs *g, int width, ui_rows *out);
void ui_pane_http(const od_report *r, int width, ui_rows *out);
void ui_pane_log(const od_report *r, const ui_glyphs *g, int width, ui_rows *out);

#endif
