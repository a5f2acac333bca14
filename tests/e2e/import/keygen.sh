#!/usr/bin/env bash
# kohort keygen: a 0600 hex key, never overwritten; imports under it are reproducible.
source "$(dirname "$0")/common.sh"

run_kohort keygen --out "$T/k1.key"
[ "$RC" -eq 0 ] || fail "keygen failed (exit $RC)"
[ "$(stat -c %a "$T/k1.key")" = 600 ] || fail "key mode is $(stat -c %a "$T/k1.key"), expected 600"
content=$(cat "$T/k1.key")
[[ "$content" =~ ^[0-9a-f]{64}$ ]] || fail "key file is not 64 hex digits"
grep -q -F -- "$content" "$T/out.txt" && fail "keygen printed the key"
sum=$(sha "$T/k1.key")

run_kohort keygen --out "$T/k1.key"
[ "$RC" -eq 2 ] || fail "keygen over an existing file: exit $RC, expected 2"
grep -q "already exists" "$T/out.txt" || fail "keygen refusal does not say the file exists"
[ "$(sha "$T/k1.key")" = "$sum" ] || fail "keygen changed an existing key file"

run_kohort keygen
[ "$RC" -eq 2 ] || fail "keygen without --out: exit $RC, expected 2"
run_kohort keygen --help
[ "$RC" -eq 0 ] || fail "keygen --help: exit $RC"

run_kohort keygen --out "$T/k2.key"
[ "$(cat "$T/k2.key")" != "$content" ] || fail "two keygen runs wrote the same key"

# Same key, same CSV -> byte-identical pid columns (h5dump of the pid datasets, when available);
# a different key gives different pids.
write_good_csv "$T/p.csv"
for s in a b; do
    run_kohort import --csv "$T/p.csv" --table people --store "$T/$s.h5" --pseudonymise cpr --key-file "$T/k1.key"
    [ "$RC" -eq 0 ] || fail "import with the keygen key failed (exit $RC)"
done
run_kohort import --csv "$T/p.csv" --table people --store "$T/c.h5" --pseudonymise cpr --key-file "$T/k2.key"
[ "$RC" -eq 0 ] || fail "import with the second key failed (exit $RC)"
if command -v h5dump >/dev/null 2>&1; then
    pid_values() { h5dump "$1" | tr -s ' ' | grep -o '[0-9]\{12,\}' | sort; }
    [ "$(pid_values "$T/a.h5")" = "$(pid_values "$T/b.h5")" ] || fail "the same key gave different pids"
    [ "$(pid_values "$T/a.h5")" != "$(pid_values "$T/c.h5")" ] || fail "different keys gave the same pids"
fi
echo "PASS: keygen"
