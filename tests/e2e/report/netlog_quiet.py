#!/usr/bin/env python3
"""Chromium's net log (--log-net-log) of loading report.html holds no request that the page made.

Usage: netlog_quiet.py NETLOG.json [--expect-request]

Chromium itself asks for updates and accounts in the background, whatever the flags; those requests
carry the initiator "not an origin". A request the page makes (a subresource, a prefetch, a form)
carries the page's origin ("null" for file://). The check fails on any URL_REQUEST_START_JOB whose
initiator is not "not an origin". With --expect-request it passes only when such a request is seen
(the positive control: a page that does load a remote image must be caught).
"""
import json
import re
import sys


def read_log(path):
    """The net log, also when Chromium was stopped before it closed the JSON (one event a line)."""
    text = open(path, encoding="utf-8", errors="replace").read()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    lines = text.splitlines()
    head = json.loads(lines[0].rstrip(",").rstrip() + "}") if lines and lines[0].startswith('{"constants"') else None
    if head is None:  # constants may span the first line and the "events" key the second
        head = json.loads(lines[0][:lines[0].rindex('"events"')].rstrip().rstrip(",") + "}")
    events = []
    for line in lines[1:]:
        line = line.strip().rstrip(",")
        if line.startswith("{"):
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                break  # the last line may be cut short
    head["events"] = events
    return head


def main():
    log = read_log(sys.argv[1])
    expect = "--expect-request" in sys.argv[2:]
    events = log.get("events", [])
    names = {v: k for k, v in log.get("constants", {}).get("logEventTypes", {}).items()}
    page, browser = [], []
    for e in events:
        params = e.get("params", {}) or {}
        if names.get(e.get("type")) == "URL_REQUEST_START_JOB" and "url" in params:
            (browser if params.get("initiator") == "not an origin" else page).append(
                f"{params.get('initiator')} -> {params['url'][:80]}")
    print(f"{len(events)} net-log events; {len(page)} request(s) by the page, {len(browser)} by Chromium itself")
    for r in page[:10]:
        print("  page request:", r)
    if not events:
        print("FAIL: the net log is empty (was it written?)")
        return 1
    if expect:
        print("PASS (the page's request was seen)" if page else "FAIL: the control page's request was not seen")
        return 0 if page else 1
    print("PASS" if not page else "FAIL")
    return 0 if not page else 1


if __name__ == "__main__":
    sys.exit(main())
