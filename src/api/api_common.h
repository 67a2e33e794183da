/* api_common.h — what the public API's trace and tape readers share: copying a GError into the
 * caller's error buffer or the handle's message. Private to libtpo. */
#ifndef TPO_API_COMMON_H
#define TPO_API_COMMON_H

#include <glib.h>

/* Writes err's message (or "out of memory" if err is NULL) into errbuf (TPO_ERRBUF_SIZE bytes;
 * NULL: nothing written) and frees err. */
void tpo_api_errbuf(char *errbuf, GError *err);

#endif
