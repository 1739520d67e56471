/*
 * kpixl.io._sheetscan: the cell values of a worksheet's XML, as a grid of rows.
 *
 * A narrow, fast reader for the sheet XML that kpixl, Excel and LibreOffice write. It
 * gives exactly what python-calamine's ``to_python(skip_empty_area=False)`` gives for
 * the sheets it understands (numbers as float, text as str, booleans, errors and blanks
 * as ''), and ``None`` for anything else, so that the caller reads that sheet with
 * python-calamine instead. It never guesses: an unknown element, attribute value,
 * escape or cell type means ``None``.
 *
 * scan_sheet(xml: bytes, shared: list[str], date_styles: bytes) -> list[list] | None
 * scan_strings(xml: bytes) -> list[str] | None     (sharedStrings.xml)
 * pick_rows(body, index) -> (values, positions)     (a table's rows out of a grid)
 * type_set(values) -> set[type]                      (set(map(type, values)))
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *p;
    const char *end;
} Cursor;

typedef struct {
    Py_ssize_t row, col;
    PyObject *value; /* owned */
} Cell;

typedef struct {
    Cell *items;
    Py_ssize_t len, cap;
} Cells;

static void cells_free(Cells *cells) {
    for (Py_ssize_t i = 0; i < cells->len; i++) Py_DECREF(cells->items[i].value);
    free(cells->items);
}

static int cells_push(Cells *cells, Py_ssize_t row, Py_ssize_t col, PyObject *value) {
    if (cells->len == cells->cap) {
        Py_ssize_t cap = cells->cap ? cells->cap * 2 : 1024;
        Cell *grown = realloc(cells->items, (size_t)cap * sizeof(Cell));
        if (!grown) return -1;
        cells->items = grown;
        cells->cap = cap;
    }
    cells->items[cells->len].row = row;
    cells->items[cells->len].col = col;
    cells->items[cells->len].value = value;
    cells->len++;
    return 0;
}

/* Position of the next occurrence of ``needle`` (n bytes) at or after p, or NULL. */
static const char *find_n(const char *p, const char *end, const char *needle, size_t n) {
    while (p + n <= end) {
        const char *hit = memchr(p, needle[0], (size_t)(end - p));
        if (!hit || hit + n > end) return NULL;
        if (memcmp(hit, needle, n) == 0) return hit;
        p = hit + 1;
    }
    return NULL;
}

#define find(p, end, lit) find_n((p), (end), (lit), sizeof(lit) - 1)
#define starts(p, end, lit) \
    ((p) + sizeof(lit) - 1 <= (end) && memcmp((p), (lit), sizeof(lit) - 1) == 0)

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

typedef struct {
    char *buf;
    size_t len, cap;
} Bytes;

static int bytes_reserve(Bytes *b, size_t extra) {
    if (b->len + extra <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra) cap *= 2;
    char *grown = realloc(b->buf, cap);
    if (!grown) return -1;
    b->buf = grown;
    b->cap = cap;
    return 0;
}

/* Append the XML character data [p, end) to ``out`` as UTF-8: the five named entities
 * and numeric references decoded. 1: not understood (the caller falls back); -1: no
 * memory. */
static int append_text(Bytes *out, const char *p, const char *end) {
    size_t n = (size_t)(end - p);
    if (bytes_reserve(out, n) < 0) return -1;
    if (memchr(p, '\r', n) != NULL) return 1; /* XML would normalise line ends */
    for (const char *u = memchr(p, '_', n); u; u = memchr(u + 1, '_', (size_t)(end - u - 1)))
        if (u + 1 < end && u[1] == 'x') return 1; /* _xHHHH_ escapes: calamine's to decode */
    if (memchr(p, '&', n) == NULL) {
        memcpy(out->buf + out->len, p, n);
        out->len += n;
        return 0;
    }
    char *o = out->buf + out->len;
    while (p < end) {
        if (*p != '&') {
            *o++ = *p++;
            continue;
        }
        const char *semi = memchr(p, ';', (size_t)(end - p));
        if (!semi || semi - p > 12) return 1;
        const char *name = p + 1;
        size_t len = (size_t)(semi - name);
        unsigned long code = 0;
        if (len == 3 && memcmp(name, "amp", 3) == 0) code = '&';
        else if (len == 2 && memcmp(name, "lt", 2) == 0) code = '<';
        else if (len == 2 && memcmp(name, "gt", 2) == 0) code = '>';
        else if (len == 4 && memcmp(name, "quot", 4) == 0) code = '"';
        else if (len == 4 && memcmp(name, "apos", 4) == 0) code = '\'';
        else if (len >= 2 && name[0] == '#') {
            char *stop = NULL;
            if (name[1] == 'x') code = strtoul(name + 2, &stop, 16);
            else code = strtoul(name + 1, &stop, 10);
            if (stop != semi || code == 0 || code == '\r' || code > 0x10FFFF ||
                (code >= 0xD800 && code <= 0xDFFF))
                return 1;
        } else {
            return 1;
        }
        /* UTF-8 of ``code`` is never longer than its reference ("&#N;" ≥ 4 bytes) */
        if (code < 0x80) *o++ = (char)code;
        else if (code < 0x800) {
            *o++ = (char)(0xC0 | (code >> 6));
            *o++ = (char)(0x80 | (code & 0x3F));
        } else if (code < 0x10000) {
            *o++ = (char)(0xE0 | (code >> 12));
            *o++ = (char)(0x80 | ((code >> 6) & 0x3F));
            *o++ = (char)(0x80 | (code & 0x3F));
        } else {
            *o++ = (char)(0xF0 | (code >> 18));
            *o++ = (char)(0x80 | ((code >> 12) & 0x3F));
            *o++ = (char)(0x80 | ((code >> 6) & 0x3F));
            *o++ = (char)(0x80 | (code & 0x3F));
        }
        p = semi + 1;
    }
    out->len = (size_t)(o - out->buf);
    return 0;
}

/* The buffer as a str; NULL without an exception: not UTF-8 (fall back). */
static PyObject *bytes_str(Bytes *b) {
    PyObject *s = PyUnicode_DecodeUTF8(b->buf, (Py_ssize_t)b->len, "strict");
    if (!s && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) PyErr_Clear();
    return s;
}

static PyObject *decode_text(Bytes *scratch, const char *p, const char *end) {
    scratch->len = 0;
    int rc = append_text(scratch, p, end);
    if (rc < 0) return PyErr_NoMemory();
    return rc ? NULL : bytes_str(scratch);
}

/* Skip an element's start tag from just after its name; *self_closing tells "<x/>".
 * Returns the position after '>' or NULL. Attribute values may hold '>' only inside
 * quotes, which this honours. */
static const char *skip_tag(const char *p, const char *end, int *self_closing) {
    char quote = 0;
    while (p < end) {
        char c = *p;
        if (quote) {
            if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '>') {
            *self_closing = *(p - 1) == '/';
            return p + 1;
        }
        p++;
    }
    return NULL;
}

static const char *const NAMED_ENTITIES[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};

/* [p, end) starts with one of the five named entities. */
static int named_entity_at(const char *p, const char *end) {
    for (size_t i = 0; i < sizeof NAMED_ENTITIES / sizeof *NAMED_ENTITIES; i++) {
        size_t n = strlen(NAMED_ENTITIES[i]);
        if ((size_t)(end - p) >= n && memcmp(p, NAMED_ENTITIES[i], n) == 0) return 1;
    }
    return 0;
}

/* [p, end) ends with one of the five named entities. */
static int named_entity_before(const char *p, const char *end) {
    for (size_t i = 0; i < sizeof NAMED_ENTITIES / sizeof *NAMED_ENTITIES; i++) {
        size_t n = strlen(NAMED_ENTITIES[i]);
        if ((size_t)(end - p) >= n && memcmp(end - n, NAMED_ENTITIES[i], n) == 0) return 1;
    }
    return 0;
}

/* Concatenated text of every <t> inside [p, end) (an <is> or <si> body). NULL without
 * an exception: not understood. */
static PyObject *rich_text(Bytes *scratch, const char *p, const char *end) {
    if (find(p, end, "<rPh") != NULL) return NULL; /* phonetic runs: leave to calamine */
    scratch->len = 0;
    for (;;) {
        const char *t = find(p, end, "<t");
        if (!t) break;
        if (t + 2 >= end || (t[2] != '>' && t[2] != ' ' && t[2] != '/')) return NULL;
        int closed = 0;
        const char *body = skip_tag(t + 2, end, &closed);
        if (!body) return NULL;
        if (closed) {
            p = body;
            continue;
        }
        const char *stop = find(body, end, "</t>");
        if (!stop) return NULL;
        const char *text = body, *text_end = stop;
        if (!find_n(t, body, "xml:space=\"preserve\"", 20)) {
            /* python-calamine trims the text of a <t> that does not preserve spaces */
            while (text < text_end && is_space(*text)) text++;
            while (text_end > text && is_space(text_end[-1])) text_end--;
            /* a character reference at an edge may be a space; a named entity never is */
            if (text < text_end && ((*text == '&' && !named_entity_at(text, text_end)) ||
                                    (text_end[-1] == ';' && !named_entity_before(text, text_end))))
                return NULL;
        }
        int rc = append_text(scratch, text, text_end);
        if (rc < 0) return PyErr_NoMemory();
        if (rc) return NULL;
        p = stop + 4;
    }
    return bytes_str(scratch);
}

typedef struct {
    const char *r, *r_end, *t, *t_end, *s, *s_end;
} CellAttributes;

/* The r, t and s attributes of a <c> start tag from just after "<c"; returns the
 * position after the tag (*closed for "<c .../>"), or NULL when malformed. */
static const char *cell_attributes(const char *p, const char *end, CellAttributes *a,
                                   int *closed) {
    memset(a, 0, sizeof *a);
    while (p < end) {
        while (p < end && is_space(*p)) p++;
        if (p >= end) return NULL;
        if (*p == '>') {
            *closed = 0;
            return p + 1;
        }
        if (*p == '/') {
            if (p + 1 < end && p[1] == '>') {
                *closed = 1;
                return p + 2;
            }
            return NULL;
        }
        const char *key = p;
        while (p < end && *p != '=' && !is_space(*p) && *p != '>') p++;
        size_t klen = (size_t)(p - key);
        while (p < end && is_space(*p)) p++;
        if (p >= end || *p != '=') return NULL;
        p++;
        while (p < end && is_space(*p)) p++;
        if (p >= end || (*p != '"' && *p != '\'')) return NULL;
        char quote = *p++;
        const char *val = p;
        p = memchr(p, quote, (size_t)(end - p));
        if (!p) return NULL;
        if (klen == 1 && key[0] == 'r') a->r = val, a->r_end = p;
        else if (klen == 1 && key[0] == 't') a->t = val, a->t_end = p;
        else if (klen == 1 && key[0] == 's') a->s = val, a->s_end = p;
        p++;
    }
    return NULL;
}

/* "AB12" → 0-based column and row; 0 on success. */
static int cell_ref(const char *p, const char *end, Py_ssize_t *row, Py_ssize_t *col) {
    Py_ssize_t c = 0, r = 0;
    const char *q = p;
    while (q < end && *q >= 'A' && *q <= 'Z') c = c * 26 + (*q++ - 'A' + 1);
    if (q == p || q - p > 3) return -1;
    const char *digits = q;
    while (q < end && *q >= '0' && *q <= '9') r = r * 10 + (*q++ - '0');
    if (q == digits || q != end || q - digits > 7 || r < 1 || c < 1) return -1;
    *row = r - 1;
    *col = c - 1;
    return 0;
}

/* A number as Excel stores it: strtod over the whole text. NULL: not a number. */
static const double POWERS_OF_TEN[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static PyObject *number(const char *p, const char *end) {
    /* The usual cell, [-]digits[.digits] with at most 15 significant digits, exactly as
     * strtod reads it: both the digits as an integer (< 2^53) and 10^k (k <= 22) are exact
     * doubles, so one IEEE division is the correctly rounded value (Clinger's fast path). */
    {
        const char *q = p;
        int negative = 0, digits = 0, decimals = 0, seen_point = 0;
        unsigned long long mantissa = 0;
        if (q < end && *q == '-') negative = 1, q++;
        for (; q < end; q++) {
            if (*q >= '0' && *q <= '9') {
                mantissa = mantissa * 10 + (unsigned long long)(*q - '0');
                if (mantissa) digits++;
                if (seen_point) decimals++;
            } else if (*q == '.' && !seen_point) {
                seen_point = 1;
            } else {
                break;
            }
        }
        if (q == end && q > p + negative && digits <= 15 && decimals <= 22 &&
            !(seen_point && (q[-1] == '.' || p[negative] == '.'))) {
            double value = (double)mantissa / POWERS_OF_TEN[decimals];
            return PyFloat_FromDouble(negative ? -value : value);
        }
    }
    char small[64];
    size_t n = (size_t)(end - p);
    if (n == 0 || n >= sizeof small) return NULL;
    memcpy(small, p, n);
    small[n] = 0;
    for (size_t i = 0; i < n; i++) {
        char c = small[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'E' ||
              c == 'e'))
            return NULL; /* no inf/nan/hex/spaces */
    }
    char *stop = NULL;
    double value = strtod(small, &stop);
    if (stop != small + n) return NULL;
    return PyFloat_FromDouble(value);
}

#define FALLBACK 1

/* One <c ...> element starting after "<c"; *out gets a new reference or stays NULL for
 * a blank. Returns 0, FALLBACK, or -1 with an exception. */
static int read_cell(Cursor *cur, Bytes *scratch, PyObject *shared, const unsigned char *dates,
                     Py_ssize_t n_dates, Py_ssize_t *row, Py_ssize_t *col, PyObject **out) {
    const char *end = cur->end;
    int closed = 0;
    CellAttributes a;
    const char *p = cell_attributes(cur->p, end, &a, &closed);
    if (!p || !a.r || cell_ref(a.r, a.r_end, row, col) != 0) return FALLBACK;
    const char *t = a.t, *t_end = a.t_end;
    long style = 0;
    if (a.s) {
        char *stop = NULL;
        style = strtol(a.s, &stop, 10);
        if (stop != a.s_end || style < 0) return FALLBACK;
    }
    cur->p = p;
    if (closed) return 0;
    /* children: <f>, <v>, <is>, then </c>; anything else is not understood */
    const char *v = NULL, *v_end = NULL, *is = NULL, *is_end = NULL;
    for (;;) {
        while (p < end && is_space(*p)) p++;
        if (p + 3 >= end || *p != '<') return FALLBACK;
        char c1 = p[1], c2 = p[2];
        if (c1 == '/') {
            if (!starts(p, end, "</c>")) return FALLBACK;
            p += 4;
            break;
        }
        if (c1 == 'f' && (c2 == '>' || c2 == ' ' || c2 == '/')) {
            int f_closed = 0;
            const char *body = skip_tag(p + 2, end, &f_closed);
            if (!body) return FALLBACK;
            if (f_closed) {
                p = body;
                continue;
            }
            const char *f_end = find(body, end, "</f>");
            if (!f_end) return FALLBACK;
            p = f_end + 4;
        } else if (c1 == 'v' && (c2 == '>' || c2 == ' ' || c2 == '/')) {
            int v_closed = 0;
            const char *body = skip_tag(p + 2, end, &v_closed);
            if (!body) return FALLBACK;
            if (v_closed) {
                v = v_end = body; /* <v/>: empty */
                p = body;
                continue;
            }
            const char *stop = memchr(body, '<', (size_t)(end - body));
            if (!stop || !starts(stop, end, "</v>")) return FALLBACK;
            v = body;
            v_end = stop;
            p = stop + 4;
        } else if (starts(p, end, "<is>")) {
            const char *stop = find(p, end, "</is>");
            if (!stop) return FALLBACK;
            is = p + 4;
            is_end = stop;
            p = stop + 5;
        } else if (starts(p, end, "<is/>")) {
            is = is_end = p;
            p += 5;
        } else {
            return FALLBACK;
        }
    }
    cur->p = p;
    size_t tlen = t ? (size_t)(t_end - t) : 0;
    if (!t || (tlen == 1 && t[0] == 'n')) {
        if (!v || v == v_end) return 0;
        if (style < n_dates && dates[style]) return FALLBACK; /* a date: calamine converts */
        *out = number(v, v_end);
        return *out ? 0 : FALLBACK;
    }
    if (tlen == 1 && t[0] == 's') {
        if (!v || v == v_end) return 0;
        char *stop = NULL;
        long index = strtol(v, &stop, 10);
        if (stop != v_end || index < 0 || index >= PyList_GET_SIZE(shared)) return FALLBACK;
        *out = PyList_GET_ITEM(shared, index);
        Py_INCREF(*out);
        return 0;
    }
    if (tlen == 9 && memcmp(t, "inlineStr", 9) == 0) {
        if (!is) return v ? FALLBACK : 0;
        *out = rich_text(scratch, is, is_end);
        if (!*out) return PyErr_Occurred() ? -1 : FALLBACK;
        return 0;
    }
    if (tlen == 3 && memcmp(t, "str", 3) == 0) {
        if (!v || v == v_end) return 0;
        *out = decode_text(scratch, v, v_end);
        if (!*out) return PyErr_Occurred() ? -1 : FALLBACK;
        return 0;
    }
    if (tlen == 1 && t[0] == 'b') {
        if (!v || v == v_end) return 0;
        size_t n = (size_t)(v_end - v);
        if (n == 1 && (v[0] == '1' || v[0] == '0')) {
            *out = v[0] == '1' ? Py_True : Py_False;
            Py_INCREF(*out);
            return 0;
        }
        return FALLBACK;
    }
    if (tlen == 1 && t[0] == 'e') return 0; /* errors read as blank, as calamine gives them */
    return FALLBACK;                         /* t="d" and anything else */
}

static PyObject *scan_sheet(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer xml, dates;
    PyObject *shared;
    if (!PyArg_ParseTuple(args, "y*O!y*", &xml, &PyList_Type, &shared, &dates)) return NULL;
    Cursor cur = {(const char *)xml.buf, (const char *)xml.buf + xml.len};
    Cells cells = {NULL, 0, 0};
    Bytes scratch = {NULL, 0, 0};
    int gc_was_on = PyGC_Disable(); /* no collections while thousands of cells are made */
    PyObject *result = NULL;
    int status = FALLBACK;
    Py_ssize_t max_row = -1, max_col = -1;
    const char *data = find(cur.p, cur.end, "<sheetData");
    if (!data) goto done;
    {
        int closed = 0;
        const char *body = skip_tag(data + 10, cur.end, &closed);
        if (!body) goto done;
        cur.p = body;
        if (!closed) {
            for (;;) {
                const char *lt = memchr(cur.p, '<', (size_t)(cur.end - cur.p));
                if (!lt) goto done;
                cur.p = lt;
                if (starts(lt, cur.end, "<c ") || starts(lt, cur.end, "<c>")) {
                    Py_ssize_t row = 0, col = 0;
                    PyObject *value = NULL;
                    cur.p = lt + 2;
                    int rc = read_cell(&cur, &scratch, shared, (const unsigned char *)dates.buf,
                                       dates.len, &row, &col, &value);
                    if (rc != 0) {
                        status = rc;
                        goto done;
                    }
                    if (value) {
                        if (cells_push(&cells, row, col, value) < 0) {
                            Py_DECREF(value);
                            PyErr_NoMemory();
                            status = -1;
                            goto done;
                        }
                        if (row > max_row) max_row = row;
                        if (col > max_col) max_col = col;
                    }
                } else if (starts(lt, cur.end, "<row")) {
                    int closed_row = 0;
                    const char *next = skip_tag(lt + 4, cur.end, &closed_row);
                    if (!next) goto done;
                    cur.p = next;
                } else if (starts(lt, cur.end, "</row>")) {
                    cur.p = lt + 6;
                } else if (starts(lt, cur.end, "</sheetData>")) {
                    break;
                } else {
                    goto done; /* anything else inside sheetData: not understood */
                }
            }
        }
    }
    if ((max_row + 1) * (max_col + 1) > 4000000) goto done; /* a stray far cell: calamine */
    {
        Py_ssize_t height = max_row + 1, width = max_col + 1;
        PyObject *blank = PyUnicode_FromStringAndSize("", 0);
        if (!blank) {
            status = -1;
            goto done;
        }
        result = PyList_New(height);
        for (Py_ssize_t r = 0; result && r < height; r++) {
            PyObject *row = PyList_New(width);
            if (!row) {
                Py_CLEAR(result);
                break;
            }
            for (Py_ssize_t c = 0; c < width; c++) {
                Py_INCREF(blank);
                PyList_SET_ITEM(row, c, blank);
            }
            PyList_SET_ITEM(result, r, row);
        }
        Py_DECREF(blank);
        if (!result) {
            status = -1;
            goto done;
        }
        for (Py_ssize_t i = 0; i < cells.len; i++) {
            PyObject *row = PyList_GET_ITEM(result, cells.items[i].row);
            Py_ssize_t c = cells.items[i].col;
            PyObject *old = PyList_GET_ITEM(row, c);
            PyList_SET_ITEM(row, c, cells.items[i].value);
            Py_INCREF(cells.items[i].value);
            Py_DECREF(old);
        }
        status = 0;
    }
done:
    cells_free(&cells);
    free(scratch.buf);
    if (gc_was_on) PyGC_Enable();
    PyBuffer_Release(&xml);
    PyBuffer_Release(&dates);
    if (status < 0) {
        Py_XDECREF(result);
        return NULL;
    }
    if (status == FALLBACK) {
        Py_XDECREF(result);
        if (PyErr_Occurred()) PyErr_Clear();
        Py_RETURN_NONE;
    }
    return result;
}

static PyObject *scan_strings(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer xml;
    if (!PyArg_ParseTuple(args, "y*", &xml)) return NULL;
    const char *p = (const char *)xml.buf, *end = p + xml.len;
    Bytes scratch = {NULL, 0, 0};
    int gc_was_on = PyGC_Disable();
    PyObject *out = PyList_New(0);
    while (out) {
        const char *si = find(p, end, "<si");
        if (!si) break;
        if (si + 3 < end && si[3] != '>' && si[3] != ' ' && si[3] != '/') {
            Py_CLEAR(out); /* unknown element */
            break;
        }
        int closed = 0;
        const char *body = skip_tag(si + 3, end, &closed);
        PyObject *text = NULL;
        if (body && closed) {
            text = PyUnicode_FromStringAndSize("", 0);
            p = body;
        } else if (body) {
            const char *stop = find(body, end, "</si>");
            if (stop) {
                text = rich_text(&scratch, body, stop);
                p = stop + 5;
            }
        }
        if (!text || PyList_Append(out, text) < 0) {
            Py_XDECREF(text);
            Py_CLEAR(out);
            break;
        }
        Py_DECREF(text);
    }
    free(scratch.buf);
    if (gc_was_on) PyGC_Enable();
    PyBuffer_Release(&xml);
    if (!out) {
        if (PyErr_Occurred() && !PyErr_ExceptionMatches(PyExc_MemoryError)) PyErr_Clear();
        if (PyErr_Occurred()) return NULL;
        Py_RETURN_NONE;
    }
    return out;
}

/* pick_rows(body, index) -> (values, positions): for each row of ``body`` (a sequence of
 * sequences), the cells at ``index`` (a tuple of 0-based columns; a column past the row's
 * end is blank), with '' and None as None; rows whose picked cells are all blank are
 * skipped. ``values`` is flat (row after row), ``positions`` the kept rows' places in
 * ``body``. kpixl.io.grid.grid_block does the same with numpy when this is missing. */
static PyObject *pick_rows(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *body, *index;
    if (!PyArg_ParseTuple(args, "OO!", &body, &PyTuple_Type, &index)) return NULL;
    Py_ssize_t width = PyTuple_GET_SIZE(index);
    Py_ssize_t *columns = PyMem_Malloc(sizeof(Py_ssize_t) * (width ? width : 1));
    if (!columns) return PyErr_NoMemory();
    for (Py_ssize_t j = 0; j < width; j++) {
        columns[j] = PyLong_AsSsize_t(PyTuple_GET_ITEM(index, j));
        if (columns[j] < 0) {
            PyMem_Free(columns);
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "negative column");
            return NULL;
        }
    }
    PyObject *rows = PySequence_Fast(body, "body must be a sequence of rows");
    PyObject *values = PyList_New(0), *positions = PyList_New(0);
    PyObject *picked = PyList_New(width);
    int ok = rows && values && positions && picked;
    Py_ssize_t count = ok ? PySequence_Fast_GET_SIZE(rows) : 0;
    for (Py_ssize_t i = 0; ok && i < count; i++) {
        PyObject *row = PySequence_Fast(PySequence_Fast_GET_ITEM(rows, i), "a row must be a sequence");
        if (!row) {
            ok = 0;
            break;
        }
        Py_ssize_t len = PySequence_Fast_GET_SIZE(row);
        int any = 0;
        for (Py_ssize_t j = 0; j < width; j++) {
            PyObject *v = columns[j] < len ? PySequence_Fast_GET_ITEM(row, columns[j]) : Py_None;
            if (v == Py_None || (PyUnicode_Check(v) && PyUnicode_GET_LENGTH(v) == 0))
                v = Py_None;
            else
                any = 1;
            Py_INCREF(v);
            PyList_SET_ITEM(picked, j, v); /* steals; the old item is replaced below */
        }
        if (any) {
            PyObject *at = PyLong_FromSsize_t(i);
            ok = at && PyList_Append(positions, at) == 0;
            Py_XDECREF(at);
            for (Py_ssize_t j = 0; ok && j < width; j++)
                ok = PyList_Append(values, PyList_GET_ITEM(picked, j)) == 0;
        }
        for (Py_ssize_t j = 0; j < width; j++) { /* empty the scratch row again */
            Py_DECREF(PyList_GET_ITEM(picked, j));
            PyList_SET_ITEM(picked, j, NULL);
        }
        Py_DECREF(row);
    }
    PyMem_Free(columns);
    Py_XDECREF(rows);
    Py_XDECREF(picked);
    if (!ok) {
        Py_XDECREF(values);
        Py_XDECREF(positions);
        return NULL;
    }
    PyObject *out = PyTuple_Pack(2, values, positions);
    Py_DECREF(values);
    Py_DECREF(positions);
    return out;
}

/* type_set(values) -> set: the distinct types of a list's or tuple's items (what
 * set(map(type, values)) gives), in one C pass. */
static PyObject *type_set(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *values;
    if (!PyArg_ParseTuple(args, "O", &values)) return NULL;
    PyObject *seq = PySequence_Fast(values, "values must be a list or tuple");
    if (!seq) return NULL;
    PyObject *out = PySet_New(NULL);
    PyTypeObject *seen[8];
    int count = 0;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t i = 0; out && i < n; i++) {
        PyTypeObject *t = Py_TYPE(items[i]);
        int known = 0;
        for (int j = 0; j < count; j++)
            if (seen[j] == t) {
                known = 1;
                break;
            }
        if (known) continue;
        if (count < 8) seen[count++] = t;
        if (PySet_Add(out, (PyObject *)t) < 0) Py_CLEAR(out);
    }
    Py_DECREF(seq);
    return out;
}

static PyMethodDef methods[] = {
    {"type_set", type_set, METH_VARARGS,
     "type_set(values) -> set(map(type, values)), in one C pass"},
    {"pick_rows", pick_rows, METH_VARARGS,
     "pick_rows(body, index) -> (flat values, kept row positions); '' and None as None, "
     "all-blank rows skipped"},
    {"scan_sheet", scan_sheet, METH_VARARGS,
     "scan_sheet(xml, shared, date_styles) -> rows of cell values, or None when the "
     "sheet holds something only python-calamine should read"},
    {"scan_strings", scan_strings, METH_VARARGS,
     "scan_strings(xml) -> the shared strings, or None when not understood"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_sheetscan",
                                    "Fast reading of worksheet XML (see the C source).", -1,
                                    methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__sheetscan(void) { return PyModule_Create(&module); }
