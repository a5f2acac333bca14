/* Exports columns of kohort store tables to CSV for the DuckDB comparison in bench/bench_cohort.sh.
 *
 * Reads the store with the plain HDF5 C API, following docs/format.md only (no kohort code), so the
 * comparison's data path is independent of the code it is compared with. Dates are written as day
 * numbers since 1970-01-01, categorical codes as their dictionary labels, missing values (the
 * sentinels of docs/format.md) as empty fields, which DuckDB reads as NULL.
 *
 *   cohort_csv_export STORE TABLE OUT.csv COLUMN...
 *
 * Build: h5pcc -O2 -o cohort_csv_export bench/cohort_csv_export.c  (bench_cohort.sh does this). */
#include <hdf5.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK (1 << 20)

static void die(const char* what, const char* name) {
    fprintf(stderr, "cohort_csv_export: %s '%s'\n", what, name);
    exit(1);
}

typedef struct {
    const char* name;
    hid_t dset;
    int kind; /* 0 int64, 1 int32 date, 2 categorical, 3 double, 4 bool */
    char** labels;
    long nlabels;
    void* buf;
} Col;

static int kind_of(hid_t dset, const char* name) {
    hid_t a = H5Aopen(dset, "kohort_type", H5P_DEFAULT);
    if (a < 0) die("no kohort_type attribute on column", name);
    hid_t t = H5Aget_type(a);
    char* s = NULL;
    char fixed[64] = {0};
    if (H5Tis_variable_str(t) > 0) {
        hid_t m = H5Tcopy(H5T_C_S1);
        H5Tset_size(m, H5T_VARIABLE);
        H5Tset_cset(m, H5Tget_cset(t));
        if (H5Aread(a, m, &s) < 0) die("cannot read kohort_type of column", name);
        H5Tclose(m);
    } else {
        H5Aread(a, t, fixed);
        s = fixed;
    }
    int k = !strcmp(s, "int64") ? 0 : !strcmp(s, "date") ? 1 : !strcmp(s, "categorical") ? 2 : !strcmp(s, "double") ? 3 : 4;
    if (s != fixed) H5free_memory(s);
    H5Tclose(t);
    H5Aclose(a);
    return k;
}

static void read_labels(hid_t table, Col* c) {
    hid_t g = H5Gopen2(table, "_dictionaries", H5P_DEFAULT);
    hid_t d = H5Dopen2(g, c->name, H5P_DEFAULT);
    if (d < 0) die("no dictionary for column", c->name);
    hid_t t = H5Dget_type(d);
    size_t w = H5Tget_size(t);
    hid_t sp = H5Dget_space(d);
    c->nlabels = (long)H5Sget_simple_extent_npoints(sp);
    char* raw = calloc((size_t)c->nlabels + 1, w + 1);
    H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw);
    c->labels = malloc(sizeof(char*) * (size_t)(c->nlabels + 1));
    for (long i = 0; i < c->nlabels; ++i) {
        c->labels[i] = calloc(w + 1, 1);
        memcpy(c->labels[i], raw + (size_t)i * w, w);
    }
    free(raw);
    H5Sclose(sp);
    H5Tclose(t);
    H5Dclose(d);
    H5Gclose(g);
}

/* Fast decimal formatting; returns the new end. */
static char* put_i64(char* p, int64_t v) {
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
    if (v < 0) *p++ = '-';
    do { tmp[n++] = (char)('0' + u % 10); u /= 10; } while (u);
    while (n) *p++ = tmp[--n];
    return p;
}

int main(int argc, char** argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: cohort_csv_export STORE TABLE OUT.csv COLUMN...\n");
        return 2;
    }
    hid_t f = H5Fopen(argv[1], H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) die("cannot open store", argv[1]);
    char path[512];
    snprintf(path, sizeof path, "/tables/%s", argv[2]);
    hid_t table = H5Gopen2(f, path, H5P_DEFAULT);
    if (table < 0) die("no table", argv[2]);
    int ncol = argc - 4;
    Col* cols = calloc((size_t)ncol, sizeof(Col));
    hsize_t rows = 0;
    for (int i = 0; i < ncol; ++i) {
        Col* c = &cols[i];
        c->name = argv[4 + i];
        c->dset = H5Dopen2(table, c->name, H5P_DEFAULT);
        if (c->dset < 0) die("no column", c->name);
        c->kind = kind_of(c->dset, c->name);
        if (c->kind == 2) read_labels(table, c);
        hid_t sp = H5Dget_space(c->dset);
        rows = (hsize_t)H5Sget_simple_extent_npoints(sp);
        H5Sclose(sp);
        c->buf = malloc((size_t)BLOCK * 8);
    }
    FILE* out = fopen(argv[3], "w");
    if (!out) die("cannot write", argv[3]);
    setvbuf(out, NULL, _IOFBF, 1 << 22);
    for (int i = 0; i < ncol; ++i) fprintf(out, "%s%s", i ? "," : "", cols[i].name);
    fputc('\n', out);
    char* line = malloc((size_t)BLOCK * 128);
    for (hsize_t at = 0; at < rows; at += BLOCK) {
        hsize_t n = rows - at < BLOCK ? rows - at : BLOCK;
        hid_t ms = H5Screate_simple(1, &n, NULL);
        for (int i = 0; i < ncol; ++i) {
            Col* c = &cols[i];
            hid_t fs = H5Dget_space(c->dset);
            H5Sselect_hyperslab(fs, H5S_SELECT_SET, &at, NULL, &n, NULL);
            hid_t mt = c->kind == 0 ? H5T_NATIVE_INT64 : c->kind == 3 ? H5T_NATIVE_DOUBLE : c->kind == 4 ? H5T_NATIVE_INT8 : H5T_NATIVE_INT32;
            if (H5Dread(c->dset, mt, ms, fs, H5P_DEFAULT, c->buf) < 0) die("cannot read column", c->name);
            H5Sclose(fs);
        }
        H5Sclose(ms);
        char* p = line;
        for (hsize_t r = 0; r < n; ++r) {
            for (int i = 0; i < ncol; ++i) {
                const Col* c = &cols[i];
                if (i) *p++ = ',';
                switch (c->kind) {
                    case 0: { int64_t v = ((int64_t*)c->buf)[r]; if (v != INT64_MIN) p = put_i64(p, v); break; }
                    case 1: { int32_t v = ((int32_t*)c->buf)[r]; if (v != INT32_MIN) p = put_i64(p, v); break; }
                    case 2: {
                        int32_t v = ((int32_t*)c->buf)[r];
                        if (v >= 0 && v < c->nlabels) { size_t l = strlen(c->labels[v]); memcpy(p, c->labels[v], l); p += l; }
                        break;
                    }
                    case 3: { double v = ((double*)c->buf)[r]; if (v == v) p += sprintf(p, "%.17g", v); break; }
                    default: { int8_t v = ((int8_t*)c->buf)[r]; if (v >= 0) *p++ = (char)('0' + v); break; }
                }
            }
            *p++ = '\n';
        }
        fwrite(line, 1, (size_t)(p - line), out);
    }
    fclose(out);
    for (int i = 0; i < ncol; ++i) H5Dclose(cols[i].dset);
    H5Gclose(table);
    H5Fclose(f);
    return 0;
}
