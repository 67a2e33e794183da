/* api_common.h — what the public API's trace and tape readers share: the end-of-stream state of
 * a handle, and copying a GError into the caller's error buffer. Private to libtpo. */
#ifndef TPO_API_COMMON_H
#define TPO_API_COMMON_H

#include <glib.h>

/* Writes err's message (or "out of memory" if err is NULL) into errbuf (TPO_ERRBUF_SIZE bytes;
 * NULL: nothing written) and frees err. */
void tpo_api_errbuf(char *errbuf, GError *err);

/* How a handle's stream stands: reading, ended cleanly, or stopped by an error (kept, so every
 * later call reports it again). */
typedef struct tpo_api_stream {
	int ended;
	GError *error;
} tpo_api_stream;

/* What next returns once the stream is over (0 or -1), or 1 while there is more to read. */
int tpo_api_stream_over(const tpo_api_stream *s);
/* Records the reader's answer k (1, 0 or -1, with s->error set on -1) and returns it. */
int tpo_api_stream_record(tpo_api_stream *s, int k);

#endif
