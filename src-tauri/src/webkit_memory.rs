//! WebKit's defaults suit a browser with many tabs and a GPU, not one
//! window always open over a fleet. Accelerated compositing keeps a layer
//! tree rendered through GL (llvmpipe where there is no GPU); without it
//! the web process holds about 90 MiB less (Xvfb, 0 agents: PSS 201 →
//! 113 MiB) and the views draw the same. An operator who wants it back
//! starts the app with `WEBKIT_DISABLE_COMPOSITING_MODE=0`.

const LEAN_DEFAULTS: [(&str, &str); 1] = [("WEBKIT_DISABLE_COMPOSITING_MODE", "1")];

/// Sets each default the environment does not already choose. Call before
/// any thread starts: WebKit's processes inherit the environment.
pub fn apply_lean_defaults() {
    for (name, value) in LEAN_DEFAULTS {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, value);
        }
    }
}
