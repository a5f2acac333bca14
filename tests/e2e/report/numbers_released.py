#!/usr/bin/env python3
"""Every number on report.html stands in a released file (contract section 5, issue 15).

Usage: numbers_released.py REPORT.html OUTPUT_FOLDER [--expect-fail]

The numbers a reader sees (text of the page, SVG <text>, <title> and <desc> included; not CSS,
not attribute values such as layout coordinates) are taken one by one. A number passes when some
number in a released file (results.json, the CSV/SVG/TSV files, disclosure.json, job.log) equals
it as released, or rounded to 2, 3 or 4 significant digits, or rounded to an integer: the page
shows released values and their roundings only, never a computed one.
Template words with digits that are not data ("95% CI", "SHA-256") are removed first.
With --expect-fail the script exits 0 only when some number fails (a negative control).
"""
import html.parser
import math
import os
import re
import sys

NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?!\w)")
# In released files a number may carry a unit ("[    0.57s]" in job.log): still a released number.
RELEASED_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?!\d|\.\d)")
TEMPLATE = ["95% CI", "SHA-256"]


class Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def page_numbers(path):
    p = Text()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    text = "\n".join(p.parts)
    for t in TEMPLATE:
        text = text.replace(t, " ")
    return NUMBER.findall(text)


def released_values(folder):
    values = set()
    for name in sorted(os.listdir(folder)):
        if name == "report.html" or name.startswith("."):
            continue
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for tok in RELEASED_NUMBER.findall(f.read()):
                v = float(tok)
                if not math.isfinite(v):
                    continue
                values.add(v)
                values.add(float(round(v)))
                for k in (2, 3, 4):
                    values.add(float(f"{v:.{k}g}"))
    return values


def main():
    report, folder = sys.argv[1], sys.argv[2]
    expect_fail = "--expect-fail" in sys.argv[3:]
    shown = page_numbers(report)
    released = released_values(folder)
    missing = sorted({t for t in shown if float(t) not in released})
    print(f"{len(shown)} numbers on the page, {len(set(shown))} distinct; {len(released)} released values and roundings")
    if missing:
        print(f"{len(missing)} number(s) on the page stand in no released file: {missing[:20]}")
    if expect_fail:
        ok = bool(missing)
        print("PASS (the planted number was caught)" if ok else "FAIL: a planted number was not caught")
        return 0 if ok else 1
    if not shown:
        print("FAIL: the page shows no numbers at all")
        return 1
    print("PASS" if not missing else "FAIL")
    return 0 if not missing else 1


if __name__ == "__main__":
    sys.exit(main())
