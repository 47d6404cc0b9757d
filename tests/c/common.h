/* Helpers shared by the C tests of the C ABI: reading files, checking. */
#ifndef ELICENCE_TEST_COMMON_H
#define ELICENCE_TEST_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <elicence.h>

static int failures = 0;

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,         \
                    __LINE__, #cond);                                      \
            failures++;                                                    \
        }                                                                  \
    } while (0)

#define CHECK_RESULT(call, want)                                           \
    do {                                                                   \
        elicence_result got_ = (call);                                     \
        if (got_ != (want)) {                                              \
            fprintf(stderr, "%s:%d: %s gave %u, wanted %u (%s)\n",         \
                    __FILE__, __LINE__, #call, (unsigned)got_,             \
                    (unsigned)(want), last_error());                       \
            failures++;                                                    \
        }                                                                  \
    } while (0)

/* The library's detail of the last failure on this thread. */
static inline const char *last_error(void) {
    static _Thread_local char buf[2048];
    size_t n = 0;
    if (elicence_last_error_message(buf, sizeof buf, &n) != ELICENCE_OK) {
        return "(detail too long)";
    }
    return buf;
}

/* A whole file, NUL-terminated after its length; exits if unreadable.
 * With `text`, trailing line ends are dropped (a QR text file ends in one;
 * the code is the text before it). */
static inline unsigned char *read_file(const char *path, size_t *len, int text) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    size_t cap = 1 << 16, n = 0;
    unsigned char *data = malloc(cap + 1);
    size_t got;
    while (data != NULL && (got = fread(data + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            unsigned char *bigger = realloc(data, cap + 1);
            if (bigger == NULL) {
                free(data);
                data = NULL;
                break;
            }
            data = bigger;
        }
    }
    fclose(f);
    if (data == NULL) {
        fprintf(stderr, "out of memory reading %s\n", path);
        exit(2);
    }
    while (text && n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r')) {
        n--;
    }
    data[n] = 0;
    *len = n;
    return data;
}

static inline void write_file(const char *path, const elicence_bytes *bytes) {
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
    fwrite(elicence_bytes_data(bytes), 1, elicence_bytes_len(bytes), f);
    fclose(f);
}

#endif
