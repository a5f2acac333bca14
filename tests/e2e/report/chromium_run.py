#!/usr/bin/env python3
"""Runs headless Chromium on a local page and stops it once its output is complete.

Usage: chromium_run.py (--screenshot PNG --width W | --dump-dom OUT) [--netlog JSON] URL

Headless Chromium writes its screenshot or DOM within seconds but may then linger for half a
minute (its own background services time out with no network); this waits for the output, then
ends the browser's process group. Network is off for the page: every host resolves to nothing.
Chromium missing is a failure (exit 1), never a skip.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

CHROMIUM = os.environ.get("KOHORT_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--force-device-scale-factor=1", "--host-resolver-rules=MAP * ~NOTFOUND"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--screenshot")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=1800)
    ap.add_argument("--dump-dom")
    ap.add_argument("--netlog")
    ap.add_argument("--timeout", type=float, default=150)
    ap.add_argument("url")
    a = ap.parse_args()
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        print(f"FAIL: {CHROMIUM} is missing; scripts/install-deps.sh installs the Debian package chromium")
        return 1
    profile = tempfile.mkdtemp(prefix="kohort-chromium-")
    cmd = [CHROMIUM] + FLAGS + [f"--user-data-dir={profile}", f"--window-size={a.width},{a.height}"]
    if a.netlog:
        cmd.append(f"--log-net-log={a.netlog}")
    if a.screenshot:
        if os.path.exists(a.screenshot):
            os.remove(a.screenshot)
        cmd.append(f"--screenshot={a.screenshot}")
    else:
        cmd.append("--dump-dom")
    cmd.append(a.url)
    out = open(a.dump_dom or os.devnull, "wb")
    err = open(os.path.join(profile, "stderr.txt"), "wb")
    t0 = time.time()
    proc = subprocess.Popen(cmd, stdout=out, stderr=err, start_new_session=True)

    def done():
        if a.screenshot:
            return os.path.exists(a.screenshot) and b"bytes written to file" in open(err.name, "rb").read()
        return a.dump_dom and b"</html>" in open(a.dump_dom, "rb").read()

    ok = False
    while time.time() - t0 < a.timeout:
        if done():
            ok = True
            time.sleep(1.0)  # let the net log catch up
            break
        if proc.poll() is not None:
            ok = done()
            break
        time.sleep(0.25)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    out.close()
    err.close()
    if not ok:
        print(f"FAIL: chromium produced no output in {a.timeout:.0f} s; its stderr:")
        sys.stdout.write(open(err.name, errors="replace").read()[-3000:])
    else:
        print(f"chromium: {'screenshot ' + a.screenshot if a.screenshot else 'DOM ' + a.dump_dom} in {time.time() - t0:.1f} s")
    shutil.rmtree(profile, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
