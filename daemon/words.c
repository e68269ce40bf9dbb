/* SPDX-License-Identifier: MIT */
/* words.c: evidence in words (words.h). */
#include <string.h>

#include "words.h"

static const char *name_of(json_t *ents, const char *id)
{
    const char *n = json_string_value(json_object_get(json_object_get(ents, id), "name"));
    return n ? n : id ? id : "?";
}

void veu_words_path(json_t *path, json_t *ents, veu_jbuf_t *o)
{
    size_t i;
    json_t *hop;

    json_array_foreach(path, i, hop)
    {
        const char *from = json_string_value(json_object_get(hop, "from"));
        const char *to = json_string_value(json_object_get(hop, "to"));
        const char *rel = json_string_value(json_object_get(hop, "rel"));
        json_t *pct = json_object_get(hop, "percent");
        bool control = rel && !strcmp(rel, "controls");
        if (i == 0) {
            veu_jbuf_lit(o, name_of(ents, from));
        }
        if (rel && !strcmp(rel, "supplies")) {
            veu_jbuf_lit(o, " -[supplies]-> ");
        } else if (json_is_number(pct)) {
            veu_jbuf_printf(o, " -[%s%g%%]-> ", control ? "control " : "", json_number_value(pct));
        } else {
            veu_jbuf_printf(o, " -[%s]-> ", control ? "control" : "stake of unknown size");
        }
        veu_jbuf_lit(o, name_of(ents, to));
    }
}

void veu_words_first_evidence(json_t *result, veu_jbuf_t *o)
{
    size_t i;
    json_t *reason;

    json_array_foreach(json_object_get(result, "reasons"), i, reason)
    {
        json_t *p = json_array_get(json_object_get(reason, "paths"), 0);
        if (json_array_size(p)) {
            veu_words_path(p, json_object_get(result, "entities"), o);
            return;
        }
    }
}

int veu_words_answer(json_t *answer, veu_jbuf_t *o)
{
    json_t *res = json_object_get(answer, "result"), *ents = json_object_get(res, "entities");
    json_t *e = json_object_get(answer, "error"), *x, *p;
    size_t i, k;

    if (e) {
        veu_jbuf_printf(o, "error %s: %s\n", json_string_value(json_object_get(e, "code")),
                        json_string_value(json_object_get(e, "message")));
        return 0;
    }
    json_t *buyer = json_object_get(res, "entity");
    if (json_is_object(buyer) && json_object_get(res, "verdict")) { /* risk */
        const char *country = json_string_value(json_object_get(buyer, "country"));
        veu_jbuf_printf(o, "%s (%s%s%s): %s, generation %lld, as of %s\n",
                        json_string_value(json_object_get(buyer, "name")),
                        json_string_value(json_object_get(buyer, "id")), country ? ", " : "",
                        country ? country : "", json_string_value(json_object_get(res, "verdict")),
                        (long long)json_integer_value(json_object_get(answer, "generation")),
                        json_string_value(json_object_get(res, "as_of")));
        json_array_foreach(json_object_get(res, "reasons"), i, x)
        {
            veu_jbuf_printf(o, "  %s: %s\n", json_string_value(json_object_get(x, "code")),
                            json_string_value(json_object_get(x, "detail")));
            json_array_foreach(json_object_get(x, "paths"), k, p)
            {
                veu_jbuf_lit(o, "    ");
                veu_words_path(p, ents, o);
                veu_jbuf_raw(o, "\n", 1);
            }
        }
        if (!json_array_size(json_object_get(res, "reasons"))) {
            veu_jbuf_lit(o, "  no tie to a defense contractor or military\n");
        }
        return 0;
    }
    if (json_is_array(json_object_get(res, "paths"))) { /* paths */
        veu_jbuf_printf(o, "%zu paths, generation %lld%s\n",
                        json_array_size(json_object_get(res, "paths")),
                        (long long)json_integer_value(json_object_get(answer, "generation")),
                        json_is_true(json_object_get(res, "truncated")) ? " (more left out)" : "");
        json_array_foreach(json_object_get(res, "paths"), k, p)
        {
            veu_jbuf_lit(o, "  ");
            veu_words_path(p, ents, o);
            veu_jbuf_raw(o, "\n", 1);
        }
        return 0;
    }
    return -1;
}
