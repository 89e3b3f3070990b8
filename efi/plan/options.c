/* Option words: see options.h. */
#include "options.h"

#include "le.h"
struct word {
    const char *text;
    size_t len;
};

static bool word_is(struct word w, const char *name)
{
    size_t i = 0;
    for (; i < w.len && name[i]; i++)
        if (w.text[i] != name[i])
            return false;
    return i == w.len && !name[i];
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0';
}

enum plan_error options_parse(struct options *o, const char *text, size_t len, char *bad,
                              size_t bad_size)
{
    size_t i = 0;
    while (i < len) {
        if (is_space(text[i])) {
            i++;
            continue;
        }
        if (text[i] == '#') {
            while (i < len && text[i] != '\n')
                i++;
            continue;
        }
        struct word w = {text + i, 0};
        while (i < len && !is_space(text[i]))
            i++, w.len++;
        if (word_is(w, "takeover"))
            o->takeover = true;
        else if (word_is(w, "inspect"))
            o->inspect = true;
        else if (word_is(w, "reset"))
            o->reset = true;
        else if (word_is(w, "touch=all"))
            o->touch_all = true;
        else if (word_is(w, "touch=leaves"))
            o->touch_all = false;
        else {
            size_t n = 0;
            for (; bad_size && n + 1 < bad_size && n < w.len; n++)
                bad[n] = w.text[n];
            if (bad_size)
                bad[n] = '\0';
            return PLAN_ERR_OPTIONS_UNKNOWN_WORD;
        }
    }
    return PLAN_OK;
}

enum plan_error options_check(const struct options *o)
{
    if ((o->takeover && o->inspect) || (o->reset && !o->takeover))
        return PLAN_ERR_OPTIONS_CONFLICT;
    return PLAN_OK;
}

enum load_options_kind load_options_describe(const unsigned char *data, size_t size, char *text,
                                             size_t text_size)
{
    text[0] = '\0';
    if (!data || size == 0)
        return LOAD_OPTIONS_NONE;
    if (size % 2)
        return LOAD_OPTIONS_BINARY;
    size_t chars = size / 2, n = 0;
    for (size_t i = 0; i < chars; i++) {
        uint64_t c = le_read(data + 2 * i, 2);
        if (c == 0) { /* the end: only NULs may follow */
            for (size_t j = 2 * i; j < size; j++)
                if (data[j])
                    return LOAD_OPTIONS_BINARY;
            if (i == 0)
                return LOAD_OPTIONS_BINARY;
            break;
        }
        if (c < 0x20 || c > 0x7e)
            return LOAD_OPTIONS_BINARY;
        if (n + 1 < text_size)
            text[n++] = (char)c;
        else if (text_size >= 4) {
            text[text_size - 4] = text[text_size - 3] = text[text_size - 2] = '.';
            n = text_size - 1;
        }
    }
    text[n < text_size ? n : text_size - 1] = '\0';
    return LOAD_OPTIONS_TEXT;
}
