//! Finding the programs the service builds images from.

use std::path::PathBuf;

/// `name` in a directory of PATH.
pub fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// `name` in the directory of the running executable (how installed
/// packages ship `myca-agent` beside `myca` and `myca-desktop`).
pub fn beside_this_binary(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let candidate = exe.parent()?.join(name);
    candidate.is_file().then_some(candidate)
}
