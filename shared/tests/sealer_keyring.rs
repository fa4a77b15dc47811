//! The Sealer conformance suite on the local keyring, over an in-memory master key and over
//! a master key file created on first use.

mod in_memory_master_key {
    use igconnect::adapters::envelope::DataKey;
    use igconnect::adapters::keyring::LocalKeyring;

    igconnect::sealer_conformance!(async { LocalKeyring::from_master(DataKey::generate()) });
}

mod master_key_file {
    use igconnect::adapters::keyring::LocalKeyring;

    igconnect::sealer_conformance!(with_guard: async {
        let dir = tempfile::tempdir().expect("temporary directory");
        let keyring =
            LocalKeyring::open_or_create(&dir.path().join("master.key")).expect("keyring");
        (keyring, dir)
    });
}
