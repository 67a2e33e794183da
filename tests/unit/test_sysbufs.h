/* test_sysbufs.h — what test_sysbufs_uapi.c gives test_sysbufs.c. */
#ifndef TPO_TEST_SYSBUFS_H
#define TPO_TEST_SYSBUFS_H
/* sizeof the UAPI type of that name, or -1 if the list does not know it */
long uapi_sizeof(const char *type);
#endif
