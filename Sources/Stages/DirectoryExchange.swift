import CShims

enum DirectoryExchange {
    /// Atomically exchanges two directories (Linux `renameat2(RENAME_EXCHANGE)`).
    static func exchange(_ a: String, _ b: String) -> Bool {
        cshims_exchange_paths(a, b) == 0
    }
}
