/*
 * The C ABI from C: issuing under a certificate, verifying (valid,
 * tampered, untrusted), rendering, one verifier shared by several threads,
 * and for every function the NULL, zero-length, invalid UTF-8 and
 * buffer-too-small cases. Run under ASan/UBSan and valgrind by
 * .ci/c_abi.sh.
 *
 *   abi_test KEY.pem CERT.pem PUB.pem ROOTS.pem LICENCE.json OUT_DIR UNIX_TIME
 */
#include <inttypes.h>
#include <pthread.h>

#include "common.h"

static const unsigned char NOT_UTF8[] = {0xff, 0xfe, '{'};

/* What the threads share. */
struct shared {
    const elicence_verifier *verifier;
    const char *qr;
    size_t qr_len;
    int64_t at;
    int valid;
};

static void *verify_many(void *arg) {
    struct shared *s = arg;
    int valid = 0;
    for (int i = 0; i < 200; i++) {
        elicence_verdict *verdict = NULL;
        if (elicence_verify_qr_text(s->verifier, s->qr, s->qr_len, s->at, &verdict) ==
                ELICENCE_OK &&
            elicence_verdict_is_valid(verdict)) {
            valid++;
        }
        elicence_verdict_free(verdict);
    }
    s->valid = valid;
    return NULL;
}

static elicence_verifier *verifier_from(const char *path) {
    size_t len = 0;
    unsigned char *pem = read_file(path, &len, 1);
    elicence_verifier *verifier = NULL;
    CHECK_RESULT(elicence_verifier_new(pem, len, &verifier), ELICENCE_OK);
    free(pem);
    return verifier;
}

static int is_valid(const elicence_verifier *v, const elicence_bytes *qr, int64_t at) {
    elicence_verdict *verdict = NULL;
    CHECK_RESULT(elicence_verify_qr_text(v, (const char *)elicence_bytes_data(qr),
                                         elicence_bytes_len(qr), at, &verdict),
                 ELICENCE_OK);
    int valid = elicence_verdict_is_valid(verdict);
    elicence_verdict_free(verdict);
    return valid;
}

/* NULL, empty, non-UTF-8 and too-small buffers: typed results, and the
 * out-parameters left as they were. */
static int is_valid_envelope(const elicence_verifier *v, const elicence_bytes *envelope,
                             int64_t at) {
    elicence_verdict *verdict = NULL;
    CHECK_RESULT(elicence_verify_envelope(v, elicence_bytes_data(envelope),
                                          elicence_bytes_len(envelope), at, &verdict),
                 ELICENCE_OK);
    int valid = elicence_verdict_is_valid(verdict);
    elicence_verdict_free(verdict);
    return valid;
}

static void edges(const elicence_signing_key *key, const elicence_verifier *verifier,
                  const unsigned char *json, size_t json_len, int64_t at) {
    elicence_bytes *const untouched = (elicence_bytes *)&failures;
    elicence_bytes *out = untouched, *qr = untouched;
    elicence_signing_key *no_key = (elicence_signing_key *)&failures;
    elicence_verifier *no_verifier = (elicence_verifier *)&failures;
    elicence_verdict *no_verdict = (elicence_verdict *)&failures;

    CHECK_RESULT(elicence_signing_key_from_pem(NULL, 0, &no_key), ELICENCE_KEY_REFUSED);
    CHECK_RESULT(elicence_signing_key_from_pem(NULL, 7, &no_key), ELICENCE_NULL_ARGUMENT);
    CHECK_RESULT(elicence_signing_key_from_pem(NOT_UTF8, 3, &no_key), ELICENCE_INVALID_UTF8);
    CHECK_RESULT(elicence_signing_key_from_pem((const uint8_t *)"x", 1, NULL),
                 ELICENCE_NULL_ARGUMENT);
    CHECK(no_key == (elicence_signing_key *)&failures);

    CHECK_RESULT(elicence_issue_json(NULL, NULL, 0, (const char *)json, json_len, at, &out, &qr),
                 ELICENCE_NULL_ARGUMENT);
    CHECK_RESULT(elicence_issue_json(key, NULL, 0, (const char *)json, json_len, at, NULL, &qr),
                 ELICENCE_NULL_ARGUMENT);
    CHECK_RESULT(elicence_issue_json(key, NULL, 0, NULL, 0, at, &out, &qr),
                 ELICENCE_LICENCE_REFUSED);
    CHECK_RESULT(elicence_issue_json(key, NULL, 0, (const char *)NOT_UTF8, 3, at, &out, &qr),
                 ELICENCE_INVALID_UTF8);
    CHECK_RESULT(elicence_issue_json(key, NULL, 5, (const char *)json, json_len, at, &out, &qr),
                 ELICENCE_NULL_ARGUMENT);
    CHECK_RESULT(elicence_issue_json(key, NOT_UTF8, 3, (const char *)json, json_len, at, &out, &qr),
                 ELICENCE_CERTIFICATE_REFUSED);
    CHECK_RESULT(elicence_issue_json_for(key, NULL, 0, (const char *)json, json_len, at,
                                         (const char *)NOT_UTF8, 3, &out, &qr),
                 ELICENCE_INVALID_UTF8);
    CHECK(out == untouched && qr == untouched);

    CHECK_RESULT(elicence_verifier_new(NULL, 0, &no_verifier), ELICENCE_NO_TRUST_ANCHOR);
    CHECK_RESULT(elicence_verifier_new(NOT_UTF8, 3, &no_verifier), ELICENCE_MALFORMED_INPUT);
    CHECK_RESULT(elicence_verifier_new((const uint8_t *)"x", 1, NULL), ELICENCE_NULL_ARGUMENT);
    CHECK(no_verifier == (elicence_verifier *)&failures);
    CHECK_RESULT(elicence_verifier_add_trust_list(NULL, NULL, 0), ELICENCE_NULL_ARGUMENT);
    CHECK_RESULT(elicence_verifier_add_status_list(NULL, NULL, 0), ELICENCE_NULL_ARGUMENT);
    CHECK_RESULT(elicence_verifier_add_trust_list_at(NULL, NULL, 0, at), ELICENCE_NULL_ARGUMENT);
    CHECK_RESULT(elicence_verifier_add_status_list_at(NULL, NULL, 0, at), ELICENCE_NULL_ARGUMENT);

    CHECK_RESULT(elicence_verify_qr_text(NULL, "1", 1, at, &no_verdict), ELICENCE_NULL_ARGUMENT);
    CHECK_RESULT(elicence_verify_qr_text(verifier, "1", 1, at, NULL), ELICENCE_NULL_ARGUMENT);
    CHECK_RESULT(elicence_verify_qr_text(verifier, NULL, 4, at, &no_verdict),
                 ELICENCE_NULL_ARGUMENT);
    CHECK_RESULT(elicence_verify_qr_text(verifier, (const char *)NOT_UTF8, 3, at, &no_verdict),
                 ELICENCE_INVALID_UTF8);
    CHECK_RESULT(elicence_verify_envelope(NULL, NULL, 0, at, &no_verdict), ELICENCE_NULL_ARGUMENT);
    CHECK_RESULT(elicence_verify_envelope(verifier, NULL, 3, at, &no_verdict),
                 ELICENCE_NULL_ARGUMENT);
    CHECK_RESULT(elicence_verify_pdf(NULL, NULL, 0, at, &no_verdict), ELICENCE_NULL_ARGUMENT);
    CHECK_RESULT(elicence_verify_pdf(verifier, NULL, 0, at, NULL), ELICENCE_NULL_ARGUMENT);
    CHECK(no_verdict == (elicence_verdict *)&failures);

    /* Zero-length input is a verdict (invalid), never an error. */
    elicence_verdict *verdict = NULL;
    CHECK_RESULT(elicence_verify_qr_text(verifier, NULL, 0, at, &verdict), ELICENCE_OK);
    CHECK(!elicence_verdict_is_valid(verdict));
    elicence_verdict_free(verdict);
    verdict = NULL;
    CHECK_RESULT(elicence_verify_envelope(verifier, NULL, 0, at, &verdict), ELICENCE_OK);
    CHECK(!elicence_verdict_is_valid(verdict));
    CHECK_RESULT(elicence_verdict_json(verdict, NULL), ELICENCE_NULL_ARGUMENT);
    CHECK_RESULT(elicence_verdict_json(NULL, &out), ELICENCE_NULL_ARGUMENT);
    elicence_verdict_free(verdict);
    verdict = NULL;
    CHECK_RESULT(elicence_verify_pdf(verifier, (const uint8_t *)"%PDF-", 5, at, &verdict),
                 ELICENCE_OK);
    CHECK(!elicence_verdict_is_valid(verdict));
    elicence_verdict_free(verdict);
    CHECK(!elicence_verdict_is_valid(NULL));

    CHECK_RESULT(elicence_render_pdf(NULL, 0, NULL, 0, &out), ELICENCE_MALFORMED_INPUT);
    CHECK_RESULT(elicence_render_png(NULL, 0, NULL, 0, NULL), ELICENCE_NULL_ARGUMENT);
    CHECK_RESULT(elicence_render_png(NULL, 4, NULL, 0, &out), ELICENCE_NULL_ARGUMENT);
    CHECK(out == untouched);

    /* Messages: whole, or the size needed. */
    char small[4] = {'a', 'b', 'c', 'd'};
    char big[256];
    size_t n = 0;
    CHECK_RESULT(elicence_result_message(ELICENCE_PANIC, small, sizeof small, &n),
                 ELICENCE_BUFFER_TOO_SMALL);
    CHECK(n > sizeof small && small[0] == 'a');
    CHECK_RESULT(elicence_result_message(ELICENCE_PANIC, big, n, &n), ELICENCE_OK);
    CHECK(strlen(big) == n && strstr(big, "panic") != NULL);
    CHECK_RESULT(elicence_result_message(ELICENCE_OK, NULL, 0, &n), ELICENCE_BUFFER_TOO_SMALL);
    CHECK_RESULT(elicence_result_message(ELICENCE_OK, big, sizeof big, NULL),
                 ELICENCE_NULL_ARGUMENT);
    CHECK_RESULT(elicence_result_message(4000000000u, big, sizeof big, &n), ELICENCE_OK);
    CHECK_RESULT(elicence_last_error_message(small, sizeof small, &n), ELICENCE_BUFFER_TOO_SMALL);
    CHECK_RESULT(elicence_last_error_message(big, sizeof big, NULL), ELICENCE_NULL_ARGUMENT);

    /* Every free accepts NULL; getters give their neutral value. */
    elicence_bytes_free(NULL);
    elicence_verdict_free(NULL);
    elicence_verifier_free(NULL);
    elicence_signing_key_free(NULL);
    CHECK(elicence_bytes_data(NULL) == NULL);
    CHECK(elicence_bytes_len(NULL) == 0);
}

int main(int argc, char **argv) {
    if (argc != 11) {
        fprintf(stderr,
                "usage: %s KEY CERT PUB ROOTS LICENCE.json SEAL STATUS_KEY STATUS_CERT OUT_DIR "
                "UNIX_TIME\n",
                argv[0]);
        return 2;
    }
    size_t key_len, cert_len, json_len, seal_len;
    unsigned char *key_pem = read_file(argv[1], &key_len, 1);
    unsigned char *cert = read_file(argv[2], &cert_len, 1);
    unsigned char *json = read_file(argv[5], &json_len, 1);
    unsigned char *seal = read_file(argv[6], &seal_len, 0);
    size_t status_key_len, status_cert_len;
    unsigned char *status_key_pem = read_file(argv[7], &status_key_len, 1);
    unsigned char *status_cert = read_file(argv[8], &status_cert_len, 1);
    const char *out_dir = argv[9];
    int64_t at = strtoll(argv[10], NULL, 10);
    const char *roots_path = argv[4];

    elicence_signing_key *key = NULL;
    CHECK_RESULT(elicence_signing_key_from_pem(key_pem, key_len, &key), ELICENCE_OK);
    free(key_pem);
    elicence_verifier *by_root = verifier_from(argv[4]);
    elicence_verifier *by_key = verifier_from(argv[3]);
    if (key == NULL || by_root == NULL || by_key == NULL) {
        return 1;
    }

    edges(key, by_root, json, json_len, at);

    /* Under the certificate: the envelope carries the chain, the root alone
     * checks it. */
    elicence_bytes *envelope = NULL, *qr = NULL;
    CHECK_RESULT(elicence_issue_json(key, cert, cert_len, (const char *)json, json_len, at,
                                     &envelope, &qr),
                 ELICENCE_OK);
    if (envelope == NULL || qr == NULL) {
        return 1;
    }
    elicence_verdict *verdict = NULL;
    CHECK_RESULT(elicence_verify_envelope(by_root, elicence_bytes_data(envelope),
                                          elicence_bytes_len(envelope), at, &verdict),
                 ELICENCE_OK);
    CHECK(elicence_verdict_is_valid(verdict));
    elicence_verdict_free(verdict);
    /* The QR text carries no chain: the root alone cannot place its key,
     * the issuer's public key can. */
    CHECK(!is_valid(by_root, qr, at));
    CHECK(is_valid(by_key, qr, at));

    /* One byte of the envelope changed: refused. */
    size_t env_len = elicence_bytes_len(envelope);
    unsigned char *tampered = malloc(env_len);
    memcpy(tampered, elicence_bytes_data(envelope), env_len);
    tampered[env_len / 3] ^= 0x01;
    verdict = NULL;
    CHECK_RESULT(elicence_verify_envelope(by_root, tampered, env_len, at, &verdict), ELICENCE_OK);
    CHECK(!elicence_verdict_is_valid(verdict));
    elicence_verdict_free(verdict);
    free(tampered);

    /* Bare (no certificate): only a verifier holding the key trusts it. */
    elicence_bytes *bare = NULL, *bare_qr = NULL;
    CHECK_RESULT(elicence_issue_json_for(key, NULL, 0, (const char *)json, json_len, at,
                                         "https://verify.example.gov.cn/c/", 32, &bare, &bare_qr),
                 ELICENCE_OK);
    CHECK(is_valid(by_key, bare_qr, at));
    CHECK(!is_valid(by_root, bare_qr, at));
    elicence_bytes_free(bare);
    elicence_bytes_free(bare_qr);

    /* In another authority's name: refused before anything is signed. */
    const char *foreign = strstr((const char *)json, "111100000000213452");
    if (foreign != NULL) {
        unsigned char *other = malloc(json_len + 1);
        memcpy(other, json, json_len + 1);
        memcpy(other + (foreign - (const char *)json), "11110108MB1234567C", 18);
        elicence_bytes *none = NULL;
        CHECK_RESULT(elicence_issue_json(key, cert, cert_len, (const char *)other, json_len, at,
                                         &none, NULL),
                     ELICENCE_CERTIFICATE_REFUSED);
        CHECK(none == NULL);
        CHECK(strstr(last_error(), "another authority") != NULL);
        free(other);
    } else {
        fprintf(stderr, "the licence does not name 111100000000213452\n");
        failures++;
    }

    /* The QR text of an envelope, for another base; refusals. */
    elicence_bytes *again = NULL;
    const char *base = "https://scan.example.org/v/";
    CHECK_RESULT(elicence_qr_text(elicence_bytes_data(envelope), elicence_bytes_len(envelope), base,
                                  strlen(base), &again),
                 ELICENCE_OK);
    if (again != NULL) {
        CHECK(elicence_bytes_len(again) > strlen(base) &&
              memcmp(elicence_bytes_data(again), base, strlen(base)) == 0);
        CHECK(is_valid(by_key, again, at));
    }
    elicence_bytes_free(again);
    {
        elicence_bytes *const untouched = (elicence_bytes *)&failures;
        elicence_bytes *out = untouched;
        CHECK_RESULT(elicence_qr_text(NULL, 0, NULL, 0, &out), ELICENCE_MALFORMED_INPUT);
        CHECK_RESULT(elicence_qr_text(elicence_bytes_data(envelope), elicence_bytes_len(envelope),
                                      "https://x/1", 11, &out),
                     ELICENCE_MALFORMED_INPUT);
        CHECK_RESULT(elicence_qr_text(elicence_bytes_data(envelope), elicence_bytes_len(envelope),
                                      (const char *)NOT_UTF8, 3, &out),
                     ELICENCE_INVALID_UTF8);
        CHECK_RESULT(elicence_qr_text(NULL, 2, NULL, 0, &out), ELICENCE_NULL_ARGUMENT);
        CHECK_RESULT(elicence_qr_text(elicence_bytes_data(envelope), elicence_bytes_len(envelope),
                                      NULL, 0, NULL),
                     ELICENCE_NULL_ARGUMENT);
        CHECK(out == untouched);
    }

    /* Issuing through a registry: the identifier allocated and logged; the
     * same request id answered with the same licence, another one issued
     * anew; a registry that is not there, or is there already, refused. */
    char db[4096];
    snprintf(db, sizeof db, "%s/from-c.registry", out_dir);
    remove(db);
    elicence_registry *registry = NULL;
    const char *origin = "verify.example.gov.cn/log";
    CHECK_RESULT(elicence_registry_open(db, strlen(db), &registry), ELICENCE_REGISTRY_FAILED);
    CHECK(registry == NULL);
    CHECK_RESULT(elicence_registry_create(db, strlen(db), origin, strlen(origin), &registry),
                 ELICENCE_OK);
    if (registry != NULL) {
        elicence_registry *twice = NULL;
        CHECK_RESULT(elicence_registry_create(db, strlen(db), origin, strlen(origin), &twice),
                     ELICENCE_REGISTRY_FAILED);
        CHECK(twice == NULL);
        elicence_bytes *first = NULL, *repeat = NULL, *other = NULL;
        CHECK_RESULT(elicence_registry_issue_json(registry, key, cert, cert_len, "req-1", 5,
                                                  (const char *)json, json_len, at, &first),
                     ELICENCE_OK);
        CHECK_RESULT(elicence_registry_issue_json(registry, key, cert, cert_len, "req-1", 5,
                                                  (const char *)json, json_len, at + 60, &repeat),
                     ELICENCE_OK);
        CHECK_RESULT(elicence_registry_issue_json(registry, key, cert, cert_len, "req-2", 5,
                                                  (const char *)json, json_len, at, &other),
                     ELICENCE_OK);
        if (first != NULL && repeat != NULL && other != NULL) {
            CHECK(elicence_bytes_len(first) == elicence_bytes_len(repeat) &&
                  memcmp(elicence_bytes_data(first), elicence_bytes_data(repeat),
                         elicence_bytes_len(first)) == 0);
            CHECK(elicence_bytes_len(first) != elicence_bytes_len(other) ||
                  memcmp(elicence_bytes_data(first), elicence_bytes_data(other),
                         elicence_bytes_len(first)) != 0);
            /* Its status entry is unknown until its list is published; the
             * published list makes it valid. */
            CHECK(!is_valid_envelope(by_root, first, at));
            elicence_signing_key *status_key = NULL;
            CHECK_RESULT(elicence_signing_key_from_pem(status_key_pem, status_key_len, &status_key),
                         ELICENCE_OK);
            const char *status_base = "https://verify.example.gov.cn/status/111100000000213452";
            elicence_status_lists *lists = NULL;
            CHECK_RESULT(elicence_registry_publish_status(registry, status_key, status_cert,
                                                          status_cert_len, status_base,
                                                          strlen(status_base), at, 3600, false,
                                                          &lists),
                         ELICENCE_OK);
            CHECK(elicence_status_lists_count(lists) == 1);
            CHECK(elicence_status_lists_number(lists, 0) == 1);
            CHECK(elicence_status_lists_number(lists, 1) == 0);
            CHECK(elicence_status_lists_token(lists, 1) == NULL);
            const elicence_bytes *token = elicence_status_lists_token(lists, 0);
            elicence_verifier *with_status = verifier_from(roots_path);
            if (token != NULL && with_status != NULL) {
                CHECK_RESULT(elicence_verifier_add_status_list_at(
                                 with_status, elicence_bytes_data(token), elicence_bytes_len(token),
                                 at),
                             ELICENCE_OK);
                CHECK(is_valid_envelope(with_status, first, at));
            }
            elicence_verifier_free(with_status);
            elicence_status_lists_free(lists);
            /* Nothing changed since: nothing to publish; with `all`, every list. */
            lists = NULL;
            CHECK_RESULT(elicence_registry_publish_status(registry, status_key, status_cert,
                                                          status_cert_len, status_base,
                                                          strlen(status_base), at, 3600, false,
                                                          &lists),
                         ELICENCE_OK);
            CHECK(elicence_status_lists_count(lists) == 0);
            elicence_status_lists_free(lists);
            lists = NULL;
            CHECK_RESULT(elicence_registry_publish_status(registry, status_key, status_cert,
                                                          status_cert_len, status_base,
                                                          strlen(status_base), at, 3600, true,
                                                          &lists),
                         ELICENCE_OK);
            CHECK(elicence_status_lists_count(lists) == 1);
            elicence_status_lists_free(lists);
            /* The document signer's certificate is not a status signer's; no
             * base; NULLs. */
            elicence_status_lists *none = (elicence_status_lists *)&failures;
            CHECK_RESULT(elicence_registry_publish_status(registry, key, cert, cert_len,
                                                          status_base, strlen(status_base), at,
                                                          3600, true, &none),
                         ELICENCE_CERTIFICATE_REFUSED);
            CHECK_RESULT(elicence_registry_publish_status(registry, status_key, status_cert,
                                                          status_cert_len, NULL, 0, at, 3600, true,
                                                          &none),
                         ELICENCE_MALFORMED_INPUT);
            CHECK_RESULT(elicence_registry_publish_status(NULL, status_key, status_cert,
                                                          status_cert_len, status_base,
                                                          strlen(status_base), at, 3600, true,
                                                          &none),
                         ELICENCE_NULL_ARGUMENT);
            CHECK_RESULT(elicence_registry_publish_status(registry, status_key, status_cert,
                                                          status_cert_len, status_base,
                                                          strlen(status_base), at, 3600, true,
                                                          NULL),
                         ELICENCE_NULL_ARGUMENT);
            CHECK(none == (elicence_status_lists *)&failures);
            CHECK(elicence_status_lists_count(NULL) == 0);
            CHECK(elicence_status_lists_number(NULL, 0) == 0);
            CHECK(elicence_status_lists_token(NULL, 0) == NULL);
            elicence_status_lists_free(NULL);
            elicence_signing_key_free(status_key);
        }
        elicence_bytes_free(first);
        elicence_bytes_free(repeat);
        elicence_bytes_free(other);
        elicence_bytes *const untouched = (elicence_bytes *)&failures;
        elicence_bytes *out = untouched;
        CHECK_RESULT(elicence_registry_issue_json(registry, key, NULL, 0, NULL, 0, "{}", 2, at,
                                                  &out),
                     ELICENCE_LICENCE_REFUSED);
        CHECK_RESULT(elicence_registry_issue_json(NULL, key, NULL, 0, NULL, 0, (const char *)json,
                                                  json_len, at, &out),
                     ELICENCE_NULL_ARGUMENT);
        CHECK_RESULT(elicence_registry_issue_json(registry, NULL, NULL, 0, NULL, 0,
                                                  (const char *)json, json_len, at, &out),
                     ELICENCE_NULL_ARGUMENT);
        CHECK_RESULT(elicence_registry_issue_json(registry, key, NULL, 0, (const char *)NOT_UTF8, 3,
                                                  (const char *)json, json_len, at, &out),
                     ELICENCE_INVALID_UTF8);
        CHECK_RESULT(elicence_registry_issue_json(registry, key, NOT_UTF8, 3, NULL, 0,
                                                  (const char *)json, json_len, at, &out),
                     ELICENCE_CERTIFICATE_REFUSED);
        CHECK_RESULT(elicence_registry_issue_json(registry, key, NULL, 0, NULL, 0,
                                                  (const char *)json, json_len, at, NULL),
                     ELICENCE_NULL_ARGUMENT);
        CHECK(out == untouched);
        elicence_registry_free(registry);
    }
    CHECK_RESULT(elicence_registry_open(NULL, 0, &registry), ELICENCE_MALFORMED_INPUT);
    CHECK_RESULT(elicence_registry_open(db, strlen(db), NULL), ELICENCE_NULL_ARGUMENT);
    CHECK_RESULT(elicence_registry_create(db, strlen(db), NULL, 0, &registry),
                 ELICENCE_REGISTRY_FAILED);
    elicence_registry_free(NULL);
    registry = NULL;
    CHECK_RESULT(elicence_registry_open(db, strlen(db), &registry), ELICENCE_OK);
    elicence_registry_free(registry);

    /* Rendering. */
    char path[4096];
    elicence_bytes *pdf = NULL, *png = NULL;
    CHECK_RESULT(elicence_render_pdf(elicence_bytes_data(envelope), elicence_bytes_len(envelope),
                                     NULL, 0, &pdf),
                 ELICENCE_OK);
    const char *options = "{\"png_width\": 720}";
    CHECK_RESULT(elicence_render_png(elicence_bytes_data(envelope), elicence_bytes_len(envelope),
                                     options, strlen(options), &png),
                 ELICENCE_OK);
    if (pdf != NULL && png != NULL) {
        CHECK(memcmp(elicence_bytes_data(pdf), "%PDF-", 5) == 0);
        CHECK(memcmp(elicence_bytes_data(png), "\x89PNG", 4) == 0);
        snprintf(path, sizeof path, "%s/from-c.pdf", out_dir);
        write_file(path, pdf);
        snprintf(path, sizeof path, "%s/from-c.png", out_dir);
        write_file(path, png);
    }
    elicence_bytes_free(pdf);
    elicence_bytes_free(png);
    /* Sealing: the PDF drawn without the stamp, sealed with the authority's
     * seal record by its document signer, verifies as a sealed licence. */
    const char *no_stamp = "{\"stamp_in_pdf\": false}";
    elicence_bytes *unsealed = NULL, *sealed = NULL;
    CHECK_RESULT(elicence_render_pdf(elicence_bytes_data(envelope), elicence_bytes_len(envelope),
                                     no_stamp, strlen(no_stamp), &unsealed),
                 ELICENCE_OK);
    if (unsealed != NULL) {
        const uint8_t *u = elicence_bytes_data(unsealed);
        size_t u_len = elicence_bytes_len(unsealed);
        CHECK_RESULT(elicence_seal_pdf(key, cert, cert_len, seal, seal_len, u, u_len, NULL, 0, at,
                                       &sealed),
                     ELICENCE_OK);
        verdict = NULL;
        CHECK_RESULT(elicence_verify_pdf(by_root, u, u_len, at, &verdict), ELICENCE_OK);
        CHECK(!elicence_verdict_is_valid(verdict));
        elicence_verdict_free(verdict);
        if (sealed != NULL) {
            verdict = NULL;
            CHECK_RESULT(elicence_verify_pdf(by_root, elicence_bytes_data(sealed),
                                             elicence_bytes_len(sealed), at, &verdict),
                         ELICENCE_OK);
            CHECK(elicence_verdict_is_valid(verdict));
            elicence_verdict_free(verdict);
            snprintf(path, sizeof path, "%s/from-c-sealed.pdf", out_dir);
            write_file(path, sealed);
        }
        /* Refusals: a seal that is not one, a PDF that is not one, a key the
         * certificate is not for, a time before the seal was made, a
         * template that is not JSON; nothing is written. */
        elicence_bytes *const untouched = (elicence_bytes *)&failures;
        elicence_bytes *out = untouched;
        CHECK_RESULT(elicence_seal_pdf(key, cert, cert_len, u, 16, u, u_len, NULL, 0, at, &out),
                     ELICENCE_MALFORMED_INPUT);
        CHECK_RESULT(elicence_seal_pdf(key, cert, cert_len, seal, seal_len, seal, seal_len, NULL,
                                       0, at, &out),
                     ELICENCE_MALFORMED_INPUT);
        CHECK_RESULT(elicence_seal_pdf(key, NULL, 0, seal, seal_len, u, u_len, NULL, 0, at, &out),
                     ELICENCE_CERTIFICATE_REFUSED);
        CHECK_RESULT(elicence_seal_pdf(key, cert, cert_len, seal, seal_len, u, u_len, NULL, 0,
                                       at - 3 * 86400, &out),
                     ELICENCE_SEAL_REFUSED);
        CHECK_RESULT(elicence_seal_pdf(key, cert, cert_len, seal, seal_len, u, u_len, "{", 1, at,
                                       &out),
                     ELICENCE_OPTIONS_REFUSED);
        CHECK_RESULT(elicence_seal_pdf(NULL, cert, cert_len, seal, seal_len, u, u_len, NULL, 0, at,
                                       &out),
                     ELICENCE_NULL_ARGUMENT);
        CHECK_RESULT(elicence_seal_pdf(key, cert, cert_len, seal, seal_len, u, u_len,
                                       (const char *)NOT_UTF8, 3, at, &out),
                     ELICENCE_INVALID_UTF8);
        CHECK_RESULT(elicence_seal_pdf(key, cert, cert_len, seal, seal_len, u, u_len, NULL, 0, at,
                                       NULL),
                     ELICENCE_NULL_ARGUMENT);
        CHECK(out == untouched);
    }
    elicence_bytes_free(unsealed);
    elicence_bytes_free(sealed);
    free(seal);
    free(status_key_pem);
    free(status_cert);

    const char *typo = "{\"png_widht\": 720}";
    elicence_bytes *none = NULL;
    CHECK_RESULT(elicence_render_png(elicence_bytes_data(envelope), elicence_bytes_len(envelope),
                                     typo, strlen(typo), &none),
                 ELICENCE_OPTIONS_REFUSED);
    CHECK(none == NULL);

    /* One verifier, eight threads at once. */
    pthread_t threads[8];
    struct shared work[8];
    for (int i = 0; i < 8; i++) {
        work[i] = (struct shared){by_key, (const char *)elicence_bytes_data(qr),
                                  elicence_bytes_len(qr), at, 0};
        CHECK(pthread_create(&threads[i], NULL, verify_many, &work[i]) == 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(threads[i], NULL);
        CHECK(work[i].valid == 200);
    }

    elicence_bytes_free(envelope);
    elicence_bytes_free(qr);
    elicence_verifier_free(by_root);
    elicence_verifier_free(by_key);
    elicence_signing_key_free(key);
    free(cert);
    free(json);
    if (failures == 0) {
        printf("abi_test: all checks passed\n");
    }
    return failures == 0 ? 0 : 1;
}
