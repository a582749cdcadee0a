/*
 * password.h: passwords hashed with argon2id (libargon2, Debian's libargon2-1), as PHC strings
 * ("$argon2id$v=19$m=19456,t=2,p=1$salt$hash"). Parameters: 19 MiB of memory, 2 passes, one
 * lane, 16-byte random salt, 32-byte hash (OWASP's argon2id recommendation).
 */
#ifndef NOTES_PASSWORD_H
#define NOTES_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PASSWORD_T_COST 2
#define PASSWORD_M_COST_KIB 19456
#define PASSWORD_PARALLELISM 1
#define PASSWORD_SALT_BYTES 16
#define PASSWORD_HASH_BYTES 32
/* An encoded hash with these parameters is under 100 bytes; room for other parameters too. */
#define PASSWORD_ENCODED_MAX 160

/* Hashes pw (len bytes) with a fresh salt from the kernel into encoded; false on failure. */
bool password_hash(const char *pw, size_t len, char encoded[PASSWORD_ENCODED_MAX]);

/* The same with a given salt and cost (for known-answer tests). */
bool password_hash_with(const char *pw, size_t len, const uint8_t *salt, size_t salt_len,
                        uint32_t t_cost, uint32_t m_cost_kib, uint32_t parallelism,
                        char encoded[PASSWORD_ENCODED_MAX]);

/* Whether pw matches the encoded hash (argon2's own constant-time comparison). */
bool password_verify(const char *encoded, const char *pw, size_t len);

/*
 * Spends the time of one password_verify against a hash nobody has (for an unknown username,
 * so that it costs what a wrong password costs). Always false.
 */
bool password_verify_nobody(const char *pw, size_t len);

#endif
