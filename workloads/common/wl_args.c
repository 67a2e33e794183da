/* wl_args.c — option parsing for the workloads: -h/--help, "-n N", "--size N", "--size=N",
 * values in decimal, 0x hex or B^E (e.g. 2^20); one-line errors with exit code 2. */
#include "wl_common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

const char *wl_prog = "workload";

void wl_die(int code, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", wl_prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(code);
}

/* Parses a plain unsigned number (decimal or 0x hex) covering all of s. */
static int parse_plain(const char *s, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return -1;
    int base = (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, base);
    if (errno || *end != '\0' || end == s)
        return -1;
    *out = v;
    return 0;
}

/* Parses "N" or "B^E" into *out; returns -1 if malformed or overflowing. */
static int parse_u64(const char *s, uint64_t *out)
{
    const char *caret = strchr(s, '^');
    if (!caret)
        return parse_plain(s, out);
    char base_s[32];
    size_t len = (size_t)(caret - s);
    if (len == 0 || len >= sizeof base_s)
        return -1;
    memcpy(base_s, s, len);
    base_s[len] = '\0';
    uint64_t base, exp, v = 1;
    if (parse_plain(base_s, &base) || parse_plain(caret + 1, &exp))
        return -1;
    for (uint64_t i = 0; i < exp; i++) {
        if (base != 0 && v > UINT64_MAX / base)
            return -1;
        v *= base;
    }
    *out = v;
    return 0;
}

static void print_usage(const char *summary, const wl_opt *opts, size_t nopts)
{
    printf("usage: %s", wl_prog);
    for (size_t i = 0; i < nopts; i++)
        printf(" [%s %s]", opts[i].short_name ? opts[i].short_name : opts[i].long_name,
               opts[i].metavar);
    printf("\n%s\n", summary);
    printf("Prints 'checksum <hex>' and 'compute_time <seconds>' on stdout.\n"
           "Numbers may be written as decimal, 0x hex or B^E (e.g. 2^20).\n\noptions:\n");
    printf("  %-24s %s\n", "-h, --help", "show this help and exit");
    for (size_t i = 0; i < nopts; i++) {
        char names[64];
        snprintf(names, sizeof names, "%s%s%s %s", opts[i].short_name ? opts[i].short_name : "",
                 opts[i].short_name && opts[i].long_name ? ", " : "",
                 opts[i].long_name ? opts[i].long_name : "", opts[i].metavar);
        printf("  %-24s %s (default %llu, range %llu..%llu)\n", names, opts[i].help,
               (unsigned long long)*opts[i].dest, (unsigned long long)opts[i].min,
               (unsigned long long)opts[i].max);
    }
}

/* Finds the option named by arg (up to an optional '='); sets *inline_val if "--x=v". */
static const wl_opt *find_opt(const char *arg, const wl_opt *opts, size_t nopts,
                              const char **inline_val)
{
    const char *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    *inline_val = eq ? eq + 1 : NULL;
    for (size_t i = 0; i < nopts; i++) {
        const char *names[2] = {opts[i].short_name, opts[i].long_name};
        for (int k = 0; k < 2; k++)
            if (names[k] && strlen(names[k]) == len && strncmp(names[k], arg, len) == 0)
                return &opts[i];
    }
    return NULL;
}

void wl_parse_args(int argc, char **argv, const char *summary, const wl_opt *opts, size_t nopts)
{
    if (argc > 0 && argv[0]) {
        const char *slash = strrchr(argv[0], '/');
        wl_prog = slash ? slash + 1 : argv[0];
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            print_usage(summary, opts, nopts);
            exit(0);
        }
        const char *val;
        const wl_opt *o = arg[0] == '-' ? find_opt(arg, opts, nopts, &val) : NULL;
        if (!o)
            wl_die(2, "unknown argument '%s' (try --help)", arg);
        if (!val) {
            if (i + 1 >= argc)
                wl_die(2, "option %s needs a value %s", arg, o->metavar);
            val = argv[++i];
        }
        uint64_t v;
        if (parse_u64(val, &v) || v < o->min || v > o->max)
            wl_die(2, "bad value '%s' for %s: expected an integer in %llu..%llu", val,
                   o->long_name ? o->long_name : o->short_name, (unsigned long long)o->min,
                   (unsigned long long)o->max);
        *o->dest = v;
    }
}
