#!/usr/bin/env bash
# jiceng's test command: every Rust test (unit, store contract tests, web integration tests),
# then the browser tests in headless Chromium against the built binary.
#
#   scripts/test.sh                      # SQLite only
#   JICENG_TEST_PG=postgres://jiceng:jiceng@127.0.0.1:5432/postgres scripts/test.sh
#                                        # SQLite and PostgreSQL (each contract test runs on both)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${JICENG_TEST_PG:-}" ]; then
  echo "note: JICENG_TEST_PG is not set; the PostgreSQL variants of the contract tests pass without running."
fi
cargo test --workspace --all-targets
cargo build -p jiceng
e2e/run.sh target/debug/jiceng
