internal import COpenSSL

/// Who is on the other end, from the peer certificate's subject.
/// `organizationalUnits` holds every OU in subject order: roles come from them.
public struct PeerIdentity: Sendable, Hashable {
    public var subject: String
    public var commonName: String?
    public var organizationalUnits: [String]

    public init(subject: String, commonName: String?, organizationalUnits: [String]) {
        self.subject = subject
        self.commonName = commonName
        self.organizationalUnits = organizationalUnits
    }

    /// Reads the subject of `certificate` (an `X509*`, not consumed).
    init(certificate: OpaquePointer) {
        let name = X509_get_subject_name(certificate)
        self.init(subject: Self.oneLine(name),
                  commonName: Self.values(of: NID_commonName, in: name).first,
                  organizationalUnits: Self.values(of: NID_organizationalUnitName, in: name))
    }

    /// The subject as an RFC 2253 string, e.g. "CN=admin-client,OU=admin,O=jobletd".
    private static func oneLine(_ name: OpaquePointer?) -> String {
        guard let name, let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        guard X509_NAME_print_ex(bio, name, 0, CJOpenSSL_XN_FLAG_RFC2253()) >= 0 else { return "" }
        var data: UnsafeMutablePointer<CChar>?
        let length = CJOpenSSL_BIO_get_mem_data(bio, &data)
        guard let data, length > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }

    /// Every entry of `nid` in `name`, decoded to UTF-8.
    private static func values(of nid: Int32, in name: OpaquePointer?) -> [String] {
        guard let name else { return [] }
        var result: [String] = []
        var index: Int32 = -1
        while true {
            index = X509_NAME_get_index_by_NID(name, nid, index)
            if index < 0 { break }
            guard let entry = X509_NAME_get_entry(name, index),
                  let asn1 = X509_NAME_ENTRY_get_data(entry) else { continue }
            var utf8: UnsafeMutablePointer<UInt8>?
            let length = ASN1_STRING_to_UTF8(&utf8, asn1)
            guard length >= 0, let utf8 else { continue }
            result.append(String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self))
            CJOpenSSL_free(utf8)
        }
        return result
    }
}
