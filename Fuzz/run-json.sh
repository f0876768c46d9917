#!/usr/bin/env bash
# The JSON parser fuzzer for SECONDS (default 30); see scripts/fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/fuzz json "${1:-30}" -max_len=4096
