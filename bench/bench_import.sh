#!/usr/bin/env bash
# Import throughput of `kohort import` with CPR pseudonymisation on a register-style CSV.
#
#   bench/bench_import.sh [ROWS] [PERSONS]        (defaults: 1000000 rows, 100000 persons)
#
# Env: KOHORT (binary, default build/bin/kohort), BENCH_DIR (scratch, default /tmp/kohort-bench-import),
# THREADS (OpenMP thread counts to try, default "1 2"). Prints a Markdown table for
# docs/benchmarks-import.md. The CSV is Danish-style (';' delimiter, ',' decimals), about 10 rows per
# person, CPR numbers alternately with and without the hyphen.
set -euo pipefail
ROWS=${1:-1000000}
PERSONS=${2:-100000}
HERE=$(cd "$(dirname "$0")/.." && pwd)
KOHORT=${KOHORT:-$HERE/build/bin/kohort}
DIR=${BENCH_DIR:-/tmp/kohort-bench-import}
THREADS=${THREADS:-1 2}
[ -x "$KOHORT" ] || { echo "no kohort binary at $KOHORT (build first, or set KOHORT)" >&2; exit 2; }
mkdir -p "$DIR"
CSV="$DIR/prescriptions_${ROWS}.csv"

if [ ! -s "$CSV" ]; then
    # Person p gets the made-up CPR DD=01+p/10000 (<= 28), MM=01, YY=50, SSSS=p%10000: unique and valid.
    awk -v rows="$ROWS" -v persons="$PERSONS" 'BEGIN {
        srand(20240601);
        split("C10AA01 C10AA05 A10BA02 N02BE01 B01AC06 C07AB02 C09AA05 R03AC02 J01CA04 H03AA01", atc, " ");
        print "cpr;date;atc;ddd;refill";
        for (i = 0; i < rows; i++) {
            p = int(rand() * persons);
            cpr = sprintf("%02d0150%04d", 1 + int(p / 10000) % 28, p % 10000);
            if (i % 2) cpr = substr(cpr, 1, 6) "-" substr(cpr, 7, 4);
            d = int(rand() * 9496);                      # days after 1995-01-01, up to 2020
            y = 1995; while (1) { len = (y % 4 == 0) ? 366 : 365; if (d < len) break; d -= len; y++ }
            split("31 28 31 30 31 30 31 31 30 31 30 31", ml, " "); if (y % 4 == 0) ml[2] = 29;
            m = 1; while (d >= ml[m]) { d -= ml[m]; m++ }
            ddd = sprintf("%.2f", rand() * 90); sub(/\./, ",", ddd);
            printf "%s;%04d-%02d-%02d;%s;%s;%s\n", cpr, y, m, d + 1, atc[1 + int(rand() * 10)], ddd, (rand() < 0.3 ? "TRUE" : "FALSE");
        }
    }' >"$CSV"
fi
rm -f "$DIR/bench.key"
"$KOHORT" keygen --out "$DIR/bench.key" >/dev/null
BYTES=$(stat -c %s "$CSV")

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| rows | CSV MB | OpenMP threads | wall s | rows/s (wall) | MB/s (wall) | CPU s (user+sys) | rows per CPU s | peak RSS MB |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for t in $THREADS; do
    rm -f "$DIR/bench.h5"
    /usr/bin/time -f "%e %M %U %S" -o "$DIR/time.txt" env OMP_NUM_THREADS="$t" \
        "$KOHORT" import --csv "$CSV" --table prescriptions --store "$DIR/bench.h5" --decimal , \
        --pseudonymise cpr --key-file "$DIR/bench.key" >"$DIR/import.log"
    read -r wall rss_kb user sys <"$DIR/time.txt"
    awk -v r="$ROWS" -v b="$BYTES" -v w="$wall" -v t="$t" -v m="$rss_kb" -v c="$(awk -v u="$user" -v s="$sys" 'BEGIN{print u+s}')" 'BEGIN {
        printf "| %d | %.1f | %d | %.2f | %.0f | %.1f | %.2f | %.0f | %.0f |\n", r, b / 1e6, t, w, r / w, b / 1e6 / w, c, r / c, m / 1024 }'
done
