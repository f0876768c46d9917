#!/usr/bin/env bash
# The form/query decoder fuzzer for SECONDS (default 30); see scripts/fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/fuzz form_decoding "${1:-30}" -max_len=4096
