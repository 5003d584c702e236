internal import COpenSSL
internal import CTLSBuffer

/// One TLS connection over two byte-queue BIOs (CTLSBuffer): ciphertext in with `feedCiphertext`,
/// out with `drainCiphertext`. It never touches a socket, so the event loop owns all I/O.
///
/// Not thread-safe: one connection, one thread at a time (the event loop that owns the socket).
/// After any throw, drain the ciphertext once more: OpenSSL may have queued an alert for the peer.
public final class TLSSession {
    public let configuration: TLSConfiguration
    let ssl: OpaquePointer
    /// Owned by `ssl` (SSL_set_bio transfers ownership); kept to feed and drain them.
    private let readBIO: OpaquePointer
    private let writeBIO: OpaquePointer

    public private(set) var isHandshakeComplete = false
    public private(set) var peerIdentity: PeerIdentity?
    public private(set) var negotiatedALPN: String?
    /// The TLS 1.3 cipher suite in use, e.g. "TLS_AES_128_GCM_SHA256" (nil before the handshake).
    /// Asked of OpenSSL when wanted: a connection keeps no copy of the name.
    public var negotiatedCipherSuite: String? {
        guard isHandshakeComplete, let cipher = SSL_get_current_cipher(ssl), let name = SSL_CIPHER_get_name(cipher) else {
            return nil
        }
        return String(cString: name)
    }
    /// Plaintext written before the handshake finished; sent as soon as it does.
    private var pendingPlaintext: [UInt8] = []
    private var receivedCloseNotify = false

    /// `serverName` (client only) is sent as SNI and checked against the server certificate:
    /// a DNS name against its DNS SANs, an IP address (v6 with or without brackets) against its IP SANs.
    public init(configuration: TLSConfiguration, serverName: String? = nil) throws {
        ERR_clear_error()
        guard let ssl = SSL_new(configuration.context) else {
            throw TLSError.drainingQueue("cannot create a TLS session")
        }
        guard let readBIO = CTLSBuffer_new() else {
            SSL_free(ssl)
            throw TLSError.drainingQueue("cannot create the TLS input buffer")
        }
        guard let writeBIO = CTLSBuffer_new() else {
            BIO_free(readBIO)
            SSL_free(ssl)
            throw TLSError.drainingQueue("cannot create the TLS output buffer")
        }
        SSL_set_bio(ssl, readBIO, writeBIO)
        self.configuration = configuration
        self.ssl = ssl
        self.readBIO = readBIO
        self.writeBIO = writeBIO
        switch configuration.role {
        case .server:
            SSL_set_accept_state(ssl)
        case .client:
            SSL_set_connect_state(ssl)
            if let serverName { try expectServerName(serverName) }
        }
    }

    deinit { SSL_free(ssl) }

    private func expectServerName(_ name: String) throws {
        let bare = name.hasPrefix("[") && name.hasSuffix("]") ? String(name.dropFirst().dropLast()) : name
        // set1_ip_asc succeeds only for an address literal; SNI must not carry one (RFC 6066).
        if X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), bare) == 1 { return }
        ERR_clear_error()
        guard CJOpenSSL_set_tlsext_host_name(ssl, bare) == 1, SSL_set1_host(ssl, bare) == 1 else {
            throw TLSError.drainingQueue("cannot use server name \(name)")
        }
    }

    /// Bytes read from the socket.
    public func feedCiphertext(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        // The queue grows as needed, so it takes everything.
        _ = CTLSBuffer_append(readBIO, base, bytes.count)
    }

    /// Advances the handshake with the ciphertext fed so far; true once complete.
    /// Drain ciphertext after every call, whether it returned or threw.
    public func handshake() throws -> Bool {
        if isHandshakeComplete { return true }
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        CTLSBuffer_release(readBIO, Int.max)  // frees it when the handshake consumed everything fed
        if result == 1 {
            try finishHandshake()
            return true
        }
        switch outcome(of: result, doing: "TLS handshake failed") {
        case .wantIO: return false
        case .closed: throw TLSError(reason: "TLS handshake failed: the peer closed the connection")
        case .failed(let error): throw error
        }
    }

    private func finishHandshake() throws {
        var protocolName: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &protocolName, &length)
        if let protocolName, length > 0 {
            negotiatedALPN = String(decoding: UnsafeBufferPointer(start: protocolName, count: Int(length)), as: UTF8.self)
        }
        // The server's ALPN callback refuses a wrong offer, but a client offering nothing never reaches it.
        if let required = configuration.requiredALPN, negotiatedALPN != required {
            throw TLSError(reason: "TLS handshake failed: the peer did not negotiate ALPN \(required)"
                               + (required == "h2" ? " (gRPC needs HTTP/2)" : ""))
        }
        if let certificate = SSL_get1_peer_certificate(ssl) {
            peerIdentity = PeerIdentity(certificate: certificate)
            X509_free(certificate)
        }
        isHandshakeComplete = true
        if !pendingPlaintext.isEmpty {
            let queued = pendingPlaintext
            pendingPlaintext = []
            try queued.withUnsafeBytes { try writeRecords($0) }
        }
    }

    /// Decrypts whatever the fed ciphertext holds and appends it to `buffer`.
    private static let zeros = [UInt8](repeating: 0, count: 16 * 1024)

    public func readPlaintext(into buffer: inout [UInt8]) throws -> TLSReadResult {
        if receivedCloseNotify { return .closed }
        guard try handshake() else { return .wantMore }
        ERR_clear_error()
        var total = 0
        while true {
            // Plaintext never exceeds the ciphertext it came from: size the read from what is buffered,
            // so a small message does not cost a 16 KiB zero-fill.
            let available = max(Int(SSL_pending(ssl)), CTLSBuffer_count(readBIO))
            if available == 0 {
                CTLSBuffer_release(readBIO, Int.max)  // all consumed: an idle connection keeps no input buffer
                return total > 0 ? .bytes(total) : .wantMore
            }
            let capacity = min(available, 16 * 1024)
            let start = buffer.count
            // A contiguous slice appends as one copy even unoptimized (repeatElement went element
            // by element in debug builds: 2 MB/s for uploads).
            buffer.append(contentsOf: TLSSession.zeros[0..<capacity])
            var read = 0
            let result = buffer.withUnsafeMutableBytes { SSL_read_ex(ssl, $0.baseAddress! + start, capacity, &read) }
            buffer.removeLast(capacity - read)
            if result == 1 {
                total += read
                continue
            }
            switch outcome(of: result, doing: "TLS read failed") {
            case .wantIO:
                CTLSBuffer_release(readBIO, Int.max)  // all consumed: an idle connection keeps no input buffer
                return total > 0 ? .bytes(total) : .wantMore
            case .closed:
                receivedCloseNotify = true
                return total > 0 ? .bytes(total) : .closed
            case .failed(let error):
                throw error
            }
        }
    }

    /// Encrypts `bytes`; before the handshake completes they are held and sent once it does.
    public func writePlaintext(_ bytes: UnsafeRawBufferPointer) throws {
        guard isHandshakeComplete else {
            pendingPlaintext.append(contentsOf: bytes)
            return
        }
        try writeRecords(bytes)
    }

    private func writeRecords(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress else { return }
        ERR_clear_error()
        var offset = 0
        while offset < bytes.count {
            // OpenSSL cuts records at 16 KiB itself; partial-write mode returns after each batch.
            var written = 0
            let result = SSL_write_ex(ssl, base + offset, bytes.count - offset, &written)
            guard result == 1 else {
                switch outcome(of: result, doing: "TLS write failed") {
                case .wantIO: throw TLSError(reason: "TLS write failed: the session wants to renegotiate or is closing")
                case .closed: throw TLSError(reason: "TLS write failed: the connection is closed")
                case .failed(let error): throw error
                }
            }
            offset += written
        }
    }

    /// Appends every ciphertext byte waiting to go to the socket to `buffer`.
    public func drainCiphertext(into buffer: inout [UInt8]) {
        var bytes: UnsafePointer<UInt8>?
        let pending = CTLSBuffer_peek(writeBIO, &bytes)
        guard pending > 0, let bytes else { return }
        buffer.append(contentsOf: UnsafeBufferPointer(start: bytes, count: pending))
        CTLSBuffer_consume(writeBIO, pending)
        CTLSBuffer_release(writeBIO, 64 * 1024)
    }

    public var hasPendingCiphertext: Bool { CTLSBuffer_count(writeBIO) > 0 }

    /// Ciphertext bytes waiting to go to the socket.
    public var pendingCiphertextCount: Int { CTLSBuffer_count(writeBIO) }

    /// Hands the waiting ciphertext to `write` (a socket write straight out of the TLS buffer, no
    /// copy); `write` returns how many bytes it took (0 when the socket is full).
    public func writeCiphertext(_ write: (UnsafeRawBufferPointer) -> Int) {
        var bytes: UnsafePointer<UInt8>?
        let pending = CTLSBuffer_peek(writeBIO, &bytes)
        guard pending > 0, let bytes else { return }
        let taken = write(UnsafeRawBufferPointer(start: bytes, count: pending))
        guard taken > 0 else { return }
        CTLSBuffer_consume(writeBIO, min(taken, pending))
        // Once everything went: a small buffer (an idle connection's last ping, a unary
        // response) is given back; a large one (a stream) is kept for the next batch.
        CTLSBuffer_release(writeBIO, 64 * 1024)
    }

    /// Queues close_notify; drain ciphertext afterwards to send it.
    public func shutdown() {
        guard isHandshakeComplete else { return }
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }
}
