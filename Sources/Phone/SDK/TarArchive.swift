/// The files of a tar archive (ustar, as `npm pack` writes it), read from memory: 512-byte
/// headers, each followed by its data padded to 512 bytes. Only regular files are kept.
public struct TarArchive: Sendable {
    public private(set) var files: [String: [UInt8]] = [:]

    public init(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset + 512 <= bytes.count {
            let header = Array(bytes[offset..<offset + 512])
            if header.allSatisfy({ $0 == 0 }) { break }  // the end: two zero blocks
            guard TarArchive.checksumMatches(header) else { throw SDKError("the tarball has a damaged header at byte \(offset)") }
            let name = TarArchive.text(header[0..<100])
            let prefix = TarArchive.text(header[345..<500])
            guard let size = Int(TarArchive.text(header[124..<136]).trimmingCharacters(), radix: 8), size >= 0 else {
                throw SDKError("the tarball has a bad size at byte \(offset)")
            }
            let type = header[156]
            let start = offset + 512
            guard start + size <= bytes.count else { throw SDKError("the tarball is cut short") }
            if type == UInt8(ascii: "0") || type == 0 {
                files[prefix.isEmpty ? name : prefix + "/" + name] = Array(bytes[start..<start + size])
            }
            offset = start + (size + 511) / 512 * 512
        }
    }

    static func text(_ field: ArraySlice<UInt8>) -> String {
        String(decoding: field.prefix(while: { $0 != 0 }), as: UTF8.self)
    }

    /// The header's checksum: the sum of its bytes with the checksum field read as spaces.
    static func checksumMatches(_ header: [UInt8]) -> Bool {
        guard let stored = Int(text(header[148..<156]).trimmingCharacters(), radix: 8) else { return false }
        var sum = 0
        for (index, byte) in header.enumerated() { sum += (148..<156).contains(index) ? 32 : Int(byte) }
        return sum == stored
    }
}

extension String {
    fileprivate func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\0" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\0" { s = s.dropLast() }
        return String(s)
    }
}
