import CLinux
import Glibc

/// What speaks a protocol on a connection: HTTP/1 first, WebSocket after an upgrade.
/// Every method is called on the connection's loop thread.
public protocol ConnectionHandler: AnyObject {
    /// Bytes just read. They are only valid during the call: keep a copy of what is unconsumed.
    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer)
    /// The outbound queue has been written out completely (a `write` that the socket took
    /// whole, with nothing queued before it, never queued anything and is not a drain).
    func connectionDidDrain(_ connection: Connection)
    /// Part of the outbound queue was written and the rest waits for the socket: the peer is
    /// reading. A handler that times out a peer who does not read counts from here.
    func connectionWroteSome(_ connection: Connection)
    /// `connection.deadline` has passed.
    func connectionDeadlinePassed(_ connection: Connection)
    /// The peer closed its side (EOF). The handler decides whether to close now or after flushing.
    func connectionReadEnded(_ connection: Connection)
    /// The connection is closed; called once.
    func connectionDidClose(_ connection: Connection)
    /// The server is shutting down: finish politely (a WebSocket sends close 1001).
    func connectionServerIsStopping(_ connection: Connection)
}

extension ConnectionHandler {
    public func connectionDidDrain(_ connection: Connection) {}
    public func connectionWroteSome(_ connection: Connection) {}
    public func connectionReadEnded(_ connection: Connection) { connection.close() }
    public func connectionDidClose(_ connection: Connection) {}
    public func connectionServerIsStopping(_ connection: Connection) { connection.closeAfterFlush() }
}

/// One accepted socket on one loop: a bounded outbound queue written with `writev`,
/// a deadline the loop checks four times a second, and the handler that speaks on it.
public final class Connection: @unchecked Sendable {
    public let loop: EventLoop
    public let fd: Int32
    /// This connection's slot in `loop.directSend`, once its handler took one; -1 before.
    private var directSendSlot: Int32 = -1
    /// Peer address and trust (`peerIsTrustedProxy`, kept with the small fields below), as seen on the socket.
    public let peerAddress: String
    /// Who speaks on the connection now. Its storage and `deadline`'s and `queuedBytes`' are
    /// private and only ever loaded, stored or swapped: the optimizer can then prove no two
    /// accesses overlap, and Swift checks none of them at run time (each is read per event).
    public var handler: ConnectionHandler { handlerStorage }
    private var handlerStorage: ConnectionHandler
    /// The server's limits, held once for all its connections.
    private let sharedLimits: SharedLimits
    public var limits: Limits { sharedLimits.limits }
    /// Monotonic ms after which the handler is told; 0 = none.
    public var deadline: UInt64 {
        get { deadlineMillis }
        set { deadlineMillis = newValue }
    }
    private var deadlineMillis: UInt64 = 0
    /// Bytes queued and not yet written to the socket; 0 exactly when `outbound` is empty
    /// (nothing empty is queued), so the hot paths ask this instead of the array.
    public var queuedBytes: Int { queuedByteCount }
    private var queuedByteCount = 0
    private var outbound: [[UInt8]] = []
    /// The files queued in `outbound`, in order. Each one's place there is an empty array
    /// (`enqueue` never queues an empty one); it is sent with `sendfile` when it reaches the front.
    private var queuedFiles: [FileBody] = []
    private var firstOffset = 0
    private var phase = Phase.open
    /// What epoll is asked to report; mirrors the last `modify`.
    private var interest = Interest()
    // Here, beside the other one-byte fields, so the object stays in a smaller allocation.
    public let peerIsTrustedProxy: Bool
    weak var server: HTTPServer?

    /// How far the socket is from closed.
    private enum Phase {
        case open
        /// `closeAfterFlush` was called: writing out what is queued, then lingering.
        case flushingToClose
        /// Write side shut; reading and dropping input for `Limits.lingerMillis`.
        case lingering
        case closed
    }

    /// The epoll registration: reading can be paused (backpressure), writable only while output waits.
    private struct Interest {
        var readingPaused = false
        var writable = false
    }

    public var isOpen: Bool { phase != .closed }

    init(loop: EventLoop, fd: Int32, peerAddress: String, peerIsTrustedProxy: Bool, limits: SharedLimits,
         handler: ConnectionHandler) {
        self.loop = loop
        self.fd = fd
        self.peerAddress = peerAddress
        self.peerIsTrustedProxy = peerIsTrustedProxy
        self.sharedLimits = limits
        self.handlerStorage = handler
    }

    /// Sets the deadline `millis` from now.
    public func setDeadline(afterMillis millis: Int) {
        deadline = monotonicMillis() + UInt64(max(1, millis))
    }

    public func clearDeadline() { deadline = 0 }

    /// Replaces the handler (after a protocol upgrade).
    public func switchHandler(to newHandler: ConnectionHandler) {
        // Swapped: the old handler is released after the access, not inside it.
        var replaced = newHandler
        swap(&replaced, &handlerStorage)
    }

    /// Writes as much as the socket takes now and queues the rest. Loop thread only.
    /// With nothing queued the bytes go straight to `send` (the array is kept only if the
    /// socket does not take it all), so a frame shared by many sockets costs one syscall each.
    public func write(_ bytes: [UInt8]) {
        guard queuedByteCount == 0, phase == .open, !bytes.isEmpty else {
            enqueue(bytes)
            flushQueued()
            return
        }
        let written = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if written == bytes.count { return }
        queueUnsent(bytes, afterSending: written, error: written < 0 ? errno : 0)
    }

    /// A `send` of `bytes` with nothing queued returned `written` (-1: `error`): queues the rest,
    /// or closes on an error other than a full socket. Loop thread only.
    func queueUnsent(_ bytes: [UInt8], afterSending written: Int, error: Int32) {
        if written < 0 {
            guard error == EAGAIN || error == EWOULDBLOCK || error == EINTR else {
                close()
                return
            }
        }
        enqueue(bytes)
        if written > 0 { consume(written) }
        flush()
    }

    /// Takes a slot in the loop's `DirectSendTable` for this connection (a WebSocket does, so
    /// rooms can send shared frames without touching it); given back when it closes.
    func takeDirectSendSlot() -> Int32 {
        if directSendSlot < 0 { directSendSlot = loop.directSend.take() }
        return directSendSlot
    }

    /// The handler with `key` is open: frames may be sent directly while nothing is queued.
    func markReadyToSend(key: UInt) {
        guard directSendSlot >= 0, phase == .open, queuedByteCount == 0 else { return }
        loop.directSend.markReady(directSendSlot, key)
    }

    /// Frames must go through the handler again (it is closing).
    func clearReadyToSend() {
        if directSendSlot >= 0 { loop.directSend.clear(directSendSlot) }
    }

    /// One HTTP response as up to three shared arrays (head, head tail, body). With nothing queued
    /// they go out at once (a small response gathered into the loop's `sendBuffer` and `send`,
    /// a larger one in one `writev` straight from the arrays), and only what the socket did not
    /// take is queued: no allocation when it takes everything. With something queued they wait behind
    /// it (order is kept). The caller flushes (`flushQueued`) after its last response. Loop thread only.
    /// A `file` follows the body: the kernel sends it (`sendfile`), and the handler hears of the
    /// drain only once it is out.
    func write(head: [UInt8], tail: [UInt8], body: [UInt8], file: FileBody? = nil) {
        guard queuedByteCount == 0, phase == .open else {
            enqueue(head)
            enqueue(tail)
            enqueue(body)
            if let file { enqueue(file: file) }
            return
        }
        var written = head.count + tail.count + body.count <= loop.sendBuffer.count
            ? sendGathered(head, tail, body) : sendVectors(head, tail, body)
        if written < 0 {
            let error = errno
            guard error == EAGAIN || error == EWOULDBLOCK || error == EINTR else {
                close()
                return
            }
            written = 0
        }
        queueUnwritten(head, skipping: &written)
        queueUnwritten(tail, skipping: &written)
        queueUnwritten(body, skipping: &written)
        if let file {
            enqueue(file: file)
            flush()
            return
        }
        // As `flush` does when the queue empties: a handler waiting for the peer to read is told.
        if queuedByteCount == 0 { handler.connectionDidDrain(self) }
    }

    /// A small response's parts copied into the loop's `sendBuffer` and sent with one `send`:
    /// one vector is cheaper for the kernel than three, and a 1 KiB copy costs less than the difference.
    private func sendGathered(_ head: [UInt8], _ tail: [UInt8], _ body: [UInt8]) -> Int {
        let buffer = loop.sendBuffer
        var count = 0
        func append(_ part: [UInt8]) {
            part.withUnsafeBytes { bytes in
                guard let base = bytes.baseAddress else { return }
                (buffer.baseAddress! + count).copyMemory(from: base, byteCount: bytes.count)
            }
            count += part.count
        }
        append(head)
        append(tail)
        append(body)
        return send(fd, buffer.baseAddress, count, Int32(MSG_NOSIGNAL))
    }

    /// The parts of a large response straight from their arrays, in one `writev`.
    private func sendVectors(_ head: [UInt8], _ tail: [UInt8], _ body: [UInt8]) -> Int {
        head.withUnsafeBytes { h in
            tail.withUnsafeBytes { t in
                body.withUnsafeBytes { b in
                    withUnsafeTemporaryAllocation(of: iovec.self, capacity: 3) { vectors in
                        vectors[0] = iovec(iov_base: UnsafeMutableRawPointer(mutating: h.baseAddress), iov_len: h.count)
                        vectors[1] = iovec(iov_base: UnsafeMutableRawPointer(mutating: t.baseAddress), iov_len: t.count)
                        vectors[2] = iovec(iov_base: UnsafeMutableRawPointer(mutating: b.baseAddress), iov_len: b.count)
                        return writev(fd, vectors.baseAddress, 3)
                    }
                }
            }
        }
    }

    /// Queues `file` behind everything queued (its place in `outbound` is an empty array).
    private func enqueue(file: FileBody) {
        guard phase == .open || phase == .flushingToClose, file.count > 0 else { return }
        if outbound.isEmpty { clearReadyToSend() }
        outbound.append([])
        queuedFiles.append(file)
        queuedByteCount += file.count
    }

    /// Queues what is left of `part` after the first `skip` bytes of the parts in order were written.
    private func queueUnwritten(_ part: [UInt8], skipping skip: inout Int) {
        if skip >= part.count {
            skip -= part.count
            return
        }
        enqueue(part)
        if skip > 0 {
            // `part` is the only thing queued: the written front of it is dropped.
            consume(skip)
            skip = 0
        }
    }

    /// Queues bytes without writing yet; `flushQueued` writes everything queued in one `writev`.
    public func enqueue(_ bytes: [UInt8]) {
        guard phase == .open || phase == .flushingToClose, !bytes.isEmpty else { return }
        if outbound.isEmpty { clearReadyToSend() }
        outbound.append(bytes)
        queuedByteCount += bytes.count
    }

    /// Writes whatever `enqueue` queued.
    public func flushQueued() {
        if isOpen && queuedByteCount != 0 { flush() }
    }

    /// Stops reading from the socket (the kernel buffers, then TCP pushes back on the peer).
    public func pauseReading() {
        guard phase == .open || phase == .flushingToClose, !interest.readingPaused else { return }
        interest.readingPaused = true
        updateInterest()
    }

    public func resumeReading() {
        guard phase == .open || phase == .flushingToClose, interest.readingPaused else { return }
        interest.readingPaused = false
        updateInterest()
    }

    /// Bytes written to the socket that the kernel has not yet sent or had acknowledged
    /// (`SIOCOUTQ`); 0 when it cannot say.
    public var kernelUnsentBytes: Int {
        var count: Int32 = 0
        return ioctl(fd, UInt(TIOCOUTQ), &count) == 0 ? Int(count) : 0
    }

    /// Closes once everything queued has been written. The write side is shut first and
    /// unread input drained for a moment, so the peer reads our last response instead of a reset.
    /// A peer that reads none of it for `Limits.idleTimeoutMillis` is dropped.
    public func closeAfterFlush() {
        guard phase == .open else { return }
        phase = .flushingToClose
        clearReadyToSend()
        if queuedByteCount == 0 {
            lingerThenClose()
        } else {
            let giveUp = monotonicMillis() + UInt64(limits.idleTimeoutMillis)
            if deadline == 0 || deadline > giveUp { deadline = giveUp }
        }
    }

    private func lingerThenClose() {
        guard phase == .flushingToClose else { return }
        phase = .lingering
        shutdown(fd, Int32(SHUT_WR))
        deadline = monotonicMillis() + UInt64(limits.lingerMillis)
        if interest.readingPaused {
            interest.readingPaused = false
            updateInterest()
        }
    }

    private func drainWhileLingering() {
        let buffer = loop.readBuffer
        for _ in 0..<(4 * limits.maxReadsPerWakeup) {
            let count = recv(fd, buffer.baseAddress, buffer.count, 0)
            if count > 0 { continue }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return }
            close()
            return
        }
    }

    /// Closes now, dropping anything unsent.
    public func close() {
        guard phase != .closed else { return }
        phase = .closed
        if directSendSlot >= 0 {
            loop.directSend.giveBack(directSendSlot)
            directSendSlot = -1
        }
        loop.unregister(fd)
        loop.connections[fd] = nil
        Glibc.close(fd)
        outbound.removeAll()
        queuedFiles.removeAll()
        queuedByteCount = 0
        server?.connectionClosed()
        handler.connectionDidClose(self)
    }

    func handle(events: UInt32) {
        if phase == .lingering {
            drainWhileLingering()
            return
        }
        if events & EPOLLOUT.rawValue != 0 {
            flush()
        }
        if interest.readingPaused && events & (EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
            // Level-triggered hang-up would wake the loop forever while we are not reading.
            close()
            return
        }
        if isOpen && events & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue) != 0 {
            readAvailable()
        }
    }

    func deadlinePassed() {
        deadline = 0
        switch phase {
        case .open: handler.connectionDeadlinePassed(self)
        case .flushingToClose, .lingering: close()
        case .closed: break
        }
    }

    private func readAvailable() {
        let buffer = loop.readBuffer
        // A bounded number of reads per wake-up so one fast sender cannot starve the loop.
        for _ in 0..<limits.maxReadsPerWakeup {
            guard isOpen, !interest.readingPaused else { return }
            let count = recv(fd, buffer.baseAddress, buffer.count, 0)
            if count > 0 {
                handler.connection(self, didRead: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                if count < buffer.count { return }
            } else if count == 0 {
                handler.connectionReadEnded(self)
                return
            } else {
                let error = errno
                if error == EAGAIN || error == EWOULDBLOCK || error == EINTR { return }
                close()
                return
            }
        }
    }

    private func flush() {
        var wroteAny = false
        while isOpen && !outbound.isEmpty {
            let written = writeQueued()
            if written < 0 {
                let error = errno
                if error == EAGAIN || error == EWOULDBLOCK {
                    break
                }
                if error == EINTR { continue }
                close()
                return
            }
            consume(written)
            wroteAny = true
        }
        guard isOpen else { return }
        let needsWritable = !outbound.isEmpty
        if needsWritable != interest.writable {
            interest.writable = needsWritable
            updateInterest()
        }
        if outbound.isEmpty {
            if phase == .flushingToClose { lingerThenClose(); return }
            handler.connectionDidDrain(self)
        } else if wroteAny {
            if phase == .flushingToClose {
                deadline = monotonicMillis() + UInt64(limits.idleTimeoutMillis)
            } else {
                handler.connectionWroteSome(self)
            }
        }
    }

    private func writeQueued() -> Int {
        if outbound[0].isEmpty {
            return sendQueuedFile()
        }
        if outbound.count == 1 {
            return outbound[0].withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + firstOffset, raw.count - firstOffset, Int32(MSG_NOSIGNAL))
            }
        }
        var count = min(outbound.count, 64)
        // Bytes up to the first queued file go in this writev.
        if !queuedFiles.isEmpty, let place = outbound[0..<count].firstIndex(where: { $0.isEmpty }) { count = place }
        // The arrays stay alive in `outbound` during the call; their storage is contiguous.
        // The iovec array lives on the stack: no heap allocation per write.
        return withUnsafeTemporaryAllocation(of: iovec.self, capacity: count) { vectors in
            for i in 0..<count {
                outbound[i].withUnsafeBytes { raw in
                    let offset = i == 0 ? firstOffset : 0
                    vectors[i] = iovec(iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress! + offset),
                                       iov_len: raw.count - offset)
                }
            }
            return writev(fd, vectors.baseAddress, Int32(count))
        }
    }

    /// The next part of the file at the front of the queue, with `sendfile` (at most 1 MiB a
    /// call, so one file does not hold the loop while its pages are read from disk).
    private func sendQueuedFile() -> Int {
        let file = queuedFiles[0]
        var offset = off_t(file.offset + firstOffset)
        let sent = sendfile(fd, file.file.descriptor, &offset, min(file.count - firstOffset, 1024 * 1024))
        if sent == 0 {
            // The file is shorter than when its length was sent: the response cannot be finished.
            errno = EIO
            return -1
        }
        return sent
    }

    private func consume(_ written: Int) {
        var remaining = written
        queuedByteCount -= written
        while remaining > 0, let first = outbound.first {
            let isFile = first.isEmpty
            let left = (isFile ? queuedFiles[0].count : first.count) - firstOffset
            if remaining >= left {
                remaining -= left
                outbound.removeFirst()
                if isFile { queuedFiles.removeFirst() }
                firstOffset = 0
                // An idle connection holds no queue storage.
                if outbound.isEmpty {
                    outbound = []
                    queuedFiles = []
                }
            } else {
                firstOffset += remaining
                remaining = 0
            }
        }
    }

    private func updateInterest() {
        var events: UInt32 = 0
        // Peer hang-up is only interesting while reading; paused, it would fire on every wait.
        if !interest.readingPaused { events |= EPOLLIN.rawValue | EPOLLRDHUP.rawValue }
        if interest.writable { events |= EPOLLOUT.rawValue }
        loop.modify(fd, events: events)
    }
}
