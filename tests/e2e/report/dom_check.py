#!/usr/bin/env python3
"""Checks Chromium's rendered DOM (--dump-dom) of report.html against the released results.json.

Usage: dom_check.py DOM.html OUTPUT_FOLDER [--disclosure-value TEXT]...

- a Content-Security-Policy meta forbidding every load (default-src 'none', no script);
- no URL of any scheme that loads (http, https, ws, ftp, //host) and no <script>, <link>, <img>, <iframe>;
- the header, the cohort flow (an SVG with <title> and <desc>) and the output checker's section;
- every model of results.json: its section, a table with <th> header cells, and for a model with a
  released SVG the plot inline with <title> and <desc>; for km/cif a risk table;
- every released file listed in the checker's table;
- each --disclosure-value text shown in the checker's section.
"""
import html.parser
import json
import os
import re
import sys


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children, self.text = tag, dict(attrs), parent, [], ""


VOID = {"meta", "br", "link", "img", "input", "hr", "col", "area", "base", "source", "wbr", "embed"}


class Tree(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.text += data


def walk(n):
    yield n
    for c in n.children:
        yield from walk(c)


def text_of(n):
    return n.text + "".join(text_of(c) for c in n.children)


def main():
    dom_path, folder = sys.argv[1], sys.argv[2]
    wanted = [sys.argv[i + 1] for i, a in enumerate(sys.argv) if a == "--disclosure-value"]
    dom = open(dom_path, encoding="utf-8").read()
    t = Tree()
    t.feed(dom)
    nodes = list(walk(t.root))
    by_id = {n.attrs.get("id"): n for n in nodes if n.attrs.get("id")}
    failures = []

    def need(cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            failures.append(what)

    csp = [n.attrs.get("content", "") for n in nodes
           if n.tag == "meta" and n.attrs.get("http-equiv", "").lower() == "content-security-policy"]
    need(bool(csp) and "default-src 'none'" in csp[0] and "script-src 'none'" in csp[0],
         "Content-Security-Policy meta forbids every load and script: " + (csp[0] if csp else "none"))
    urls = re.findall(r"(?:https?|wss?|ftp)://[^\s\"'<>]*|(?:src|href)\s*=\s*[\"']//[^\"']*", dom, re.I)
    need(not urls, f"no network URL in the page ({urls[:3]})")
    loaders = [n.tag for n in nodes if n.tag in ("script", "link", "img", "iframe", "object", "embed", "image", "use")]
    need(not loaders, f"no element that loads anything ({loaders[:5]})")

    need("job" in by_id, "job header present")
    need("checker" in by_id, "output checker's section present")
    results = json.load(open(os.path.join(folder, "results.json")))
    svgs = [n for n in nodes if n.tag == "svg"]
    for s in svgs:
        kids = [c.tag for c in s.children]
        need("title" in kids and "desc" in kids and text_of(next(c for c in s.children if c.tag == "desc")).strip(),
             f"plot {s.attrs.get('id')} has a <title> and a non-empty <desc>")
    if results.get("derived_tables"):
        flows = [s for s in svgs if (s.attrs.get("id") or "").startswith("flow-")]
        need(bool(flows) and "cohort" in by_id, f"cohort flow diagram present ({len(flows)})")
    for table in (n for n in nodes if n.tag == "table"):
        need(any(n.tag == "th" for n in walk(table)), "a table has <th> header cells: " +
             text_of(next((c for c in table.children if c.tag == "caption"), Node("x", [], None)))[:60])
    for name, model in results["models"].items():
        sec = by_id.get("model-" + re.sub(r"[^A-Za-z0-9_-]", "_", name))
        need(sec is not None, f"model {name}: section present")
        if sec is None:
            continue
        inside = list(walk(sec))
        tables = [n for n in inside if n.tag == "table"]
        need(bool(tables) and all(any(x.tag == "th" for x in walk(tb)) for tb in tables),
             f"model {name}: {len(tables)} table(s), each with <th>")
        if os.path.exists(os.path.join(folder, name + ".svg")):
            plots = [n for n in inside if n.tag == "svg"]
            need(len(plots) == 1, f"model {name}: its plot inline ({len(plots)})")
        if model.get("kind") in ("km", "cif"):
            need(any("Risk table" in text_of(c) for tb in tables for c in tb.children if c.tag == "caption"),
                 f"model {name}: risk table present")
        if model.get("coefficients"):
            need(any("Estimates" in text_of(c) for tb in tables for c in tb.children if c.tag == "caption"),
                 f"model {name}: estimates table present")
    checker = text_of(by_id["checker"]) if "checker" in by_id else ""
    for f in sorted(os.listdir(folder)):
        if not f.startswith("."):
            need(f in checker, f"released file {f} listed in the checker's view")
    for v in wanted:
        need(v in checker, f"disclosure.json entry '{v}' shown in the checker's view")
    print("PASS" if not failures else f"FAIL: {len(failures)} check(s) failed")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
