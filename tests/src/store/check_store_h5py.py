"""Reads a store written by write_sample_store with h5py alone, as docs/format.md describes."""
import sys

import h5py
import numpy as np

path = sys.argv[1]
with h5py.File(path, "r") as f:
    assert f.attrs["kohort_format"] == "kohort-store", f.attrs["kohort_format"]
    assert int(f.attrs["kohort_format_version"]) == 1
    assert sorted(f["tables"].keys()) == ["people", "visits"], list(f["tables"].keys())

    t = f["tables/visits"]
    assert list(t.attrs["columns"]) == ["count", "dose", "smoker", "visit", "region"], t.attrs["columns"]
    assert t.attrs["partitioning"] == "none"
    n = int(t.attrs["num_rows"])
    assert n == 103
    i = np.arange(n)
    # Row i is missing in column k when (i + k) % 5 == 0 (tests/src/store/store_test_tables.hpp).
    count = t["count"][:]
    assert count.dtype == np.int64
    assert np.array_equal(count, np.where(i % 5 == 0, np.iinfo(np.int64).min, i * 1000003 - 7))
    assert t["count"].attrs["missing_value"] == np.iinfo(np.int64).min
    assert t["count"].attrs["kohort_type"] == "int64"
    assert int(t["count"].attrs["missing_count"]) == 21
    dose = t["dose"][:]
    assert dose.dtype == np.float64
    assert np.array_equal(np.isnan(dose), (i + 1) % 5 == 0)
    ok = ~np.isnan(dose)
    assert np.allclose(dose[ok], 0.25 * i[ok] - 3.5)
    smoker = t["smoker"][:]
    assert smoker.dtype == np.int8
    assert np.array_equal(smoker, np.where((i + 2) % 5 == 0, -1, i % 2))
    visit = t["visit"][:]
    assert visit.dtype == np.int32 and t["visit"].attrs["kohort_type"] == "date"
    assert np.array_equal(visit, np.where((i + 3) % 5 == 0, np.iinfo(np.int32).min, 9000 + i))
    # Dates are days since 1970-01-01.
    assert np.datetime64("1970-01-01") + np.timedelta64(int(visit[0]), "D") == np.datetime64("1994-08-23")
    region = t["region"][:]
    labels = t["_dictionaries/region"].asstr()[:]
    assert list(labels) == ["Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland"], labels
    assert np.array_equal(region, np.where((i + 4) % 5 == 0, -1, i % 5))
    assert t["region"].fillvalue == -1 and t["visit"].fillvalue == np.iinfo(np.int32).min

    p = f["tables/people"]
    assert p.attrs["partitioning"] == "pid"
    offsets = p.attrs["pid_bucket_offsets"]
    bits = int(p.attrs["pid_bucket_bits"])
    assert len(offsets) == (1 << bits) + 1
    pid = p["pid"][:]
    assert np.all(np.diff(pid) >= 0), "pid not sorted"
    buckets = pid >> (63 - bits)
    assert np.array_equal(offsets, np.concatenate([[0], np.cumsum(np.bincount(buckets, minlength=1 << bits))]))
    low = pid & ((1 << (63 - bits)) - 1)
    assert np.allclose(p["value"][:], low / 4.0)
    assert abs(f["synth"].attrs["hr_statin"] - 0.75) < 1e-15
print("h5py read", path, "OK")
