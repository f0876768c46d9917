// libFuzzer target for the JSON parser (`JSONParser`): every JSON body a browser posts, Twilio's
// REST answers, and the files people import go through it. Invariants: nothing crashes or
// recurses past `maximumDepth`; what parses, written out (`JSON.text`) and parsed again, is the
// same value, and writing that value gives the same text again.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let value = try? JSONParser.parse(bytes) else { return 0 }
    let text = value.text
    guard let again = try? JSONParser.parse(text) else {
        preconditionFailure("written JSON does not parse again: \(text.prefix(200))")
    }
    precondition(again == value, "writing and parsing again changed the value: \(text.prefix(200))")
    precondition(again.text == text, "writing the parsed value again changed the text: \(text.prefix(200))")
    return 0
}
