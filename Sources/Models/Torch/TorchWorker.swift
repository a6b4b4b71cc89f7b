import _Files
import Foundation

/// The PyTorch worker process (`python -m lensllm.worker`, the repository's `python/` package) and its
/// binary pipe: one request, one answer, each an 8-byte little-endian header length, a JSON header and
/// `floats` raw little-endian Float64 numbers (python/lensllm/protocol.py writes and reads the same).
///
/// A worker that dies is an error naming its exit and the last lines it wrote to stderr; one that does not
/// answer within `timeout` seconds is stopped and named as hung. Never a number from a broken exchange.
/// Requests are serialised: one thread at a time talks to the worker.
public final class TorchWorker: @unchecked Sendable {
    private let process = Process()
    private let input: FileHandle, output: FileHandle
    private let lock = NSLock()
    private let stderrTail = StderrTail()
    public let timeout: Double
    /// The worker's process id.
    public var processIdentifier: Int32 { process.processIdentifier }
    private let command: String
    private var broken: EngineError?

    /// Starts `python -m lensllm.worker` and checks that it speaks the protocol.
    /// - Parameter timeout: seconds the worker may take to answer one request (loading a model included).
    public init(python: String, timeout: Double) throws(EngineError) {
        precondition(1.littleEndian == 1, "the worker's protocol sends little-endian numbers as this host stores them")
        signal(SIGPIPE, SIG_IGN)  // a dead worker's pipe is an error from write, not a signal that kills lens
        command = "\(python) -m lensllm.worker"
        self.timeout = timeout
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-m", "lensllm.worker"]
        (process.standardInput, process.standardOutput, process.standardError) = (stdin, stdout, stderr)
        (input, output) = (stdin.fileHandleForWriting, stdout.fileHandleForReading)
        let tail = stderrTail
        stderr.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil } else { tail.append(data) }  // at the end of the pipe, stop watching it
        }
        do { try process.run() } catch {
            throw EngineError("\(command): could not start (\(error.localizedDescription)); install the worker with scripts/install-worker")
        }
        let answer = try request(["command": "hello"])
        guard answer.header["protocol"] as? Int == 1 else {
            throw EngineError("\(command): speaks protocol \(answer.header["protocol"] ?? "none"), lens speaks 1; reinstall the worker (scripts/install-worker)")
        }
    }

    deinit {
        if process.isRunning {
            _ = try? send(["command": "quit"], payload: nil)
            try? input.close()
            process.terminate()
        }
    }

    /// One exchange: `header` (and `payload`) out, the answer's header and numbers back. An answer with
    /// `"ok": false` is thrown as the worker's error.
    public func request(_ header: [String: Any], payload: UnsafeBufferPointer<Double>? = nil) throws(EngineError) -> (header: [String: Any], payload: [Double]) {
        var numbers: [Double] = []
        let answer = try request(header, payload: payload) { count throws(EngineError) in
            numbers = try self.readFloats(count)
        }
        return (answer, numbers)
    }

    /// `request` with the answer's numbers read straight into `result` (which must have their count).
    public func request(_ header: [String: Any], payload: UnsafeBufferPointer<Double>?, into result: UnsafeMutableBufferPointer<Double>) throws(EngineError) -> [String: Any] {
        try request(header, payload: payload) { count throws(EngineError) in
            guard count == result.count else { throw self.fail("answered \(count) numbers where \(result.count) were expected") }
            if let error = self.fill(UnsafeMutableRawBufferPointer(result)) { throw error }
        }
    }

    private func request(_ header: [String: Any], payload: UnsafeBufferPointer<Double>?,
                         readPayload: (Int) throws(EngineError) -> Void) throws(EngineError) -> [String: Any] {
        lock.lock()
        defer { lock.unlock() }
        if let broken { throw broken }
        let what = header["command"] as? String ?? "request"
        // The watchdog: a worker that has not answered in time is stopped, which ends the read below.
        let expired = Flag()
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem {
            expired.set()
            kill(pid, SIGKILL)  // SIGTERM may be ignored (a disposition inherited from lens's own parent)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        defer { watchdog.cancel() }
        do throws(EngineError) {
            try send(header, payload: payload)
            let length = try readUInt64()
            guard length < 1 << 30 else { throw fail("sent a header of \(length) bytes") }
            var text = [UInt8](repeating: 0, count: Int(length))
            if let error = text.withUnsafeMutableBytes({ fill($0) }) { throw error }
            guard case .success(let tree) = JSON.parse(Data(text)), let answer = tree as? [String: Any] else {
                throw fail("sent a header that is not a JSON object")
            }
            let count = answer["floats"] as? Int ?? 0
            try readPayload(count)
            guard answer["ok"] as? Bool == true else {
                throw EngineError("\(command): \(what) failed: \(answer["error"] as? String ?? "no reason given")")
            }
            return answer
        } catch {
            if expired.isSet {
                broken = EngineError("\(command): no answer to \(what) within \(Int(timeout)) s; the worker was stopped (--worker-timeout sets the limit)")
                throw broken!
            }
            throw error
        }
    }

    /// The header, then the payload written from the caller's buffer (no copy of a vector that may be hundreds
    /// of megabytes); the protocol's numbers are little-endian, as this host's are (`init` checks).
    private func send(_ header: [String: Any], payload: UnsafeBufferPointer<Double>?) throws(EngineError) {
        var header = header
        header["floats"] = payload?.count ?? 0
        let body = JSON.data(header, pretty: false)
        var frame = Data()
        withUnsafeBytes(of: UInt64(body.count).littleEndian) { frame.append(contentsOf: $0) }
        frame.append(body)
        do {
            try input.write(contentsOf: frame)
            if let payload { try input.write(contentsOf: UnsafeRawBufferPointer(payload)) }
        } catch { throw fail("could not be written to (\(error.localizedDescription))") }
    }

    private func readUInt64() throws(EngineError) -> UInt64 {
        var value: UInt64 = 0
        if let error = withUnsafeMutableBytes(of: &value, { fill($0) }) { throw error }
        return UInt64(littleEndian: value)
    }

    private func readFloats(_ count: Int) throws(EngineError) -> [Double] {
        var numbers = [Double](repeating: 0, count: count)
        if let error = numbers.withUnsafeMutableBytes({ fill($0) }) { throw error }
        return numbers
    }

    /// Fills `buffer` from the worker's stdout; the error if the pipe ends first.
    private func fill(_ buffer: UnsafeMutableRawBufferPointer) -> EngineError? {
        var filled = 0
        while filled < buffer.count {
            let n = read(output.fileDescriptor, buffer.baseAddress! + filled, buffer.count - filled)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return fail("stopped answering") }
            filled += n
        }
        return nil
    }

    /// The worker as broken: its exit and the last of its stderr.
    private func fail(_ what: String) -> EngineError {
        Thread.sleep(forTimeInterval: 0.1)  // the exit status and the last stderr lines arrive a moment after the pipe closes
        let exit = process.isRunning ? "still running" : "exited with status \(process.terminationStatus)"
        let tail = stderrTail.lastLines(8)
        let error = EngineError("\(command): the worker \(what) (\(exit))" + (tail.isEmpty ? "" : "; its last words:\n" + tail))
        broken = error
        return error
    }

    private final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        func set() { lock.withLock { value = true } }
        var isSet: Bool { lock.withLock { value } }
    }

    /// The last 16 kB the worker wrote to stderr.
    private final class StderrTail: @unchecked Sendable {
        private let lock = NSLock()
        private var bytes = Data()
        func append(_ data: Data) {
            lock.withLock {
                bytes.append(data)
                if bytes.count > 16_384 { bytes = bytes.suffix(16_384) }
            }
        }
        func lastLines(_ count: Int) -> String {
            lock.withLock { String(decoding: bytes, as: UTF8.self).split(separator: "\n").suffix(count).joined(separator: "\n") }
        }
    }
}
