#!/usr/bin/env bash
# The WebSocket fuzzers (frames + reassembly, inflate) for SECONDS each (default 60); see scripts/fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."
for target in websocket_frame inflate; do scripts/fuzz "$target" "${1:-60}"; done
