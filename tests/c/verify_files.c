/*
 * Verifies files as `elicence verify` does, through the C ABI, and prints
 * one line per file: its path, a tab, the verdict JSON. The CI script
 * compares each line with the CLI's answer for the same file.
 *
 *   verify_files ROOTS.pem TRUST-LIST.cose UNIX_TIME \
 *       [status:LIST.cwt]... [qr:CODE.qr.txt]... [cose:FILE.cose]... [pdf:FILE.pdf]...
 */
#include <inttypes.h>

#include "common.h"

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s ROOTS TRUST-LIST UNIX_TIME [kind:PATH]...\n", argv[0]);
        return 2;
    }
    size_t len = 0;
    unsigned char *roots = read_file(argv[1], &len, 1);
    elicence_verifier *verifier = NULL;
    CHECK_RESULT(elicence_verifier_new(roots, len, &verifier), ELICENCE_OK);
    free(roots);
    if (verifier == NULL) {
        return 1;
    }
    int64_t at = strtoll(argv[3], NULL, 10);
    unsigned char *list = read_file(argv[2], &len, 0);
    CHECK_RESULT(elicence_verifier_add_trust_list_at(verifier, list, len, at), ELICENCE_OK);
    free(list);

    for (int i = 4; i < argc; i++) {
        const char *arg = argv[i];
        const char *colon = strchr(arg, ':');
        if (colon == NULL) {
            fprintf(stderr, "not kind:path: %s\n", arg);
            return 2;
        }
        const char *path = colon + 1;
        unsigned char *data = read_file(path, &len, strncmp(arg, "qr:", 3) == 0);
        elicence_verdict *verdict = NULL;
        if (strncmp(arg, "status:", 7) == 0) {
            CHECK_RESULT(elicence_verifier_add_status_list_at(verifier, data, len, at),
                         ELICENCE_OK);
            free(data);
            continue;
        } else if (strncmp(arg, "qr:", 3) == 0) {
            CHECK_RESULT(elicence_verify_qr_text(verifier, (const char *)data, len, at, &verdict),
                         ELICENCE_OK);
        } else if (strncmp(arg, "cose:", 5) == 0) {
            CHECK_RESULT(elicence_verify_envelope(verifier, data, len, at, &verdict), ELICENCE_OK);
        } else if (strncmp(arg, "pdf:", 4) == 0) {
            CHECK_RESULT(elicence_verify_pdf(verifier, data, len, at, &verdict), ELICENCE_OK);
        } else {
            fprintf(stderr, "unknown kind: %s\n", arg);
            return 2;
        }
        free(data);
        if (verdict == NULL) {
            continue;
        }
        elicence_bytes *json = NULL;
        CHECK_RESULT(elicence_verdict_json(verdict, &json), ELICENCE_OK);
        if (json != NULL) {
            printf("%s\t%.*s\n", path, (int)elicence_bytes_len(json),
                   (const char *)elicence_bytes_data(json));
        }
        elicence_bytes_free(json);
        elicence_verdict_free(verdict);
    }
    elicence_verifier_free(verifier);
    return failures == 0 ? 0 : 1;
}
