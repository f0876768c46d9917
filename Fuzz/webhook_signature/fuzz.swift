// libFuzzer entry for what the webhook gate does with a stranger's body: the form decoder
// (`URLEncoding.decodeForm(bytes:)`, as `Request.formItems` calls it) and the signature builder
// (`RequestSignature.signedParameterBytes`), checked against a plain reference of Twilio's rule
// (sorted names, each name's sorted set of values), for any order of the same pairs.

@testable import Web

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebhookSignature(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let pairs = try? URLEncoding.decodeForm(bytes: bytes) else { return 0 }
    var ampersands = 0
    for byte in bytes where byte == UInt8(ascii: "&") { ampersands += 1 }
    precondition(pairs.count <= ampersands + 1, "more fields than the gate's count allows for")

    let signed = RequestSignature.signedParameterBytes(pairs)
    precondition(signed == reference(pairs), "signed bytes differ from the reference rule")
    precondition(RequestSignature.signedParameterBytes(pairs.reversed()) == signed, "order of the pairs changed the signed bytes")

    let signature = RequestSignature(key: "fuzz-key", algorithm: size % 2 == 0 ? .hmacSHA1 : .hmacSHA256)
    let url = "https://phone.example.com/voice"
    let expected = signature.expected(url: url, parameters: pairs)
    precondition(signature.isValid(signature: expected, url: url, parameters: pairs), "own signature refused")
    precondition(!signature.isValid(signature: expected, url: url + "x", parameters: pairs), "signature ignores the URL")
    return 0
}

/// Twilio's validators, literally: names sorted by bytes, each name's values as a set, sorted.
private func reference(_ pairs: [(String, String)]) -> [UInt8] {
    var names: [[UInt8]] = []
    var values: [[UInt8]: [[UInt8]]] = [:]
    for (name, value) in pairs {
        let key = Array(name.utf8)
        if values[key] == nil { names.append(key) }
        if !(values[key] ?? []).contains(Array(value.utf8)) { values[key, default: []].append(Array(value.utf8)) }
    }
    var out: [UInt8] = []
    for name in names.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
        for value in (values[name] ?? []).sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            out += name
            out += value
        }
    }
    return out
}
