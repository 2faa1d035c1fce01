//! Cross-process locks for tests that share one machine-wide resource
//! (nextest runs every test in its own process).

use std::fs::File;

fn open(name: &str) -> File {
    let path = std::env::temp_dir().join(format!("myca-e2e-{name}.lock"));
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|error| panic!("cannot open {}: {error}", path.display()))
}

/// Held while a test uses the remote VM's link; many may share it.
pub fn vm_link_shared() -> File {
    let file = open("vm-link");
    file.lock_shared().expect("shared lock on the VM link");
    file
}

/// Held while a test cuts the remote VM's link; nobody else uses it then.
pub fn vm_link_exclusive() -> File {
    let file = open("vm-link");
    file.lock().expect("exclusive lock on the VM link");
    file
}
