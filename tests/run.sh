#!/usr/bin/env bash
# skiff's test command: formatting, lints, then the whole test suite.
# Run from anywhere; needs the machine prepared by `sudo tests/env/setup.sh` for the integration
# tests. Every phase runs even if an earlier one failed, so one run shows all problems; the exit
# status is non-zero if any phase failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v cargo >/dev/null && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi

failed=()
phase() {
    local name=$1; shift
    echo "==> $name: $*"
    if ! "$@"; then
        echo "==> $name FAILED" >&2
        failed+=("$name")
    fi
}

phase fmt cargo fmt --all -- --check
phase clippy cargo clippy --all-targets -- -D warnings
if cargo nextest --version >/dev/null 2>&1; then
    phase tests cargo nextest run --no-fail-fast
else
    phase tests cargo test --no-fail-fast
fi

if [ "${#failed[@]}" -gt 0 ]; then
    echo "tests/run.sh: failed phases: ${failed[*]}" >&2
    exit 1
fi
