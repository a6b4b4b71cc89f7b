import Foundation

/// A 64-bit content checksum (FNV-1a), to notice that a cached file was replaced or altered: not a
/// cryptographic hash, and not meant to stand against a forger.
public enum Checksum {
    /// FNV-1a over `data`, as 16 hexadecimal digits.
    /// - Complexity: O(n) in the bytes.
    public static func fnv1a64(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
