/* auth.c: "Authorization: Bearer <token>" to the token's hash. */
#include "auth.h"

#include <string.h>
#include <strings.h>

enum auth_header
auth_parse_header(const char *value, struct token_hash *hash)
{
    if (value == NULL || value[0] == '\0')
        return AUTH_MISSING;
    if (strncasecmp(value, "Bearer", 6) != 0 || value[6] != ' ')
        return AUTH_MALFORMED;
    const char *token = value + 6;
    while (*token == ' ')
        token++;
    size_t len = strlen(token);
    if (!token_well_formed(token, len))
        return AUTH_MALFORMED;
    return token_hash_of(token, len, hash) ? AUTH_BEARER : AUTH_MALFORMED;
}
