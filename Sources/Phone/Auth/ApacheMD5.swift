/// Apache's `$apr1$` password hash: the FreeBSD MD5-crypt scheme with Apache's magic string.
/// libxcrypt does not implement it, so it is computed here on OpenSSL's MD5.
enum ApacheMD5 {
    static let magic = Array("$apr1$".utf8)
    /// The alphabet of crypt(3)'s base-64: `./0-9A-Za-z`.
    static let crypt64 = Array("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// `$apr1$<salt>$<22 characters>`; only the first 8 bytes of `salt` count.
    static func hash(password: [UInt8], salt: [UInt8]) -> String {
        let salt = Array(salt.prefix(8))

        // The "alternate" sum: password, salt, password.
        let alternate = MessageDigest.md5(password + salt + password)

        // The main sum: password, magic, salt, then the alternate sum repeated to the
        // password's length, then one byte per bit of the length (low bit first):
        // a zero byte for a 1 bit, the password's first byte for a 0 bit.
        var input = password + magic + salt
        var remaining = password.count
        while remaining > 0 {
            input += alternate.prefix(min(16, remaining))
            remaining -= 16
        }
        var bits = password.count
        while bits > 0 {
            input.append(bits & 1 == 1 ? 0 : (password.first ?? 0))
            bits >>= 1
        }
        var sum = MessageDigest.md5(input)

        // 1000 rounds that mix password, salt and the previous sum in an order set by the round
        // number; they exist only to make guessing slower.
        for round in 0..<1000 {
            var block: [UInt8] = round & 1 == 1 ? password : sum
            if round % 3 != 0 { block += salt }
            if round % 7 != 0 { block += password }
            block += round & 1 == 1 ? sum : password
            sum = MessageDigest.md5(block)
        }

        // The 16 bytes go out as 22 crypt64 characters, in groups of three bytes in this order.
        var out = magic + salt + [UInt8(ascii: "$")]
        func put(_ a: UInt8, _ b: UInt8, _ c: UInt8, count: Int) {
            var value = UInt32(a) << 16 | UInt32(b) << 8 | UInt32(c)
            for _ in 0..<count {
                out.append(crypt64[Int(value & 63)])
                value >>= 6
            }
        }
        put(sum[0], sum[6], sum[12], count: 4)
        put(sum[1], sum[7], sum[13], count: 4)
        put(sum[2], sum[8], sum[14], count: 4)
        put(sum[3], sum[9], sum[15], count: 4)
        put(sum[4], sum[10], sum[5], count: 4)
        put(0, 0, sum[11], count: 2)
        return String(decoding: out, as: UTF8.self)
    }

    /// A fresh 8-character salt from the crypt64 alphabet.
    static func randomSalt() -> [UInt8] {
        SecureRandom.bytes(8).map { crypt64[Int($0 & 63)] }
    }
}
