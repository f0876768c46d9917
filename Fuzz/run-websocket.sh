#!/usr/bin/env bash
# Builds the WebSocket libFuzzer targets (Fuzz/websocket_frame, Fuzz/inflate) with
# -sanitize=fuzzer,address and runs each for SECONDS (default 60), starting from its seeds/.
# Crashes are written to Fuzz/out/<target>/ ; the working corpus lives in Fuzz/corpus-run/.
#   Fuzz/run-websocket.sh 120
set -euo pipefail
SECONDS_EACH="${1:-60}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WS="$ROOT/Sources/Web/WebSocket"
OUT="$ROOT/Fuzz/out"
mkdir -p "$OUT"

# Only the pure codec files: no sockets, no logging, zlib through the CZlib module map.
CODEC=(
  "$WS/WebSocketOpcode.swift" "$WS/WebSocketCloseCode.swift" "$WS/WebSocketError.swift"
  "$WS/WebSocketMaskingKey.swift" "$WS/WebSocketFrame.swift" "$WS/WebSocketFrameDecoder.swift"
  "$WS/WebSocketFrameCollector.swift" "$WS/WebSocketFrameEncoder.swift" "$WS/UTF8Validator.swift"
  "$WS/WebSocketMessage.swift" "$WS/WebSocketMessageReader.swift" "$WS/WebSocketExtension.swift"
  "$WS/PerMessageDeflate.swift" "$WS/Inflater.swift" "$WS/Deflater.swift"
)

build() {
  local name="$1"
  echo "building $name"
  swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
    -I "$ROOT/Sources/System/CZlib" -lz \
    "$ROOT/Fuzz/$name/fuzz.swift" "${CODEC[@]}" -o "$OUT/$name"
}

run() {
  local name="$1"
  local corpus="$ROOT/Fuzz/corpus-run/$name"
  mkdir -p "$corpus" "$OUT/$name-artifacts"
  echo "running $name for ${SECONDS_EACH}s"
  "$OUT/$name" -max_total_time="$SECONDS_EACH" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$OUT/$name-artifacts/" -print_final_stats=1 \
    "$corpus" "$ROOT/Fuzz/$name/seeds"
}

for target in websocket_frame inflate; do build "$target"; done
for target in websocket_frame inflate; do run "$target"; done
