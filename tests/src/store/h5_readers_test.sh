#!/bin/bash
# A store written by kohort (serially, and collectively over MPI-IO on 2 ranks) opens in h5dump
# and in h5py, with the layout of docs/format.md.
# Usage: h5_readers_test.sh WRITE_SAMPLE_STORE_BINARY
set -euo pipefail
writer=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=${KOHORT_TEST_TMP:-$(mktemp -d)}/h5_readers
rm -rf "$tmp" && mkdir -p "$tmp"
mpiexec=${KOHORT_MPIEXEC:-mpirun}
read -r -a mpiflags <<< "${KOHORT_MPIEXEC_FLAGS:---oversubscribe --allow-run-as-root}"

"$writer" "$tmp/serial.h5"
"$mpiexec" "${mpiflags[@]}" -np 2 "$writer" "$tmp/mpi.h5" --mpi

for store in "$tmp/serial.h5" "$tmp/mpi.h5"; do
    h5dump -H "$store" > "$tmp/header.txt"
    for want in 'GROUP "tables"' 'GROUP "visits"' 'DATASET "count"' 'H5T_STD_I64LE' 'H5T_IEEE_F64LE' 'H5T_STD_I8LE' \
                'H5T_STD_I32LE' 'ATTRIBUTE "kohort_type"' 'ATTRIBUTE "pid_bucket_offsets"' 'GROUP "_dictionaries"' \
                'CSET H5T_CSET_UTF8'; do
        grep -qF "$want" "$tmp/header.txt" || { echo "h5dump -H $store lacks: $want"; exit 1; }
    done
    h5dump -d /tables/visits/visit -s 0 -c 3 "$store" | grep -qF -- '9000, 9001, -2147483648' \
        || { echo "h5dump of /tables/visits/visit in $store did not show the expected values"; exit 1; }
    h5dump -d /tables/visits/_dictionaries/region "$store" | grep -qF '"Syddanmark"' \
        || { echo "h5dump did not show the region dictionary of $store"; exit 1; }
    /usr/bin/python3 "$here/check_store_h5py.py" "$store"
done
# Same contents whichever way it was written.
h5diff "$tmp/serial.h5" "$tmp/mpi.h5" /tables/visits /tables/visits
h5diff "$tmp/serial.h5" "$tmp/mpi.h5" /tables/people/pid /tables/people/pid
echo "h5dump and h5py read both stores"
