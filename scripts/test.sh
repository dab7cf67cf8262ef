#!/usr/bin/env bash
# The test command (README "Run the tests"): installs what the tests need, then runs every test
# of the workspace, including the corpus harness over ../shared/corpus and test-corpus/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-deps.sh
exec cargo test --workspace --no-fail-fast "$@"
