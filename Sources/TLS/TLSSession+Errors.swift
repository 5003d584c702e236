internal import COpenSSL

extension TLSSession {
    enum Outcome {
        /// Needs more ciphertext in (or, never with memory BIOs, more room out).
        case wantIO
        /// The peer sent close_notify.
        case closed
        case failed(TLSError)
    }

    /// Maps `SSL_get_error` for a failed call; must run before anything else touches the error queue.
    func outcome(of result: Int32, doing what: String) -> Outcome {
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .wantIO
        case SSL_ERROR_ZERO_RETURN:
            return .closed
        case SSL_ERROR_SYSCALL:
            let errors = drainOpenSSLErrors()
            return .failed(TLSError(reason: "\(what): unexpected end of stream", openSSLErrors: errors))
        default:
            var errors = drainOpenSSLErrors()
            let verify = SSL_get_verify_result(ssl)
            if verify != Int(X509_V_OK) {
                errors.append("certificate verification: " + String(cString: X509_verify_cert_error_string(verify)))
            }
            return .failed(TLSError(reason: what, openSSLErrors: errors))
        }
    }
}
