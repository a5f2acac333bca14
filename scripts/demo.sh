#!/usr/bin/env bash
# Quick start, command one: install the stack, build, and run the demo study.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh kohort
build/bin/kohort demo "$@"
