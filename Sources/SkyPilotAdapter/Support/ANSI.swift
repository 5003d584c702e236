/// SkyPilot's messages carry terminal colour codes (`\u{1b}[1msky check\u{1b}[0m`); reasons and
/// log lines we store are plain text.
enum ANSI {
    /// `s` without CSI sequences (ESC `[` … final byte) and other two-byte ESC sequences.
    static func strip(_ s: String) -> String {
        guard s.contains("\u{1b}") else { return s }
        var out = String.UnicodeScalarView()
        var scalars = s.unicodeScalars.makeIterator()
        while let c = scalars.next() {
            guard c == "\u{1b}" else { out.append(c); continue }
            guard let next = scalars.next() else { break }
            if next == "[" {
                // Parameters and intermediates until a final byte in 0x40...0x7E.
                while let p = scalars.next(), !(0x40...0x7E).contains(p.value) {}
            } else if next == "]" {
                // OSC: until BEL or ESC \.
                while let p = scalars.next(), p != "\u{07}", p != "\u{1b}" {}
            }
        }
        return String(out)
    }
}
