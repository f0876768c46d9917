#!/usr/bin/env bash
# Builds the webhook fuzzer (form decoding + the signature builder the gate uses) with
# libFuzzer + AddressSanitizer and runs it.
# Usage: Fuzz/run-webhook.sh [SECONDS]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
out=Fuzz/out
mkdir -p "$out" Fuzz/corpus-run/webhook_signature
web=Sources/Web
phone=Sources/Phone
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name FuzzWebhook \
  -I Sources/System/COpenSSL \
  Fuzz/webhook_signature/fuzz.swift \
  $web/Routing/URLEncoding.swift $web/Routing/URLEncodingError.swift \
  $web/HTTP/HTTPHeaders.swift $web/HTTP/HTTPStatus.swift $web/HTTP/HTTPRequestHead.swift $web/Errors/HTTPError.swift $web/Errors/HTTPErrorConvertible.swift $web/Routing/BodyLimit.swift \
  $web/HTTP/HTTPRequestParser.swift $web/HTTP/HTTPHeadParser.swift $web/HTTP/Request.swift \
  $web/HTTP/RequestTarget.swift $web/Server/Limits.swift $web/Server/TrustedProxies.swift \
  $phone/Twilio/RequestSignature.swift $phone/Crypto/HMAC.swift $phone/Encoding/Base64.swift \
  -o "$out/fuzz-webhook-signature"
"$out/fuzz-webhook-signature" -max_total_time="$seconds" -max_len=4096 -timeout=5 \
  Fuzz/corpus-run/webhook_signature Fuzz/webhook_signature/seeds
