/*
 * token.h: bearer tokens. A token is 32 bytes (256 bits) from the kernel's CSPRNG (getrandom),
 * written as 43 characters of unpadded base64url. Only its SHA-256 (libsodium) is stored, so a
 * copy of the database holds no usable token.
 */
#ifndef NOTES_TOKEN_H
#define NOTES_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#define TOKEN_RANDOM_BYTES 32
#define TOKEN_TEXT_LEN 43 /* base64url of 32 bytes, no padding */
#define TOKEN_HASH_BYTES 32
#define TOKEN_HASH_HEX_LEN 64

struct token_hash {
    unsigned char bytes[TOKEN_HASH_BYTES];
    char hex[TOKEN_HASH_HEX_LEN + 1]; /* the same, as lower-case hex (the SQL parameter) */
};

/* Initialises libsodium once; false if it cannot. Called by the other functions too. */
bool token_init(void);

/* A new token in text (NUL-terminated) and its hash; false if the kernel gave no randomness. */
bool token_new(char text[TOKEN_TEXT_LEN + 1], struct token_hash *hash);

/* Whether text[0..len) has the shape of a token (43 base64url characters). */
bool token_well_formed(const char *text, size_t len);

/* The SHA-256 of text[0..len) (any bytes). */
bool token_hash_of(const char *text, size_t len, struct token_hash *hash);

/* Constant-time equality of two hashes (sodium_memcmp). */
bool token_hash_equal(const struct token_hash *a, const struct token_hash *b);

#endif
