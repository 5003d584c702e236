internal import COpenSSL

/// A development PKI made in-process with OpenSSL's API, the same set `scripts/gen-certs.sh`
/// makes: a CA, a server certificate for localhost, 127.0.0.1 and ::1, and admin and viewer
/// client certificates (OU=admin, OU=viewer); ECDSA P-256, SHA-256. jobletd makes it on first
/// start instead of running a script, so nothing in its working directory is ever executed.
public enum DevelopmentPKI {
    /// One PEM file to write: its name in the certificate directory, its text, whether it is a key.
    public struct File: Sendable {
        public let name: String
        public let pem: String
        public var isPrivateKey: Bool { name.hasSuffix("-key.pem") }
    }

    public static let caDays = 3650
    public static let leafDays = 825

    /// Every file of the PKI, CA first.
    public static func generate() throws -> [File] {
        let caKey = try newKey()
        defer { EVP_PKEY_free(caKey) }
        let ca = try certificate(subject: [("O", "jobletd"), ("OU", "ca"), ("CN", "jobletd development CA")],
                                 key: caKey, issuer: nil, issuerKey: caKey, days: caDays,
                                 extensions: [(NID_basic_constraints, "critical,CA:TRUE"),
                                              (NID_key_usage, "critical,keyCertSign,cRLSign"),
                                              (NID_subject_key_identifier, "hash")])
        defer { X509_free(ca) }
        var files = [File(name: "ca-cert.pem", pem: try pem(certificate: ca)),
                     File(name: "ca-key.pem", pem: try pem(key: caKey))]
        let leaves: [(name: String, ou: String, cn: String, usage: String, san: String?)] = [
            ("server", "server", "localhost", "serverAuth", "DNS:localhost,IP:127.0.0.1,IP:::1"),
            ("admin-client", "admin", "admin-client", "clientAuth", nil),
            ("viewer-client", "viewer", "viewer-client", "clientAuth", nil),
        ]
        for leaf in leaves {
            let key = try newKey()
            defer { EVP_PKEY_free(key) }
            var extensions: [(Int32, String)] = [(NID_basic_constraints, "CA:FALSE"),
                                                 (NID_key_usage, "critical,digitalSignature"),
                                                 (NID_ext_key_usage, leaf.usage),
                                                 (NID_subject_key_identifier, "hash"),
                                                 (NID_authority_key_identifier, "keyid:always")]
            if let san = leaf.san { extensions.append((NID_subject_alt_name, san)) }
            let cert = try certificate(subject: [("O", "jobletd"), ("OU", leaf.ou), ("CN", leaf.cn)], key: key,
                                       issuer: ca, issuerKey: caKey, days: leafDays, extensions: extensions)
            defer { X509_free(cert) }
            files.append(File(name: "\(leaf.name)-cert.pem", pem: try pem(certificate: cert)))
            files.append(File(name: "\(leaf.name)-key.pem", pem: try pem(key: key)))
        }
        return files
    }

    private static func newKey() throws -> OpaquePointer {
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else { throw TLSError.drainingQueue("EC key context") }
        defer { EVP_PKEY_CTX_free(ctx) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_CTX_set_group_name(ctx, "P-256") == 1,
              EVP_PKEY_generate(ctx, &key) == 1, let key else {
            throw TLSError.drainingQueue("generating a P-256 key")
        }
        return key
    }

    private static func certificate(subject: [(String, String)], key: OpaquePointer, issuer: OpaquePointer?,
                                     issuerKey: OpaquePointer, days: Int, extensions: [(Int32, String)]) throws -> OpaquePointer {
        guard let cert = X509_new() else { throw TLSError.drainingQueue("X509_new") }
        do {
            guard X509_set_version(cert, 2) == 1 else { throw TLSError.drainingQueue("X509_set_version") }
            // A random 127-bit serial, as `openssl x509 -req` makes.
            guard let serial = BN_new() else { throw TLSError.drainingQueue("BN_new") }
            defer { BN_free(serial) }
            guard BN_rand(serial, 127, -1, 0) == 1,
                  BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)) != nil else {
                throw TLSError.drainingQueue("certificate serial")
            }
            guard X509_gmtime_adj(X509_getm_notBefore(cert), 0) != nil,
                  X509_time_adj_ex(X509_getm_notAfter(cert), Int32(days), 0, nil) != nil else {
                throw TLSError.drainingQueue("certificate validity")
            }
            guard let name = X509_NAME_new() else { throw TLSError.drainingQueue("X509_NAME_new") }
            defer { X509_NAME_free(name) }
            for (field, value) in subject {
                guard X509_NAME_add_entry_by_txt(name, field, MBSTRING_ASC, value, -1, -1, 0) == 1 else {
                    throw TLSError.drainingQueue("subject \(field)=\(value)")
                }
            }
            guard X509_set_subject_name(cert, name) == 1,
                  X509_set_issuer_name(cert, issuer.map { X509_get_subject_name($0) } ?? name) == 1,
                  X509_set_pubkey(cert, key) == 1 else {
                throw TLSError.drainingQueue("certificate names and key")
            }
            for (nid, value) in extensions {
                guard CJOpenSSL_add_extension(cert, issuer ?? cert, nid, value) == 1 else {
                    throw TLSError.drainingQueue("certificate extension \(value)")
                }
            }
            guard X509_sign(cert, issuerKey, EVP_sha256()) > 0 else { throw TLSError.drainingQueue("signing the certificate") }
            return cert
        } catch {
            X509_free(cert)
            throw error
        }
    }

    private static func pem(certificate: OpaquePointer) throws -> String {
        try withMemoryBIO { PEM_write_bio_X509($0, certificate) }
    }

    private static func pem(key: OpaquePointer) throws -> String {
        try withMemoryBIO { PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil) }
    }

    private static func withMemoryBIO(_ write: (OpaquePointer) -> Int32) throws -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw TLSError.drainingQueue("BIO_new") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw TLSError.drainingQueue("writing PEM") }
        var data: UnsafeMutablePointer<CChar>?
        let count = CJOpenSSL_BIO_get_mem_data(bio, &data)
        guard let data, count > 0 else { throw TLSError.drainingQueue("reading PEM") }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: count), as: UTF8.self)
    }
}
