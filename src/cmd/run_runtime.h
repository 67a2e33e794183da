/* run_runtime.h — 3po-run's runtime mode (run_runtime.c), chosen by --tape, --local-mem or --policy. */
#ifndef TPO_RUN_RUNTIME_H
#define TPO_RUN_RUNTIME_H

#include <stdbool.h>
#include <stdio.h>

int run_runtime_main(int argc, char **argv);
/* The runtime's part of 3po-run --help. */
void run_usage(FILE *f);

#endif
