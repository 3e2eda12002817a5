/*
 * The data rows of a particle-counter export, aggregated per group in one pass over the bytes.
 *
 * This is the fast path of _scan.aggregate for the plain files counters write: UTF-8, no quotes, one
 * sample per line, numbers written as digits with an optional sign and decimal separator. It computes
 * exactly the aggregates of the Polars query in _scan.py, per (location, status...) group, over one
 * chunk of the file; the caller merges the chunks in file order.
 *
 * Whatever it does not read with certainty it leaves to the general path: a quote, a carriage return
 * inside a line, a row wider than the table, a number in any other notation (exponents, padding, a plus
 * sign, a negative zero, more digits than a double holds exactly), a key that is not valid UTF-8. It
 * then returns None and changes nothing; the Polars reader takes the whole file and reports what is
 * wrong with it.
 *
 * Numbers are converted exactly: an integer mantissa of at most 2^53 and a power of ten of at most 22
 * are both exact doubles, so their quotient is the correctly rounded value, as the Polars reader gives
 * it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define MAX_CHANNELS 32
#define MAX_KEYS 16
#define MAX_FIELDS 512

typedef struct {
    char delimiter;
    char decimal;
    int n_fields;
    int n_keys;
    int keys[MAX_KEYS];
    int n_channels;
    int channels[MAX_CHANNELS];
    int differential;
    int check_increase;
    /* a per-sample quantity: a column (>= 0) times factor, or one value (column -1, has 1), or none */
    int volume_col, has_volume;
    double volume_value, volume_factor;
    int duration_col, has_duration;
    double duration_value, duration_factor;
    double basis_scale; /* per m³ of one unit of a concentration; 0: counts, scaled by 1000 / volume */
    unsigned char used[MAX_FIELDS]; /* the columns a sample row must have one value in */
} Spec;

/* A per-sample quantity's statistics (volume, duration): values seen, nulls, minimum, sum. */
typedef struct {
    int64_t n, nulls;
    double min, sum;
} Amount;

typedef struct {
    int64_t n;
    int64_t nulls[MAX_CHANNELS];
    int64_t raw_n[MAX_CHANNELS];
    double raw_min[MAX_CHANNELS];
    int64_t conc_n[MAX_CHANNELS];
    double conc_sum[MAX_CHANNELS];
    double conc_max[MAX_CHANNELS];
    Amount volume, duration;
    int64_t inc;
} Stats;

typedef struct {
    uint64_t hash;
    size_t key_len;
    char *key; /* per key field: 0 (null), or 1, a 4-byte length and the bytes */
    Stats stats;
} Group;

typedef struct {
    Group *groups;
    size_t count, capacity;
    int32_t *slots; /* open addressing: index into groups, -1 empty */
    size_t n_slots;
} Table;

static const double POW10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* -?digits[(.|,)digits]: 1 and *out, or 0 for anything else (the general path then reads it). */
static int parse_decimal(const char *p, const char *end, char decimal, double *out) {
    int negative = *p == '-';
    p += negative;
    const char *point = NULL;
    uint64_t mantissa = 0;
    if (end - p > 16) { /* more digits than the quick loop takes: leading zeros only */
        while (end - p > 16 && *p == '0' && p[1] != decimal) p++;
        if (end - p > 16) return 0;
    }
    if (p == end) return 0;
    const char *first = p;
    for (; p < end; p++) {
        unsigned d = (unsigned)(unsigned char)*p - '0';
        if (d < 10) {
            mantissa = mantissa * 10 + d;
        } else if (*p == decimal && !point && p > first && p + 1 < end) {
            point = p;
        } else {
            return 0;
        }
    }
    if (mantissa > (1ULL << 53) || (negative && mantissa == 0)) return 0; /* -0: an integer column reads 0 */
    double value = (double)mantissa;
    if (point) value /= POW10[end - point - 1];
    *out = negative ? -value : value;
    return 1;
}

/* A number: the common case (a count of at most 15 digits) inline, anything else by parse_decimal. */
static inline int parse_number(const char *p, const char *end, char decimal, double *out) {
    if (end > p && end - p <= 15) {
        uint64_t mantissa = 0;
        const char *q = p;
        for (; q < end; q++) {
            unsigned d = (unsigned)(unsigned char)*q - '0';
            if (d > 9) break;
            mantissa = mantissa * 10 + d;
        }
        if (q == end) {
            *out = (double)mantissa;
            return 1;
        }
    }
    return parse_decimal(p, end, decimal, out);
}

/* Whether n bytes are the same: keys are a few bytes, shorter than a call to memcmp. */
static inline int same_bytes(const char *a, const char *b, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

/* Where the next delimiter, line feed, carriage return or quote is: a bit mask of 64 bytes at a time. */
typedef struct {
    const char *base; /* the block the mask describes */
    const char *end;
    uint64_t mask; /* the special bytes of the block not yet taken */
    char delimiter;
} Cursor;

static inline int is_special(char c, char delimiter) {
    return c == delimiter || c == '\n' || c == '\r' || c == '"';
}

static inline uint64_t block_mask(const char *p, const char *end, char delimiter) {
    uint64_t mask = 0;
#ifdef __SSE2__
    if (end - p >= 64) {
        const __m128i d = _mm_set1_epi8(delimiter), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'),
                      qt = _mm_set1_epi8('"');
        for (int i = 0; i < 4; i++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * i));
            __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, lf)),
                                       _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, qt)));
            mask |= (uint64_t)(uint16_t)_mm_movemask_epi8(hit) << (16 * i);
        }
        return mask;
    }
#endif
    ptrdiff_t n = end - p < 64 ? end - p : 64;
    for (ptrdiff_t i = 0; i < n; i++)
        if (is_special(p[i], delimiter)) mask |= 1ULL << i;
    return mask;
}

static inline void cursor_init(Cursor *c, const char *p, const char *end, char delimiter) {
    c->base = p;
    c->end = end;
    c->delimiter = delimiter;
    c->mask = block_mask(p, end, delimiter);
}

/* The next special byte, or the end. */
static inline const char *cursor_next(Cursor *c) {
    while (!c->mask) {
        c->base += 64;
        if (c->base >= c->end) {
            c->base = c->end;
            return c->end;
        }
        c->mask = block_mask(c->base, c->end, c->delimiter);
    }
    const char *at = c->base + __builtin_ctzll(c->mask);
    c->mask &= c->mask - 1;
    return at;
}

static uint64_t fnv1a(const char *p, size_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static void stats_init(Stats *s, const Spec *spec) {
    memset(s, 0, sizeof *s);
    for (int k = 0; k < spec->n_channels; k++) {
        s->raw_min[k] = INFINITY;
        s->conc_max[k] = -INFINITY;
    }
    s->volume.min = s->duration.min = INFINITY;
}

static void table_free(Table *t) {
    for (size_t i = 0; i < t->count; i++) free(t->groups[i].key);
    free(t->groups);
    free(t->slots);
}

static int table_rehash(Table *t, size_t n_slots) {
    int32_t *slots = malloc(n_slots * sizeof *slots);
    if (!slots) return 0;
    for (size_t i = 0; i < n_slots; i++) slots[i] = -1;
    for (size_t g = 0; g < t->count; g++) {
        size_t i = t->groups[g].hash & (n_slots - 1);
        while (slots[i] >= 0) i = (i + 1) & (n_slots - 1);
        slots[i] = (int32_t)g;
    }
    free(t->slots);
    t->slots = slots;
    t->n_slots = n_slots;
    return 1;
}

/* The group of a key, created when new; NULL when out of memory. */
static Group *table_get(Table *t, const char *key, size_t len, const Spec *spec) {
    uint64_t h = fnv1a(key, len);
    size_t i = h & (t->n_slots - 1);
    for (; t->slots[i] >= 0; i = (i + 1) & (t->n_slots - 1)) {
        Group *g = &t->groups[t->slots[i]];
        if (g->hash == h && g->key_len == len && memcmp(g->key, key, len) == 0) return g;
    }
    if (t->count >= INT32_MAX - 1) return NULL;
    if (t->count == t->capacity) {
        size_t capacity = t->capacity ? t->capacity * 2 : 16;
        Group *groups = realloc(t->groups, capacity * sizeof *groups);
        if (!groups) return NULL;
        t->groups = groups;
        t->capacity = capacity;
    }
    Group *g = &t->groups[t->count];
    g->key = malloc(len ? len : 1);
    if (!g->key) return NULL;
    memcpy(g->key, key, len);
    g->key_len = len;
    g->hash = h;
    stats_init(&g->stats, spec);
    t->slots[i] = (int32_t)t->count++;
    if (t->count * 2 > t->n_slots && !table_rehash(t, t->n_slots * 2)) return NULL;
    return g;
}

typedef enum { SCAN_OK, SCAN_DECLINED, SCAN_NO_MEMORY } ScanResult;

/* An optional per-sample quantity: 1 with *value, 0 when null; -1 when the text is not a number. */
static int quantity(int col, int has, double constant, double factor, const char **fs, const char **fe,
                    int count, char decimal, double *value) {
    if (!has) return 0;
    if (col < 0) {
        *value = constant * factor;
        return 1;
    }
    if (col >= count || fs[col] == fe[col]) return 0;
    double raw;
    if (!parse_number(fs[col], fe[col], decimal, &raw)) return -1;
    *value = raw * factor;
    return 1;
}

static inline void amount_add(Amount *a, int has, double value) {
    if (!has) {
        a->nulls++;
        return;
    }
    a->n++;
    a->sum += value;
    if (value < a->min) a->min = value;
}

/* One concentration of channel k (a NaN, from a volume of 0, stays the maximum: the row is refused). */
static inline void concentration_add(Stats *s, int k, double conc) {
    s->conc_n[k]++;
    s->conc_sum[k] += conc;
    if (conc > s->conc_max[k] || isnan(conc)) s->conc_max[k] = conc;
}

static ScanResult scan(const Spec *given, const char *p, const char *end, Table *table) {
    const Spec copy = *given; /* a local the stores below cannot alias: its fields stay in registers */
    const Spec *spec = &copy;
    const char *fs[MAX_FIELDS], *fe[MAX_FIELDS];
    char key[MAX_KEYS * 5 + 4096];
    const char *last_at[MAX_KEYS]; /* the key fields of the row before, in the data */
    size_t last_n[MAX_KEYS];
    Group *last = NULL;
    double raw[MAX_CHANNELS];
    int present[MAX_CHANNELS];
    const int nc = spec->n_channels;

    Cursor cursor;
    cursor_init(&cursor, p, end, spec->delimiter);

    while (p < end) {
        /* the fields; short rows have nulls at the end, as the Polars reader gives them */
        int count = 0;
        fs[0] = p;
        for (;;) {
            const char *q = cursor_next(&cursor);
            if (q == end) {
                fe[count++] = end;
                p = end;
                break;
            }
            char c = *q;
            if (c == spec->delimiter) {
                if (count + 1 == spec->n_fields) return SCAN_DECLINED; /* wider than the table */
                fe[count++] = q;
                fs[count] = q + 1;
            } else if (c == '\n') {
                fe[count++] = q;
                p = q + 1;
                break;
            } else if (c == '\r' && q + 1 < end && q[1] == '\n') {
                cursor_next(&cursor); /* the line feed */
                fe[count++] = q;
                p = q + 2;
                break;
            } else {
                return SCAN_DECLINED; /* a quote, or a carriage return inside a line */
            }
        }

        int blank = 1;
        for (int i = 0; i < count && blank; i++)
            if (spec->used[i] && fs[i] != fe[i]) blank = 0;
        if (blank) continue; /* an empty line, or delimiters only: no sample */

        /* the group: most rows have the key of the row before, compared in place */
        int same = last != NULL;
        for (int k = 0; k < spec->n_keys && same; k++) {
            int c = spec->keys[k];
            size_t n = c < count ? (size_t)(fe[c] - fs[c]) : 0;
            same = n == last_n[k] && same_bytes(fs[c], last_at[k], n);
        }
        if (!same) {
            size_t len = 0;
            for (int k = 0; k < spec->n_keys; k++) {
                int c = spec->keys[k];
                last_n[k] = c < count ? (size_t)(fe[c] - fs[c]) : 0;
                last_at[k] = c < count ? fs[c] : NULL;
                if (last_n[k] == 0) {
                    key[len++] = 0;
                    continue;
                }
                uint32_t n = (uint32_t)last_n[k];
                if (len + 5 + n > sizeof key) return SCAN_DECLINED;
                key[len++] = 1;
                memcpy(key + len, &n, 4);
                memcpy(key + len + 4, fs[c], n);
                len += 4 + n;
            }
            last = table_get(table, key, len, spec);
            if (!last) return SCAN_NO_MEMORY;
        }
        Stats *s = &last->stats;

        double volume = 0.0, duration = 0.0;
        int has_volume = quantity(spec->volume_col, spec->has_volume, spec->volume_value,
                                  spec->volume_factor, fs, fe, count, spec->decimal, &volume);
        int has_duration = quantity(spec->duration_col, spec->has_duration, spec->duration_value,
                                    spec->duration_factor, fs, fe, count, spec->decimal, &duration);
        if (has_volume < 0 || has_duration < 0) return SCAN_DECLINED;
        double scale = spec->basis_scale;
        int scaled = 1;
        if (scale == 0.0) {
            scaled = has_volume > 0; /* counts: no concentration without a volume */
            if (scaled) scale = 1000.0 / volume;
        }
        /* the stats are only kept if the whole chunk scans: a decline below discards them */
        s->n++;
        int increases = 0, before = 0; /* a value above the one of the size before it */
        for (int k = 0; k < nc; k++) {
            int c = spec->channels[k];
            present[k] = c < count && fs[c] != fe[c];
            if (!present[k]) {
                s->nulls[k]++;
                before = 0;
                continue;
            }
            double v;
            if (!parse_number(fs[c], fe[c], spec->decimal, &v)) return SCAN_DECLINED;
            raw[k] = v;
            s->raw_n[k]++;
            if (v < s->raw_min[k]) s->raw_min[k] = v;
            if (before && v > raw[k - 1]) increases = 1;
            before = 1;
            if (scaled && !spec->differential) concentration_add(s, k, v * scale);
        }
        if (spec->check_increase) s->inc += increases;
        /* differential channels: cumulative (>= size) values summed from the size up, a null counting
           as nothing (the row is refused for the null anyway) */
        if (scaled && spec->differential)
            for (int k = 0; k < nc; k++) {
                double total = 0.0;
                int any = 0;
                for (int j = k; j < nc; j++)
                    if (present[j]) {
                        total = any ? total + raw[j] : raw[j];
                        any = 1;
                    }
                if (any) concentration_add(s, k, total * scale);
            }
        if (spec->has_volume) amount_add(&s->volume, has_volume, volume);
        if (spec->has_duration) amount_add(&s->duration, has_duration, duration);
    }
    return SCAN_OK;
}

/* --- Python ------------------------------------------------------------------------------------- */

static int read_columns(PyObject *seq, int *out, int max, int n_fields, const char *what) {
    PyObject *fast = PySequence_Fast(seq, what);
    if (!fast) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    if (n > max) {
        Py_DECREF(fast);
        PyErr_Format(PyExc_ValueError, "%s: at most %d columns", what, max);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        long c = PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, i));
        if (c == -1 && PyErr_Occurred()) {
            Py_DECREF(fast);
            return -1;
        }
        if (c < 0 || c >= n_fields) {
            Py_DECREF(fast);
            PyErr_Format(PyExc_ValueError, "%s: column %ld outside the %d fields", what, c, n_fields);
            return -1;
        }
        out[i] = (int)c;
    }
    Py_DECREF(fast);
    return (int)n;
}

static PyObject *optional_float(int64_t n, double value) {
    if (n == 0) Py_RETURN_NONE;
    return PyFloat_FromDouble(value);
}

/* One group as (key, stats): key a tuple of str or None; stats the aggregates named in _fast.py. */
static PyObject *group_tuple(const Group *g, const Spec *spec) {
    PyObject *key = PyTuple_New(spec->n_keys);
    if (!key) return NULL;
    size_t at = 0;
    for (int k = 0; k < spec->n_keys; k++) {
        PyObject *v;
        if (g->key[at++] == 0) {
            v = Py_NewRef(Py_None);
        } else {
            uint32_t n;
            memcpy(&n, g->key + at, 4);
            v = PyUnicode_DecodeUTF8(g->key + at + 4, (Py_ssize_t)n, "strict");
            at += 4 + n;
            if (!v) {
                Py_DECREF(key);
                return NULL;
            }
        }
        PyTuple_SET_ITEM(key, k, v);
    }
    const Stats *s = &g->stats;
    const int nc = spec->n_channels;
    PyObject *channels = PyTuple_New(nc);
    if (!channels) {
        Py_DECREF(key);
        return NULL;
    }
    for (int k = 0; k < nc; k++) {
        PyObject *min = optional_float(s->raw_n[k], s->raw_min[k]);
        PyObject *max = optional_float(s->conc_n[k], s->conc_max[k]);
        if (!min || !max) {
            Py_XDECREF(min);
            Py_XDECREF(max);
            Py_DECREF(key);
            Py_DECREF(channels);
            return NULL;
        }
        PyObject *t = Py_BuildValue("(LNdN)", (long long)s->nulls[k], min, s->conc_sum[k], max);
        if (!t) { /* min and max went with it */
            Py_DECREF(key);
            Py_DECREF(channels);
            return NULL;
        }
        PyTuple_SET_ITEM(channels, k, t);
    }
    PyObject *vmin = optional_float(s->volume.n, s->volume.min);
    PyObject *dmin = optional_float(s->duration.n, s->duration.min);
    if (!vmin || !dmin) {
        Py_XDECREF(vmin);
        Py_XDECREF(dmin);
        Py_DECREF(key);
        Py_DECREF(channels);
        return NULL;
    }
    return Py_BuildValue("(NLN(LNd)(LNd)L)", key, (long long)s->n, channels, (long long)s->volume.nulls,
                         vmin, s->volume.sum, (long long)s->duration.nulls, dmin, s->duration.sum,
                         (long long)s->inc);
}

static int parse_quantity(PyObject *q, int n_fields, int *col, int *has, double *value, double *factor,
                          const char *what) {
    if (q == Py_None) {
        *has = 0;
        *col = -1;
        return 0;
    }
    PyObject *c, *v;
    if (!PyArg_ParseTuple(q, "OOd", &c, &v, factor)) return -1;
    *has = 1;
    *col = -1;
    *value = 0.0;
    if (c != Py_None) {
        long n = PyLong_AsLong(c);
        if (n == -1 && PyErr_Occurred()) return -1;
        if (n < 0 || n >= n_fields) {
            PyErr_Format(PyExc_ValueError, "%s: column %ld outside the %d fields", what, n, n_fields);
            return -1;
        }
        *col = (int)n;
    } else {
        *value = PyFloat_AsDouble(v);
        if (*value == -1.0 && PyErr_Occurred()) return -1;
    }
    return 0;
}

PyDoc_STRVAR(aggregate_doc,
             "aggregate(data, start, end, delimiter, decimal, n_fields, keys, channels, differential,\n"
             "          check_increase, volume, duration, basis_scale)\n"
             "--\n\n"
             "The groups of the rows in data[start:end] as a list of (key, n, channels, volume, duration,\n"
             "increasing rows), or None when the rows need the general reader. volume and duration are\n"
             "None or (column or None, value, factor).");

static PyObject *aggregate(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer buffer;
    Py_ssize_t start, end;
    int delimiter, decimal;
    Spec spec;
    PyObject *keys, *channels, *volume, *duration;
    memset(&spec, 0, sizeof spec);
    if (!PyArg_ParseTuple(args, "y*nnCCiOOppOOd", &buffer, &start, &end, &delimiter, &decimal,
                          &spec.n_fields, &keys, &channels, &spec.differential, &spec.check_increase,
                          &volume, &duration, &spec.basis_scale))
        return NULL;
    PyObject *result = NULL;
    Table table = {0};
    if (start < 0 || end > buffer.len || start > end) {
        PyErr_SetString(PyExc_ValueError, "start and end must lie within the data");
        goto done;
    }
    if (delimiter > 127 || decimal > 127) {
        PyErr_SetString(PyExc_ValueError, "the delimiter and decimal separator must be ASCII");
        goto done;
    }
    spec.delimiter = (char)delimiter;
    spec.decimal = (char)decimal;
    if (spec.n_fields < 1 || spec.n_fields > MAX_FIELDS) {
        PyErr_Format(PyExc_ValueError, "n_fields must be 1 to %d", MAX_FIELDS);
        goto done;
    }
    if ((spec.n_keys = read_columns(keys, spec.keys, MAX_KEYS, spec.n_fields, "keys")) < 0) goto done;
    spec.n_channels = read_columns(channels, spec.channels, MAX_CHANNELS, spec.n_fields, "channels");
    if (spec.n_channels < 0) goto done;
    if (parse_quantity(volume, spec.n_fields, &spec.volume_col, &spec.has_volume, &spec.volume_value,
                       &spec.volume_factor, "volume") < 0 ||
        parse_quantity(duration, spec.n_fields, &spec.duration_col, &spec.has_duration,
                       &spec.duration_value, &spec.duration_factor, "duration") < 0)
        goto done;
    for (int k = 0; k < spec.n_keys; k++) spec.used[spec.keys[k]] = 1;
    for (int k = 0; k < spec.n_channels; k++) spec.used[spec.channels[k]] = 1;
    if (spec.volume_col >= 0) spec.used[spec.volume_col] = 1;
    if (spec.duration_col >= 0) spec.used[spec.duration_col] = 1;

    table.n_slots = 64;
    table.slots = malloc(table.n_slots * sizeof *table.slots);
    if (!table.slots) {
        PyErr_NoMemory();
        goto done;
    }
    for (size_t i = 0; i < table.n_slots; i++) table.slots[i] = -1;

    ScanResult outcome;
    const char *data = buffer.buf;
    Py_BEGIN_ALLOW_THREADS outcome = scan(&spec, data + start, data + end, &table);
    Py_END_ALLOW_THREADS

    if (outcome == SCAN_NO_MEMORY) {
        PyErr_NoMemory();
        goto done;
    }
    if (outcome == SCAN_DECLINED) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    result = PyList_New((Py_ssize_t)table.count);
    if (!result) goto done;
    for (size_t i = 0; i < table.count; i++) {
        PyObject *g = group_tuple(&table.groups[i], &spec);
        if (!g) {
            Py_CLEAR(result);
            if (PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
                PyErr_Clear(); /* a key that is not UTF-8: the general reader decides what it is */
                result = Py_NewRef(Py_None);
            }
            goto done;
        }
        PyList_SET_ITEM(result, (Py_ssize_t)i, g);
    }
done:
    table_free(&table);
    PyBuffer_Release(&buffer);
    return result;
}

static PyMethodDef methods[] = {
    {"aggregate", aggregate, METH_VARARGS, aggregate_doc},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot slots[] = {
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_rows", "The fast path of the particle-counter row scan.", 0, methods, slots,
    NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__rows(void) { return PyModuleDef_Init(&module); }
