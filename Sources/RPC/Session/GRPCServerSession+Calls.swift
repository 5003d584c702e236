import HTTP2

/// Starting calls: validating request headers, deframing request messages, running handlers.
extension GRPCServerSession {
    func startCall(_ id: HTTP2StreamID, _ headers: [HTTP2Header], endStream: Bool) {
        var method = "", path = "", contentType = "", timeout: String?, encoding: String?, accept = ""
        for h in headers {
            // Length and first byte pick the one name to compare (a native string's count is
            // stored): every request runs this over all of its headers.
            let name = h.name.utf8
            switch (name.count, name.first) {
            case (7, UInt8(ascii: ":")): if h.name == ":method" { method = h.value }
            case (5, UInt8(ascii: ":")): if h.name == ":path" { path = h.value }
            case (12, UInt8(ascii: "c")): if h.name == "content-type" { contentType = h.value }
            case (12, UInt8(ascii: "g")): if h.name == "grpc-timeout" { timeout = h.value }
            case (13, UInt8(ascii: "g")): if h.name == "grpc-encoding" { encoding = h.value }
            case (20, UInt8(ascii: "g")): if h.name == "grpc-accept-encoding" { accept = h.value }
            default: break
            }
        }
        guard method == "POST" else {
            return rejectHTTP(id, status: "405", RPCError(.internal, "HTTP method \(method) is not allowed: gRPC requires POST"))
        }
        guard contentType == "application/grpc" || contentType.hasPrefix("application/grpc+")
                || contentType.hasPrefix("application/grpc;") else {
            return rejectHTTP(id, status: "415", RPCError(.internal, "unsupported content-type '\(contentType)': gRPC requires application/grpc"))
        }
        guard let registered = configuration.router.methods[path] else {
            return trailersOnly(id, configuration.router.unknownPathError(path))
        }
        let requestEncoding: MessageEncoding
        switch encoding ?? "identity" {
        case "identity": requestEncoding = .identity
        case "gzip": requestEncoding = .gzip
        case let other:
            return trailersOnly(id, RPCError(.unimplemented, "grpc-encoding '\(other)' is not supported (supported: identity, gzip)"))
        }
        var deadline: ContinuousClock.Instant?
        if let timeout {
            guard let d = GRPCTimeout.parse(timeout) else {
                return trailersOnly(id, RPCError(.internal, "malformed grpc-timeout '\(timeout)'"))
            }
            deadline = .now + d
        }
        let context = ServerContext(
            method: registered.descriptor, peer: peer, remoteAddress: remoteAddress,
            requestMetadata: Metadata(headers: headers), deadline: deadline, requestEncoding: requestEncoding,
            clientAcceptsGzip: GRPCServerSession.listsGzip(accept), methodMayCompress: registered.mayCompressResponses)
        // Authorization before any request byte is kept: a refused caller cannot make the
        // server buffer an upload.
        for interceptor in configuration.interceptors {
            do throws(RPCError) {
                try interceptor.admit(context)
            } catch {
                trailersOnly(id, error)
                if !endStream { pendingResets.append(id) }
                return
            }
        }
        let writer = ResponseWriter(executor: executor, session: self, stream: id, context: context,
                                    defersSingleResponse: !registered.descriptor.serverStreaming)
        let limit = registered.requestLimit
            ?? RequestSizeLimit(bytes: configuration.maxReceiveMessageSize, setting: configuration.maxReceiveMessageSizeSetting)
        let st = ServerStreamState(id: id, method: registered, context: context, writer: writer, requestLimit: limit)
        streams[id] = st
        if let deadline {
            st.deadlineTimer = executor.scheduleTimer(at: deadline) { [self] in deadlineExceeded(id) }
        }
        if st.clientStreams {
            let (stream, continuation) = AsyncThrowingStream<MessageDeframer.Message, Error>.makeStream()
            st.stream = stream
            st.continuation = continuation
            startHandler(st)
        }
        if endStream { endOfRequest(st) }
    }

    func receive(_ st: ServerStreamState, _ bytes: [UInt8]) {
        let limit = st.requestLimit.bytes
        st.deframer.append(bytes)
        while !st.finished {
            if let announced = st.deframer.announcedLength, announced > configuration.maxReceiveMessageSize,
               announced <= limit, announced > st.reservedBytes, let budget = configuration.largeRequestBudget {
                // Reserved before the message is buffered; a call holds its largest message's size.
                guard budget.reserve(announced - st.reservedBytes) else {
                    return fail(st, RPCError(.resourceExhausted, LargeRequestText.budgetExhausted(
                        announced: announced, budget: budget)))
                }
                st.reservedBytes = announced
            }
            var message: MessageDeframer.Message
            do {
                guard let m = try st.deframer.next() else { return }
                message = m
            } catch .messageTooLarge(let length, _) {
                return fail(st, RPCError(.resourceExhausted, LargeRequestText.tooLarge(
                    length: length, limit: st.requestLimit, method: st.method.descriptor)))
            } catch {
                return fail(st, RPCError(.internal, "invalid gRPC message prefix: compressed flag must be 0 or 1"))
            }
            if message.compressed {
                guard st.context.requestEncoding == .gzip else {
                    return fail(st, RPCError(.internal, "compressed message received but grpc-encoding is identity"))
                }
                do {
                    message.bytes = try Gzip.decompress(message.bytes, limit: limit)
                } catch GzipError.tooLarge {
                    return fail(st, RPCError(.resourceExhausted, "decompressed message larger than max (\(limit))"))
                } catch {
                    return fail(st, RPCError(.internal, "cannot decompress gzip message: \(error)"))
                }
            }
            if st.clientStreams {
                st.continuation?.yield(message)
            } else if st.single != nil {
                return fail(st, RPCError(.unimplemented, "\(st.method.descriptor.path) takes one request message, received more"))
            } else {
                st.single = message
            }
        }
    }

    func endOfRequest(_ st: ServerStreamState) {
        guard !st.requestEnded else { return }
        st.requestEnded = true
        if st.deframer.hasPartialMessage {
            return fail(st, RPCError(.internal, "request stream ended in the middle of a message"))
        }
        if st.clientStreams {
            st.continuation?.finish()
        } else if !st.finished {
            guard st.single != nil else {
                return fail(st, RPCError(.unimplemented, "\(st.method.descriptor.path) takes one request message, received none"))
            }
            startHandler(st)
        }
    }

    private func startHandler(_ st: ServerStreamState) {
        let call = ServerCall(context: st.context, writer: st.writer, single: st.single, stream: st.stream)
        st.single = nil
        let run = st.method.run
        let configuration = self.configuration
        let body: @Sendable () async -> Void = {
            let started = ContinuousClock.now
            var failure: RPCError?
            do {
                for interceptor in configuration.interceptors { try await interceptor.intercept(call.context) }
                try await run(call)
            } catch let error as RPCError {
                failure = error
            } catch is CancellationError {
                failure = RPCError(.cancelled, "call cancelled")
            } catch {
                failure = configuration.internalError(error, method: call.context.method.path)
            }
            call.writer.finish(failure)
            configuration.callObserver?.callEnded(path: call.context.method.path, code: failure?.code ?? .ok,
                                                  duration: ContinuousClock.now - started)
        }
        if st.method.execution == .eventLoop, let loop = executor.handlerExecutor {
            st.task = Task(executorPreference: loop, operation: body)
        } else {
            st.task = Task(operation: body)
        }
    }
}

extension GRPCServerSession {
    /// Whether a `grpc-accept-encoding` value names gzip. Scans bytes, not Characters: this
    /// runs on every call.
    static func listsGzip(_ header: String) -> Bool {
        let gzip: [UInt8] = [0x67, 0x7A, 0x69, 0x70]
        var matched = 0
        var stillMatching = true
        for byte in header.utf8 {
            switch byte {
            case UInt8(ascii: ","):
                if stillMatching && matched == gzip.count { return true }
                matched = 0
                stillMatching = true
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                continue
            default:
                if stillMatching && matched < gzip.count && byte == gzip[matched] { matched += 1 } else { stillMatching = false }
            }
        }
        return stillMatching && matched == gzip.count
    }
}
