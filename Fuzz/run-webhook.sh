#!/usr/bin/env bash
# The webhook gate's fuzzer (form decoding + signature builder) for SECONDS (default 30); see scripts/fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/fuzz webhook_signature "${1:-30}" -max_len=4096
