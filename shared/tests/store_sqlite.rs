//! The Store conformance suite on the embedded SQLite store, in memory and in a file.

mod in_memory {
    use igconnect::adapters::sqlite::SqliteStore;

    igconnect::store_conformance!(async { SqliteStore::in_memory().expect("in-memory store") });
}

mod in_a_file {
    use igconnect::adapters::sqlite::SqliteStore;

    igconnect::store_conformance!(with_guard: async {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = SqliteStore::open(&dir.path().join("igconnect.db")).expect("file store");
        (store, dir)
    });
}
