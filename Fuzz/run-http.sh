#!/usr/bin/env bash
# The HTTP request parser and connection state machine fuzzer for SECONDS (default 30); see scripts/fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/fuzz http_request "${1:-30}" -max_len=8192
