import Foundation

/// The plain reason behind a Foundation file-system error, as `strerror` words it ("No such file or
/// directory", "Is a directory", "File exists", "Permission denied", "No space left on device"),
/// instead of "Error Domain=NSCocoaErrorDomain Code=516 ..." or "The operation could not be completed".
/// Files and directories that are not what a command expects get their own words.
public func fileSystemReason(_ error: Error, path: String? = nil) -> String {
    let ns = error as NSError
    var code: Int32?
    if ns.domain == NSPOSIXErrorDomain { code = Int32(ns.code) }
    if code == nil, let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        code = Int32(underlying.code)
    }
    if code == nil, ns.domain == NSCocoaErrorDomain {
        switch ns.code {
        case NSFileNoSuchFileError, NSFileReadNoSuchFileError: code = ENOENT
        case NSFileReadNoPermissionError, NSFileWriteNoPermissionError: code = EACCES
        case NSFileWriteFileExistsError: code = EEXIST
        case NSFileWriteOutOfSpaceError: code = ENOSPC
        case NSFileWriteVolumeReadOnlyError: code = EROFS
        default: break
        }
    }
    if code == nil, let path {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            code = isDirectory.boolValue ? EISDIR : nil
        } else {
            code = ENOENT
        }
    }
    guard let code else { return ns.localizedDescription }
    return posixReason(code)
}

/// `strerror`'s words for an errno, with the two that mislead in this setting said plainly.
public func posixReason(_ code: Int32) -> String {
    switch code {
    case EEXIST: return "a file is in the way (File exists)"
    case ENOTDIR: return "a path component is a file, not a directory (Not a directory)"
    default: return String(cString: strerror(code))
    }
}

/// Why `JSONSerialization` refused some bytes, in its own words when it gives them ("Unexpected end of
/// file while parsing object", with the character position) rather than "The data is not in the
/// correct format".
public func jsonReason(_ error: Error) -> String {
    let ns = error as NSError
    return (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
}
