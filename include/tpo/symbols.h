/* tpo/symbols.h — naming code addresses of a trace: the function of an ELF object (executable or
 * shared library) that holds a given file offset, from its .symtab (else .dynsym). */
#ifndef TPO_SYMBOLS_H
#define TPO_SYMBOLS_H

#include <stdint.h>

/* A cache of opened ELF objects, by path. */
typedef struct tpo_symbolizer tpo_symbolizer;

tpo_symbolizer *tpo_symbolizer_new(void);
void tpo_symbolizer_free(tpo_symbolizer *s);

/* The function containing file offset off of the ELF object at path (the offset is turned into
 * a virtual address with the object's PT_LOAD program headers, so it works for ET_EXEC and
 * ET_DYN/PIE alike). Returns its name, owned by s, or NULL if the file cannot be read or no
 * function symbol covers the address. *delta (if not NULL) gets the address minus the
 * function's start. */
const char *tpo_symbolize(tpo_symbolizer *s, const char *path, uint64_t off, uint64_t *delta);

#endif
