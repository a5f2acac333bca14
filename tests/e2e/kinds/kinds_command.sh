#!/usr/bin/env bash
# Issue 11: `kohort kinds` lists the kinds, `kohort kinds cox` prints every key the cox kernel
# takes (checked against the keys coxph's options need, written out here), `kohort kinds --help`
# works, and the reference in docs/jobs.md is the one `kohort kinds --markdown` prints.
set -euo pipefail
: "${KOHORT:?}" "${KOHORT_SOURCE_DIR:?}" "${KOHORT_TEST_TMP:?}"
rm -rf "$KOHORT_TEST_TMP"; mkdir -p "$KOHORT_TEST_TMP"; cd "$KOHORT_TEST_TMP"
fail() { echo "FAIL: $*"; exit 1; }

"$KOHORT" kinds > list.txt
for k in cox km cif finegray glm summary table job slurm cohort variable lexis; do
    grep -qE "^  $k " list.txt || fail "kohort kinds does not list $k"
done

"$KOHORT" kinds cox > cox.txt
cat cox.txt
for key in kind table formula ties weights cluster robust iter.max eps communication; do
    grep -qE "^  $key " cox.txt || fail "kohort kinds cox lacks the key $key"
done
grep -qE "^  ties +enum +efron " cox.txt || fail "ties is not shown as an enum with default efron"
grep -qE "^  iter.max +integer +20 .*from 0 to 100000" cox.txt || fail "iter.max lacks its default or range"
keys=$(grep -cE "^  [a-z]" cox.txt)
[[ $keys -eq 11 ]] || fail "kohort kinds cox shows $((keys - 1)) keys, expected 10"

"$KOHORT" kinds site | grep -q "min_count" || fail "kohort kinds site lacks min_count"
"$KOHORT" kinds --help | grep -q "Usage: kohort kinds" || fail "kohort kinds --help"
set +e
"$KOHORT" kinds coxx 2> unknown.err; rc=$?
set -e
[[ $rc -eq 2 ]] || fail "kohort kinds coxx: exit $rc, expected 2"

# docs/jobs.md holds the reference between its two markers, exactly as kohort prints it.
"$KOHORT" kinds --markdown > generated.md
sed -n '/<!-- kinds:begin/,/<!-- kinds:end/p' "$KOHORT_SOURCE_DIR/docs/jobs.md" | sed '1d;$d' > documented.md
diff -u documented.md generated.md || fail "docs/jobs.md's reference differs from 'kohort kinds --markdown'; regenerate it (docs/developing.md)"
echo "ok: kohort kinds, kohort kinds cox ($((keys - 1)) keys), docs/jobs.md agrees"
