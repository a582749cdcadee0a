/* password.c: argon2id hashing and verification through libargon2. */
#include "password.h"

#include <argon2.h>
#include <string.h>
#include <sys/random.h>

bool
password_hash_with(const char *pw, size_t len, const uint8_t *salt, size_t salt_len,
                   uint32_t t_cost, uint32_t m_cost_kib, uint32_t parallelism,
                   char encoded[PASSWORD_ENCODED_MAX])
{
    return argon2id_hash_encoded(t_cost, m_cost_kib, parallelism, pw, len, salt, salt_len,
                                 PASSWORD_HASH_BYTES, encoded, PASSWORD_ENCODED_MAX) == ARGON2_OK;
}

static bool
random_bytes(uint8_t *out, size_t n)
{
    size_t got = 0;

    while (got < n) {
        ssize_t r = getrandom(out + got, n - got, 0);
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return true;
}

bool
password_hash(const char *pw, size_t len, char encoded[PASSWORD_ENCODED_MAX])
{
    uint8_t salt[PASSWORD_SALT_BYTES];

    if (!random_bytes(salt, sizeof(salt)))
        return false;
    return password_hash_with(pw, len, salt, sizeof(salt), PASSWORD_T_COST, PASSWORD_M_COST_KIB,
                              PASSWORD_PARALLELISM, encoded);
}

bool
password_verify(const char *encoded, const char *pw, size_t len)
{
    return argon2id_verify(encoded, pw, len) == ARGON2_OK;
}

bool
password_verify_nobody(const char *pw, size_t len)
{
    /* A hash with the same parameters; its password is not known (random salt, hash of a
       random 32-byte string, computed once per process). */
    static char nobody[PASSWORD_ENCODED_MAX];

    if (nobody[0] == '\0') {
        uint8_t secret[32];
        if (!random_bytes(secret, sizeof(secret)) ||
            !password_hash((const char *)secret, sizeof(secret), nobody))
            nobody[0] = '\0';
    }
    if (nobody[0] != '\0')
        (void)password_verify(nobody, pw, len);
    return false;
}
