import Foundation

/// A malformed or unreadable file a user gave (a checkpoint, a config, a token file, a manifest), naming
/// the file and, where there is one, the tensor.
///
/// `finetuned/model.safetensors: tensor transformer.h.1.mlp.c_fc.weight: data offsets [81920, 90112)
/// run past the end of the data (86016 bytes)`
public struct FileError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    public var tensor: String?
    public var message: String

    public init(_ file: String, tensor: String? = nil, _ message: String) {
        (self.file, self.tensor, self.message) = (file, tensor, message)
    }

    public var description: String {
        "\(file): " + (tensor.map { "tensor \($0): " } ?? "") + message
    }
}

/// A file's bytes (memory-mapped when asked), or an error naming the file and the reason (`RegularFile`).
public func fileContents(_ path: String, mapped: Bool = false) throws(FileError) -> Data {
    do { return try RegularFile.contents(path, mapped: mapped) } catch { throw FileError(path, error.reason) }
}
