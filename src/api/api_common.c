/* api_common.c — the library's version and the error buffer of the public API's open calls. */
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
