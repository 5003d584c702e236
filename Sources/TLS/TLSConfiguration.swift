internal import COpenSSL

/// TLS protocol versions a configuration may be capped at.
public enum TLSVersion: Sendable, Hashable {
    case tls12
    case tls13

    var openSSLValue: Int32 {
        switch self {
        case .tls12: return TLS1_2_VERSION
        case .tls13: return TLS1_3_VERSION
        }
    }
}

/// An `SSL_CTX` for one side of the connection: certificates, CA, ALPN, TLS 1.3 only.
///
/// `@unchecked Sendable`: the context is fully set up in the factory and never mutated after;
/// OpenSSL allows one `SSL_CTX` to create `SSL`s concurrently from many threads.
public final class TLSConfiguration: @unchecked Sendable {
    public enum Role: Sendable, Hashable { case server, client }

    public let role: Role
    let context: OpaquePointer
    /// The ALPN protocol a handshake must end with ("h2" for gRPC); nil accepts any or none.
    public private(set) var requiredALPN: String? = "h2"

    private init(role: Role, context: OpaquePointer) {
        self.role = role
        self.context = context
    }

    deinit { SSL_CTX_free(context) }

    /// Server side: TLS 1.3 only, a client certificate signed by `caFile` required, ALPN "h2" required.
    public static func server(certificateFile: String, privateKeyFile: String, caFile: String,
                              cipherSuites: String = defaultCipherSuites) throws -> TLSConfiguration {
        let configuration = try TLSConfiguration(role: .server, method: TLS_server_method(), maximumVersion: .tls13,
                                                 cipherSuites: cipherSuites)
        let context = configuration.context
        try configuration.loadIdentity(certificateFile: certificateFile, privateKeyFile: privateKeyFile, what: "server")
        try configuration.loadTrust(caFile: caFile)
        // Tells clients which CA we accept, so a client holding several certificates picks the right one.
        if let names = SSL_load_client_CA_file(caFile) {
            SSL_CTX_set_client_CA_list(context, names)
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
        // With SSL_VERIFY_PEER, resuming a session without a session id context is a fatal error.
        let sessionContext: [UInt8] = Array("jobletd".utf8)
        guard SSL_CTX_set_session_id_context(context, sessionContext, UInt32(sessionContext.count)) == 1 else {
            throw TLSError.drainingQueue("cannot set the TLS session id context")
        }
        SSL_CTX_set_alpn_select_cb(context, selectH2, nil)
        return configuration
    }

    /// Client side: verifies the server against `caFile`, offers ALPN "h2", TLS 1.3 only.
    /// `maximumVersion` exists for tests: `.tls12` builds a client that a jobletd server must refuse.
    public static func client(certificateFile: String?, privateKeyFile: String?, caFile: String,
                              maximumVersion: TLSVersion = .tls13) throws -> TLSConfiguration {
        let configuration = try TLSConfiguration(role: .client, method: TLS_client_method(), maximumVersion: maximumVersion)
        let context = configuration.context
        switch (certificateFile, privateKeyFile) {
        case let (certificate?, key?):
            try configuration.loadIdentity(certificateFile: certificate, privateKeyFile: key, what: "client")
        case (nil, nil):
            break
        default:
            throw TLSError(reason: "a client certificate needs both a certificate file and a private key file")
        }
        try configuration.loadTrust(caFile: caFile)
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        let protocols: [UInt8] = [2] + Array("h2".utf8)
        // SSL_CTX_set_alpn_protos returns 0 on success, unlike the rest of the API.
        guard SSL_CTX_set_alpn_protos(context, protocols, UInt32(protocols.count)) == 0 else {
            throw TLSError.drainingQueue("cannot set ALPN protocols")
        }
        return configuration
    }

    /// Client side for HTTPS/1.1 (the SkyPilot API server): TLS 1.2 or 1.3, the server verified
    /// against `caFile`, or against the system's trust store (OpenSSL's default paths) when nil;
    /// no client certificate; ALPN "http/1.1" offered, not required.
    public static func webClient(caFile: String?) throws -> TLSConfiguration {
        let configuration = try TLSConfiguration(role: .client, method: TLS_client_method(), maximumVersion: .tls13,
                                                 minimumVersion: .tls12)
        configuration.requiredALPN = nil
        let context = configuration.context
        if let caFile {
            try configuration.loadTrust(caFile: caFile)
        } else {
            guard SSL_CTX_set_default_verify_paths(context) == 1 else {
                throw TLSError.drainingQueue("cannot load the system's trusted CA certificates")
            }
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        let protocols: [UInt8] = [8] + Array("http/1.1".utf8)
        guard SSL_CTX_set_alpn_protos(context, protocols, UInt32(protocols.count)) == 0 else {
            throw TLSError.drainingQueue("cannot set ALPN protocols")
        }
        return configuration
    }

    private convenience init(role: Role, method: OpaquePointer?, maximumVersion: TLSVersion, minimumVersion: TLSVersion? = nil,
                             cipherSuites: String = defaultCipherSuites) throws {
        ERR_clear_error()
        guard let context = SSL_CTX_new(method) else {
            throw TLSError.drainingQueue("cannot create a TLS context")
        }
        self.init(role: role, context: context)
        let minimumVersion = minimumVersion?.openSSLValue ?? (maximumVersion == .tls13 ? TLS1_3_VERSION : TLS1_2_VERSION)
        guard CJOpenSSL_CTX_set_min_proto_version(context, minimumVersion) == 1,
              CJOpenSSL_CTX_set_max_proto_version(context, maximumVersion.openSSLValue) == 1 else {
            throw TLSError.drainingQueue("cannot restrict the TLS protocol version")
        }
        // Partial writes let writePlaintext loop record by record; the moving buffer is allowed
        // because a retried write may come from a different Swift array storage.
        // RELEASE_BUFFERS: an idle connection holds no 16 KiB record buffers.
        _ = CJOpenSSL_CTX_set_mode(context, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS))
        _ = SSL_CTX_set_options(context, CJOpenSSL_OP_NO_RENEGOTIATION() | CJOpenSSL_OP_NO_COMPRESSION()
                                    | CJOpenSSL_OP_CIPHER_SERVER_PREFERENCE())
        // OpenSSL skips names it does not know and fails only when none is left.
        guard !cipherSuites.isEmpty, SSL_CTX_set_ciphersuites(context, cipherSuites) == 1 else {
            ERR_clear_error()
            throw TLSError(reason: "cannot set the TLS 1.3 cipher suites '\(cipherSuites)': none is known to OpenSSL (known: \(TLSConfiguration.defaultCipherSuites))")
        }
    }

    /// Throws unless OpenSSL knows at least one suite in `cipherSuites` (a config file check).
    public static func checkCipherSuites(_ cipherSuites: String) throws {
        _ = try TLSConfiguration(role: .server, method: TLS_server_method(), maximumVersion: .tls13, cipherSuites: cipherSuites)
    }

    /// TLS 1.3 suites in our order of preference (the server's order wins). AES-128-GCM first, as
    /// Go's crypto/tls and BoringSSL do on CPUs with AES instructions: 10 AES rounds per block
    /// instead of 14, with the same 128-bit GCM tag; OpenSSL's default puts AES-256-GCM first.
    /// ChaCha20-Poly1305 stays for clients without AES hardware.
    public static let defaultCipherSuites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

    private func loadIdentity(certificateFile: String, privateKeyFile: String, what: String) throws {
        guard SSL_CTX_use_certificate_chain_file(context, certificateFile) == 1 else {
            throw TLSError.drainingQueue("cannot load \(what) certificate \(certificateFile)")
        }
        guard SSL_CTX_use_PrivateKey_file(context, privateKeyFile, SSL_FILETYPE_PEM) == 1 else {
            throw TLSError.drainingQueue("cannot load \(what) private key \(privateKeyFile)")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw TLSError.drainingQueue("\(what) private key \(privateKeyFile) does not match certificate \(certificateFile)")
        }
    }

    private func loadTrust(caFile: String) throws {
        guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
            throw TLSError.drainingQueue("cannot load CA certificates \(caFile)")
        }
    }
}

/// The server's ALPN choice: "h2" or a fatal alert, so a client that cannot speak h2 is refused
/// during the handshake instead of failing later on garbage.
private func selectH2(_ ssl: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
                      _ outLength: UnsafeMutablePointer<UInt8>?, _ offered: UnsafePointer<UInt8>?,
                      _ offeredLength: UInt32, _ argument: UnsafeMutableRawPointer?) -> Int32 {
    guard let offered, let out, let outLength else { return SSL_TLSEXT_ERR_ALERT_FATAL }
    var index = 0
    let end = Int(offeredLength)
    while index < end {
        let length = Int(offered[index])
        let start = index + 1
        guard start + length <= end else { break }
        if length == 2, offered[start] == UInt8(ascii: "h"), offered[start + 1] == UInt8(ascii: "2") {
            out.pointee = offered + start
            outLength.pointee = 2
            return SSL_TLSEXT_ERR_OK
        }
        index = start + length
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL
}
