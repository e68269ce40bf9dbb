/* SPDX-License-Identifier: MIT */
/*
 * utf8.c: UTF-8 validation, for registry text (the CSV reader checks every
 * field) and for request text the server quotes back.  Overlong forms,
 * surrogates, code points above U+10FFFF and NUL bytes are refused.
 */
#include <stdint.h>
#include <string.h>

#include "veu/veu.h"

int veu_utf8_valid(const char *str, size_t len, size_t *bad)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    while (i < len) {
        /* ASCII without NUL, eight bytes at a time: most registry text */
        while (i + 8 <= len) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            if ((x & 0x8080808080808080ull) ||
                ((x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull)) {
                break;
            }
            i += 8;
        }
        if (i >= len) {
            break;
        }
        unsigned c = s[i];
        size_t need;
        unsigned min, cp;

        if (c == 0) {
            goto invalid;
        }
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1, min = 0x80, cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2, min = 0x800, cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3, min = 0x10000, cp = c & 0x07;
        } else {
            goto invalid;
        }
        if (i + need >= len) {
            goto invalid;
        }
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80) {
                goto invalid;
            }
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            goto invalid;
        }
        i += need + 1;
    }
    return 1;
invalid:
    if (bad) {
        *bad = i;
    }
    return 0;
}
