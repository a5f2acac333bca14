#!/usr/bin/env bash
# Installs the Debian 12 packages kohort needs to build, test and run. Safe to run again.
# Run as root (or with sudo). Set KOHORT_SKIP_APT=1 to skip when the packages are known present.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config git ca-certificates
  # parallelism and storage
  libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools
  # numerics, command line, JSON, HMAC, formatting, tests
  libeigen3-dev libboost-program-options-dev nlohmann-json3-dev libssl-dev openssl libfmt-dev
  libgtest-dev googletest
  # reference implementations used at test time only
  r-base-core r-cran-survival r-cran-cmprsk r-cran-sandwich r-cran-jsonlite
  # GWAS conformance (plink2 --glm, --dummy, --export A)
  plink2
  # store readability checks (h5py) in tests
  python3 python3-h5py python3-numpy
  # a real local Slurm cluster for the end-to-end tests and kohort submit
  slurm-wlm slurm-client munge
  # libFuzzer targets (tests/fuzz, -DKOHORT_FUZZ=ON): clang, its runtime libraries, LLVM's OpenMP
  clang libclang-rt-14-dev libomp-dev
  # tools the tests and benchmarks use
  time procps bsdextrautils jq bc
  # report.html is tested in a real headless browser (tests/e2e/report)
  chromium
  # instruction counts for the CI regression benchmarks (bench/run.sh)
  valgrind
)

if [[ "${KOHORT_SKIP_APT:-0}" == "1" ]]; then
  exit 0
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root, or install sudo" >&2; exit 1; }
  SUDO="sudo"
fi
echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# Services from slurm-wlm/munge must not start at install time inside containers or chroots.
if [[ ! -x /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
