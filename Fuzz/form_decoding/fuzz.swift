// libFuzzer target for the form and query decoder (`URLEncoding`, what every webhook and login
// form goes through). Invariants: nothing crashes; decoding is linear (bounded field count);
// a decoded form re-encoded and decoded again gives the same fields; percent-decoding agrees
// with the form decoder on a single value.

@testable import Web

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFormDecoding(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let fields = try? URLEncoding.decodeForm(bytes: bytes) else { return 0 }
    precondition(fields.count <= bytes.count + 1, "more fields than separators")
    let encoded = URLEncoding.encodeForm(fields)
    guard let again = try? URLEncoding.decodeForm(encoded) else {
        preconditionFailure("a re-encoded form does not decode: \(encoded.prefix(200))")
    }
    precondition(again.count == fields.count && zip(again, fields).allSatisfy { $0 == $1 },
                 "re-encoding changed the form")
    // The text decoder and the byte decoder agree.
    if let text = String(validating: bytes, as: UTF8.self), let fromText = try? URLEncoding.decodeForm(text) {
        precondition(fromText.count == fields.count && zip(fromText, fields).allSatisfy { $0 == $1 },
                     "text and byte form decoding differ")
    }
    if fields.count == 1, !bytes.contains(UInt8(ascii: "=")), !bytes.contains(UInt8(ascii: "&")),
       let text = String(validating: bytes, as: UTF8.self) {
        precondition((try? URLEncoding.percentDecode(text, plusAsSpace: true)) == fields[0].0,
                     "percentDecode differs from the form decoder")
    }
    return 0
}
