#!/usr/bin/env bash
# Builds claimgraph (via setup.sh) and runs the whole test suite.
#
#   ./scripts/test.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD_DIR=${BUILD_DIR:-build}
export BUILD_DIR

./scripts/setup.sh

printf '==> test: ctest --test-dir %s --output-on-failure -j2\n' "$BUILD_DIR"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j2
