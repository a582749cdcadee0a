/* token.c: bearer tokens from getrandom, hashed with libsodium's SHA-256. */
#include "token.h"

#include <sodium.h>
#include <string.h>
#include <sys/random.h>

bool
token_init(void)
{
    static int state; /* 0 not yet, 1 ready, -1 failed */

    if (state == 0)
        state = sodium_init() >= 0 ? 1 : -1;
    return state == 1;
}

bool
token_hash_of(const char *text, size_t len, struct token_hash *hash)
{
    if (!token_init() ||
        crypto_hash_sha256(hash->bytes, (const unsigned char *)text, (unsigned long long)len) != 0)
        return false;
    sodium_bin2hex(hash->hex, sizeof(hash->hex), hash->bytes, sizeof(hash->bytes));
    return true;
}

bool
token_new(char text[TOKEN_TEXT_LEN + 1], struct token_hash *hash)
{
    unsigned char random[TOKEN_RANDOM_BYTES];
    size_t got = 0;

    if (!token_init())
        return false;
    while (got < sizeof(random)) {
        ssize_t r = getrandom(random + got, sizeof(random) - got, 0);
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    sodium_bin2base64(text, TOKEN_TEXT_LEN + 1, random, sizeof(random),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(random, sizeof(random));
    return token_hash_of(text, TOKEN_TEXT_LEN, hash);
}

bool
token_well_formed(const char *text, size_t len)
{
    if (len != TOKEN_TEXT_LEN)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok)
            return false;
    }
    /* 43 characters carry 258 bits: the last one holds 2 bits of padding, which must be 0. */
    return strchr("AEIMQUYcgkosw048", text[len - 1]) != NULL;
}

bool
token_hash_equal(const struct token_hash *a, const struct token_hash *b)
{
    return sodium_memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}
