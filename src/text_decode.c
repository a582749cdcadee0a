/* text_decode.c: a JSON body's bytes to UTF-8 text, the way Python's json.loads detects them. */
#include "text_decode.h"

#include "utf8.h"

#include <string.h>

enum encoding { UTF8, UTF8_SIG, UTF16_LE, UTF16_BE, UTF32_LE, UTF32_BE };

static const char *const encoding_names[] = {"UTF-8",     "UTF-8",     "UTF-16-LE",
                                             "UTF-16-BE", "UTF-32-LE", "UTF-32-BE"};

/* json.detect_encoding: BOMs first, then the pattern of NUL bytes in the first four. */
static enum encoding
detect(const unsigned char *b, size_t len, size_t *bom)
{
    *bom = 0;
    if (len >= 4 && memcmp(b, "\x00\x00\xFE\xFF", 4) == 0) {
        *bom = 4;
        return UTF32_BE;
    }
    if (len >= 4 && memcmp(b, "\xFF\xFE\x00\x00", 4) == 0) {
        *bom = 4;
        return UTF32_LE;
    }
    if (len >= 2 && (memcmp(b, "\xFE\xFF", 2) == 0 || memcmp(b, "\xFF\xFE", 2) == 0)) {
        *bom = 2;
        return b[0] == 0xFE ? UTF16_BE : UTF16_LE;
    }
    if (len >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0) {
        *bom = 3;
        return UTF8_SIG;
    }
    if (len >= 4) {
        if (b[0] == 0)
            return b[1] ? UTF16_BE : UTF32_BE;
        if (b[1] == 0)
            return b[2] || b[3] ? UTF16_LE : UTF32_LE;
    } else if (len == 2) {
        if (b[0] == 0)
            return UTF16_BE;
        if (b[1] == 0)
            return UTF16_LE;
    }
    return UTF8;
}

static unsigned long
unit(const unsigned char *p, size_t size, bool big_endian)
{
    unsigned long v = 0;

    for (size_t i = 0; i < size; i++)
        v = (v << 8) | p[big_endian ? i : size - 1 - i];
    return v;
}

/* Transcodes UTF-16 or UTF-32 to UTF-8; false at the first invalid unit. */
static bool
transcode(const unsigned char *b, size_t len, size_t size, bool big_endian, struct buf *out,
          size_t *bad)
{
    size_t i = 0;

    while (i < len) {
        char utf8[4];
        unsigned long cp;

        *bad = i;
        if (len - i < size)
            return false;
        cp = unit(b + i, size, big_endian);
        i += size;
        if (size == 2 && cp >= 0xD800 && cp <= 0xDBFF) {
            if (len - i < 2)
                return false;
            unsigned long low = unit(b + i, 2, big_endian);
            if (low < 0xDC00 || low > 0xDFFF)
                return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i += 2;
        }
        if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return false;
        if (!buf_append(out, utf8, utf8_encode(cp, utf8)))
            return false;
    }
    return true;
}

bool
text_decode_json(const char *body, size_t len, struct buf *scratch, struct decoded_text *out)
{
    const unsigned char *b = (const unsigned char *)body;
    size_t bom;
    enum encoding enc = detect(b, len, &bom);

    memset(out, 0, sizeof(*out));
    out->encoding = encoding_names[enc];
    b += bom;
    len -= bom;
    if (enc == UTF8 || enc == UTF8_SIG) {
        out->text = (const char *)b;
        out->len = len;
        if (utf8_validate(out->text, len, &out->bad_offset))
            return true;
        out->bad_offset += bom;
        return false;
    }
    buf_reset(scratch);
    size_t size = enc == UTF16_LE || enc == UTF16_BE ? 2 : 4;
    bool big_endian = enc == UTF16_BE || enc == UTF32_BE;
    if (!transcode(b, len, size, big_endian, scratch, &out->bad_offset)) {
        out->bad_offset += bom;
        return false;
    }
    out->text = buf_cstr(scratch);
    out->len = scratch->len;
    return true;
}
