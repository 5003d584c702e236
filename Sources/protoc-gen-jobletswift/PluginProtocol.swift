import ProtoWire

// The subset of google/protobuf/compiler/plugin.proto the generator speaks.

struct CodeGeneratorRequest {
    var filesToGenerate: [String] = []
    var parameter = ""
    var protoFiles: [FileDescriptorProto] = []

    init(bytes: UnsafeRawBufferPointer) throws {
        var r = ProtoReader(bytes)
        while let tag = try r.nextTag() {
            switch tag.rawValue {
            case 1 << 3 | 2: filesToGenerate.append(try r.readString())
            case 2 << 3 | 2: parameter = try r.readString()
            case 15 << 3 | 2:
                // Keep the exact bytes too: reflection serves them as protoc produced them.
                var copy = r
                let raw = try copy.readLengthDelimited()
                var s = try r.nestedReader()
                var file = try FileDescriptorProto(&s)
                file.serialized = [UInt8](raw)
                protoFiles.append(file)
            default: try r.skipField(tag)
            }
        }
    }
}

struct CodeGeneratorResponse {
    struct File {
        var name: String
        var content: String

        var size: Int { 1 + ProtoSize.string(name) + 1 + ProtoSize.string(content) }

        func encode(to w: inout ProtoWriter) {
            w.writeTag(1 << 3 | 2); w.writeString(name)
            w.writeTag(15 << 3 | 2); w.writeString(content)
        }
    }
    var error: String?
    var files: [File] = []

    func serializedBytes() -> [UInt8] {
        var size = 0
        if let error { size += 1 + ProtoSize.string(error) }
        for f in files { size += 1 + ProtoSize.lengthDelimited(f.size) }
        if size == 0 { return [] }
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            var w = ProtoWriter(buffer)
            if let error { w.writeTag(1 << 3 | 2); w.writeString(error) }
            for f in files {
                w.writeTag(15 << 3 | 2)
                w.writeVarint(UInt64(f.size))
                f.encode(to: &w)
            }
            count = w.position
        }
    }
}
