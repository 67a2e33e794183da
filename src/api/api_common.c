/* api_common.c — the library's version, the error buffer of the open calls, and the end-of-stream
 * state of a handle. */
#include <tpo/tpo_read.h>

#include "api_common.h"

const char *tpo_version(void)
{
	return TPO_VERSION_STRING;
}

void tpo_api_errbuf(char *errbuf, GError *err)
{
	if (errbuf)
		g_strlcpy(errbuf, err ? err->message : "out of memory", TPO_ERRBUF_SIZE);
	g_clear_error(&err);
}

int tpo_api_stream_over(const tpo_api_stream *s)
{
	return s->error ? -1 : s->ended ? 0 : 1;
}

int tpo_api_stream_record(tpo_api_stream *s, int k)
{
	if (k == 0)
		s->ended = 1;
	else if (k < 0 && !s->error)
		s->error = g_error_new_literal(G_FILE_ERROR, G_FILE_ERROR_FAILED, "read failed");
	return k;
}
