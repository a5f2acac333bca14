#!/usr/bin/env bash
# report.html (issue 15) end to end: the demo study writes it; `kohort report` rebuilds it byte for
# byte; every number on it stands in a released file (with a planted number caught); headless
# Chromium renders it at 1280 and 390 px (screenshots not blank), its DOM has every model's
# section, table and plot (plots with <title> and <desc>, tables with <th>), and the page asks the
# network for nothing (net log; a control page that does is caught). A stricter policy's run shows
# every scope, rule and withheld place of its own disclosure.json in the checker's view.
# Chromium missing: FAIL.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp="$KOHORT_TEST_TMP"; rm -rf "$tmp"; mkdir -p "$tmp/shots"; cd "$tmp"
step() { echo; echo "== $*"; }

step "demo study: synth + run on 2 ranks (policy none, the test site's)"
"$KOHORT" synth --persons 20000 --seed 2026 --out demo.h5 >/dev/null 2>&1
run_demo() {  # OUTPUT [--set ...]
  local out=$1; shift
  $KOHORT_MPIEXEC $KOHORT_MPIEXEC_FLAGS -np 2 "$KOHORT" run "$KOHORT_SOURCE_DIR/jobs/demo_statin_mi.ini" \
    --set job.store="$PWD/demo.h5" --set job.output="$PWD/$out" -q "$@"
}
run_demo out/demo
out=out/demo
[[ -s $out/report.html ]] || { echo "FAIL: the job wrote no report.html"; exit 1; }
ls $out

step "kohort report rebuilds the same page from the folder"
"$KOHORT" report $out --out rebuilt.html
cmp $out/report.html rebuilt.html && echo "identical: $(wc -c < rebuilt.html) bytes"
cp $out/report.html saved.html
"$KOHORT" report $out 2>/dev/null
cmp $out/report.html saved.html
"$KOHORT" report --help | grep -q "Usage: kohort report OUTPUT"
set +e; "$KOHORT" report "$tmp/no-such-folder" 2>err.txt; rc=$?; set -e
[[ $rc -eq 2 ]] && grep -q "no-such-folder" err.txt || { echo "FAIL: a missing folder gave exit $rc"; cat err.txt; exit 1; }

step "every number on the page stands in a released file"
python3 "$here/numbers_released.py" $out/report.html $out
sed 's#</main>#<p>planted 987654.321</p></main>#' $out/report.html > planted.html
python3 "$here/numbers_released.py" planted.html $out --expect-fail

step "headless Chromium: screenshots at 1280 and 390 px, net log"
url="file://$PWD/$out/report.html"
python3 "$here/chromium_run.py" --screenshot shots/report_1280.png --width 1280 --netlog net_1280.json "$url"
python3 "$here/png_not_blank.py" shots/report_1280.png 1280
python3 "$here/chromium_run.py" --screenshot shots/report_390.png --width 390 --netlog net_390.json "$url"
python3 "$here/png_not_blank.py" shots/report_390.png 390
python3 "$here/netlog_quiet.py" net_1280.json
python3 "$here/netlog_quiet.py" net_390.json
# The net-log check can fail: a page that loads a remote image is caught.
printf '<!DOCTYPE html><html><body><p>control</p><img src="http://example.invalid/x.png" alt=""></body></html>\n' > control.html
python3 "$here/chromium_run.py" --screenshot control.png --width 390 --height 300 --netlog net_control.json "file://$PWD/control.html"
python3 "$here/netlog_quiet.py" net_control.json --expect-request

step "rendered DOM: sections, tables, plots"
python3 "$here/chromium_run.py" --dump-dom dom.html "$url"
python3 "$here/dom_check.py" dom.html $out

step "stricter policy (sds) with a disclosure.json: the checker's view"
run_demo out/sds --set job.disclosure=sds
[[ -s out/sds/disclosure.json ]] || { echo "FAIL: a job under sds wrote no disclosure.json"; exit 1; }
# Every scope of the job's own disclosure.json, and each rule it applied, must show in the
# checker's view (taken from the file, so a scope or rule the page forgets is caught).
mapfile -t wanted < <(python3 - out/sds/disclosure.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
assert d["withheld"] + d["coarsened"] > 0, "sds released nothing coarsened or withheld: the check would be empty"
seen = set()
for scope, entry in d["models"].items():
    seen.add(scope)
    for e in entry.get("withheld", []) + entry.get("coarsened", []):
        seen.add(e["rule"])
        if e.get("where"):
            seen.add(e["where"])
print("\n".join(sorted(seen)))
PY
)
echo "disclosure.json: ${#wanted[@]} scopes and rules to find in the checker's view"
args=(); for v in "${wanted[@]}"; do args+=(--disclosure-value "$v"); done
"$KOHORT" report out/sds
python3 "$here/dom_check.py" out/sds/report.html out/sds "${args[@]}"
python3 "$here/numbers_released.py" out/sds/report.html out/sds
# A disclosure.json of another shape, or broken, does not stop the page.
echo '{"km_statin": ["a bare entry"]}' > out/sds/disclosure.json && "$KOHORT" report out/sds 2>/dev/null
grep -q "a bare entry" out/sds/report.html
echo 'not json' > out/sds/disclosure.json && "$KOHORT" report out/sds 2>/dev/null
grep -q "disclosure.json is not valid JSON" out/sds/report.html

echo
echo "screenshots: $tmp/shots/report_1280.png $tmp/shots/report_390.png"
echo "PASS"
