/* dump.h — what the two halves of 3po-dump share: 3po-dump.c (main, traces), dump_tape.c
 * (tapes) and dump_top.c (--top). */
#ifndef TPO_CMD_DUMP_H
#define TPO_CMD_DUMP_H

#include <glib.h>
#include <stdint.h>
#include <stdio.h>

enum dump_mode { MODE_SUMMARY, MODE_PAGES, MODE_EVENTS, MODE_ENTRIES, MODE_JSON, MODE_NONE };

/* s as a JSON string literal (invalid UTF-8 bytes as \u00XX). */
void json_string(FILE *o, const char *s);
/* Ends a JSON summary: ,"error": the message or null, the closing brace, a newline. */
void json_end(FILE *o, const GError *error);
/* ns since the epoch as "YYYY-MM-DDTHH:MM:SS.NNNNNNNNNZ" (g_free it). */
char *time_str(uint64_t ns);

/* TRUE if file starts with the tape magic (FALSE also when it cannot be read: the trace
 * reader then says why). */
gboolean dump_is_tape(const char *file);
/* Prints the tape at file in mode (MODE_SUMMARY, MODE_ENTRIES or MODE_JSON); the exit status:
 * 0, or 1 after printing what could be read and one line on stderr. */
int dump_tape(const char *file, enum dump_mode mode);
/* Prints the n functions that caused the most accesses of the trace at file (dump_top.c); the
 * exit status as for dump_tape. */
int dump_top(const char *file, unsigned n);

#endif
