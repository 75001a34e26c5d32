extension Array where Element == UInt8 {
    /// Appends the UTF-8 of `text` in one copy (a native string's bytes are contiguous, a short
    /// one's inline): the generic append of a `String.UTF8View` goes element by element, and
    /// the stats stage appends about 3 million texts at 20 units.
    @inlinable public mutating func appendUTF8(_ text: String) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { append(contentsOf: $0) }
        if done == nil { append(contentsOf: text.utf8) }
    }
}
