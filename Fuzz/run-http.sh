#!/usr/bin/env bash
# Builds the HTTP request parser fuzzer with libFuzzer + AddressSanitizer and runs it.
# Usage: Fuzz/run-http.sh [SECONDS]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
out=Fuzz/out
mkdir -p "$out" Fuzz/corpus-run/http_request
web=Sources/Web
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name FuzzHTTP \
  Fuzz/http_request/fuzz.swift \
  $web/HTTP/HTTPHeaders.swift $web/HTTP/HTTPStatus.swift $web/HTTP/HTTPRequestHead.swift $web/Errors/HTTPError.swift $web/Errors/HTTPErrorConvertible.swift $web/Routing/BodyLimit.swift \
  $web/HTTP/HTTPRequestParser.swift $web/HTTP/HTTPHeadParser.swift $web/HTTP/Request.swift \
  $web/HTTP/RequestTarget.swift $web/Server/Limits.swift $web/Server/TrustedProxies.swift \
  -o "$out/fuzz-http-request"
"$out/fuzz-http-request" -max_total_time="$seconds" -max_len=8192 -timeout=5 \
  Fuzz/corpus-run/http_request Fuzz/http_request/seeds
