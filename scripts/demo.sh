#!/usr/bin/env bash
# Quick start, command one: install the stack, build, and run the demo study.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh kohort
# The demo's store, job file and results go under build/ (ignored by git), not into the checkout,
# unless the caller names a folder with --dir.
case " $* " in
    *" --dir "*|*" --dir="*) build/bin/kohort demo "$@" ;;
    *) build/bin/kohort demo --dir build/kohort-demo "$@" ;;
esac
