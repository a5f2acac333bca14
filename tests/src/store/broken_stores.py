#!/usr/bin/python3
# Builds broken and foreign-written stores with h5py, each from a copy of a good store written by
# kohort (write_sample_store: tables people (pid, value) and visits (count, dose, smoker, visit,
# region)). Each store breaks one invariant of docs/format.md. Prints one name per line.
# Usage: broken_stores.py GOOD.h5 OUTDIR
import os
import shutil
import sys

import h5py
import numpy as np

good, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
made = []


def variant(name):
    """Decorator: copies the good store to OUTDIR/NAME.h5 and lets f damage it through h5py."""
    def wrap(f):
        path = os.path.join(out, name + ".h5")
        shutil.copyfile(good, path)
        with h5py.File(path, "r+") as h:
            f(h)
        made.append(name)
        return f
    return wrap


def replace(group, name, data, keep_attrs=True):
    """Replaces dataset `name` of `group` by `data`, copying its attributes."""
    attrs = dict(group[name].attrs) if keep_attrs else {}
    del group[name]
    d = group.create_dataset(name, data=data)
    for k, v in attrs.items():
        d.attrs[k] = v
    return d


V = "tables/visits"
P = "tables/people"

# --- wrong types -------------------------------------------------------------------------------
variant("double_stored_as_strings")(lambda h: replace(h[V], "dose", np.array([b"x"] * 103, dtype="S8")))
variant("int64_stored_as_double")(lambda h: replace(h[V], "count", h[V]["count"][:].astype("f8")))
variant("int64_stored_as_uint64")(lambda h: replace(h[V], "count", h[V]["count"][:].astype("u8")))
variant("date_stored_as_int16")(lambda h: replace(h[V], "visit", np.zeros(103, dtype="i2")))
variant("unknown_kohort_type")(lambda h: h[V]["dose"].attrs.__setitem__("kohort_type", "complex"))
variant("column_is_two_dimensional")(lambda h: replace(h[V], "dose", np.zeros((103, 2))))
variant("columns_attribute_not_strings")(lambda h: h[V].attrs.__setitem__("columns", np.arange(5)))
variant("num_rows_is_a_string")(lambda h: h[V].attrs.__setitem__("num_rows", "103"))
variant("dictionary_not_strings")(lambda h: replace(h[V]["_dictionaries"], "region", np.arange(5), False))

# --- out-of-range values -----------------------------------------------------------------------
def set_value(path, col, row, value):
    def f(h):
        d = h[path][col]
        a = d[:]
        a[row] = value
        d[:] = a
    return f


variant("code_above_dictionary")(set_value(V, "region", 0, 5))       # dictionary has 5 labels
variant("code_far_out_of_range")(set_value(V, "region", 102, 2**31 - 1))
variant("code_negative")(set_value(V, "region", 50, -7))
variant("bool_not_0_1")(set_value(V, "smoker", 3, 7))
variant("pid_negative")(set_value(P, "pid", 0, -5))
variant("pid_unsorted")(lambda h: h[P]["pid"].__setitem__(slice(None), h[P]["pid"][:][::-1]))

# --- missing attributes and datasets -----------------------------------------------------------
variant("no_kohort_type")(lambda h: h[V]["dose"].attrs.__delitem__("kohort_type"))
variant("no_missing_count")(lambda h: h[V]["count"].attrs.__delitem__("missing_count"))
variant("no_num_rows")(lambda h: h[V].attrs.__delitem__("num_rows"))
variant("no_columns_attribute")(lambda h: h[V].attrs.__delitem__("columns"))
variant("no_partitioning")(lambda h: h[P].attrs.__delitem__("partitioning"))
variant("no_bucket_offsets")(lambda h: h[P].attrs.__delitem__("pid_bucket_offsets"))
variant("no_format_attribute")(lambda h: h.attrs.__delitem__("kohort_format"))
variant("future_format_version")(lambda h: h.attrs.__setitem__("kohort_format_version", np.int64(99)))
variant("no_dictionary")(lambda h: h[V]["_dictionaries"].__delitem__("region"))
variant("column_listed_but_absent")(lambda h: h[V].__delitem__("dose"))

# --- inconsistent lengths and partition metadata -----------------------------------------------
variant("column_shorter_than_num_rows")(lambda h: replace(h[V], "dose", h[V]["dose"][:50]))
variant("num_rows_larger_than_columns")(lambda h: h[V].attrs.__setitem__("num_rows", np.int64(10**12)))
variant("num_rows_negative")(lambda h: h[V].attrs.__setitem__("num_rows", np.int64(-1)))
variant("partitioning_unknown")(lambda h: h[P].attrs.__setitem__("partitioning", "zip"))
variant("bucket_offsets_too_short")(lambda h: h[P].attrs.__setitem__("pid_bucket_offsets", np.arange(10, dtype="i8")))


def offsets_unsorted(h):
    o = h[P].attrs["pid_bucket_offsets"].copy()
    o[100], o[3000] = o[3000], o[100]
    h[P].attrs["pid_bucket_offsets"] = o


variant("bucket_offsets_unsorted")(offsets_unsorted)


def offsets_shifted(h):
    # Still sorted, 0 to num_rows, but they no longer match the pids: rows land in the wrong rank.
    o = h[P].attrs["pid_bucket_offsets"].copy()
    o[1:-1] = np.minimum(o[1:-1] + 40, o[-1])
    h[P].attrs["pid_bucket_offsets"] = o


variant("bucket_offsets_mismatch_pids")(offsets_shifted)
variant("duplicate_column_names")(lambda h: h[V].attrs.__setitem__(
    "columns", np.array(["count", "count", "dose", "smoker", "visit", "region"], dtype=h5py.string_dtype())))


def duplicate_labels(h):
    g = h[V]["_dictionaries"]
    labels = g["region"][:]
    labels[1] = labels[0]
    replace(g, "region", labels, False)


variant("dictionary_duplicate_labels")(duplicate_labels)

# --- not kohort stores at all ------------------------------------------------------------------
def write_bytes(name, data):
    with open(os.path.join(out, name + ".h5"), "wb") as f:
        f.write(data)
    made.append(name)


write_bytes("not_hdf5", b"pid,region\n1,Hovedstaden\n")
write_bytes("empty_file", b"")
raw = open(good, "rb").read()
write_bytes("truncated_half", raw[: len(raw) // 2])
write_bytes("truncated_after_superblock", raw[:2048])
with h5py.File(os.path.join(out, "foreign_hdf5.h5"), "w") as h:  # another tool's HDF5 file
    h.create_dataset("matrix", data=np.eye(3))
made.append("foreign_hdf5")
with h5py.File(os.path.join(out, "foreign_with_tables_group.h5"), "w") as h:
    h.create_group("tables").create_group("visits").create_dataset("count", data=np.arange(3))
made.append("foreign_with_tables_group")

print("\n".join(made))
