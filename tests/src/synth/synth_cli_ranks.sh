#!/usr/bin/env bash
# `kohort synth` through the real CLI makes byte-for-byte the same tables on 1 and on 3 ranks:
# every dataset and attribute of the two stores is compared with h5diff. Also checks usage errors
# exit with 2.
set -euo pipefail
: "${KOHORT:?KOHORT must point to the kohort binary}"
tmp="${KOHORT_TEST_TMP:-$(mktemp -d)}"
mkdir -p "$tmp"
mpiexec="${KOHORT_MPIEXEC:-mpirun}"
read -r -a flags <<< "${KOHORT_MPIEXEC_FLAGS:---oversubscribe --allow-run-as-root}"
rm -f "$tmp"/one.h5 "$tmp"/three.h5

"$mpiexec" "${flags[@]}" -np 1 "$KOHORT" synth --persons 5000 --seed 77 --genotypes 40 --out "$tmp/one.h5" --quiet
"$mpiexec" "${flags[@]}" -np 3 "$KOHORT" synth --persons 5000 --seed 77 --genotypes 40 --out "$tmp/three.h5" --quiet

if command -v h5diff >/dev/null; then
    h5diff "$tmp/one.h5" "$tmp/three.h5"   # exit 1 on any difference in data or attributes
    echo "h5diff: stores made on 1 and 3 ranks are identical"
else
    /usr/bin/python3 - "$tmp/one.h5" "$tmp/three.h5" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
def walk(f):
    out = {}
    f.visititems(lambda n, o: out.__setitem__(n, o))
    return out
wa, wb = walk(a), walk(b)
assert sorted(wa) == sorted(wb), "different objects"
for n, o in wa.items():
    if isinstance(o, h5py.Dataset):
        assert np.array_equal(o[()], wb[n][()], equal_nan=o.dtype.kind == "f"), n
    assert sorted(o.attrs) == sorted(wb[n].attrs), n
print("h5py: stores made on 1 and 3 ranks are identical")
PY
fi

# Usage errors: exit code 2 and a message naming the option.
for bad in "--persons 0 --seed 1 --out $tmp/x.h5" "--persons ten --seed 1 --out $tmp/x.h5" \
           "--persons 10 --seed -1 --out $tmp/x.h5" "--persons 10 --out $tmp/x.h5"; do
    set +e
    msg=$("$KOHORT" synth $bad 2>&1 >/dev/null)
    rc=$?
    set -e
    if [ "$rc" -ne 2 ]; then echo "expected exit 2 for 'synth $bad', got $rc: $msg"; exit 1; fi
    case "$msg" in *--persons*|*--seed*) ;; *) echo "message does not name the option: $msg"; exit 1;; esac
done
[ ! -e "$tmp/x.h5" ] || { echo "a failed synth left $tmp/x.h5"; exit 1; }
# An output folder that does not exist is bad input (exit 2), named in the message.
set +e
msg=$("$KOHORT" synth --persons 10 --seed 1 --out "$tmp/no/such/dir/x.h5" --quiet 2>&1 >/dev/null)
rc=$?
set -e
[ "$rc" -eq 2 ] || { echo "expected exit 2 for a missing output folder, got $rc: $msg"; exit 1; }
case "$msg" in *"$tmp/no/such/dir/x.h5"*"does not exist"*) ;; *) echo "unclear message: $msg"; exit 1;; esac
echo "usage errors: ok"
