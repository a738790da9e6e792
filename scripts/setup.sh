#!/usr/bin/env bash
# Installs claimgraph's build dependencies (Debian packages) and builds the
# project into build/ (Release). Safe to run again: apt is skipped when every
# package is already installed, and the build is incremental.
#
#   ./scripts/setup.sh
#
# Environment: BUILD_DIR (default build), JOBS (default: number of CPUs).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

PACKAGES=(
  build-essential cmake pkg-config
  libyaml-cpp-dev libfmt-dev libboost-program-options-dev libsimdjson-dev libsqlite3-dev
  catch2 libbenchmark-dev
)

say() { printf '==> %s\n' "$*"; }

missing=()
for pkg in "${PACKAGES[@]}"; do
  # dpkg -s also succeeds for removed-but-configured packages; check the status.
  status=$(dpkg -s "$pkg" 2>/dev/null || true)
  if ! grep -qx 'Status: install ok installed' <<<"$status"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  say "dependencies: all ${#PACKAGES[@]} packages already installed"
else
  say "dependencies: installing ${missing[*]}"
  if [[ $(id -u) -eq 0 ]]; then
    SUDO=()
  elif command -v sudo >/dev/null; then
    SUDO=(sudo)
  else
    echo "error: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update
  "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

say "configure: cmake -S . -B $BUILD_DIR -DCMAKE_BUILD_TYPE=Release"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release

say "build: cmake --build $BUILD_DIR -j$JOBS"
cmake --build "$BUILD_DIR" -j"$JOBS"

say "done: $BUILD_DIR/claimgraph is ready (try: $BUILD_DIR/claimgraph check rules/demo-city-2026.yaml)"
