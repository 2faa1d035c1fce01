//! WebKit's defaults suit a browser with many tabs and a GPU, not one
//! window always open over a fleet. Accelerated compositing keeps a layer
//! tree rendered through GL (llvmpipe where there is no GPU); without it
//! the web process holds about 90 MiB less (Xvfb, 0 agents: PSS 201 →
//! 113 MiB) and the views draw the same. An operator who wants it back
//! starts the app with `WEBKIT_DISABLE_COMPOSITING_MODE=0`.
//!
//! Without compositing the window's own process draws the page from
//! shared memory with cairo and needs no GL at all, yet GTK (GLX visuals)
//! and WebKit (an EGL display) would each load Mesa, whose libLLVM alone
//! is 20 MiB of relocated pages in every process mapping it. So the
//! window's process stays off GL; the web process still gets EGL, which
//! it cannot start without. Release build, Xvfb, overview of 100 agents,
//! no other WebKit running: window process PSS 115.8 → 86.0 MiB, all
//! processes PSS 263.8 → 244.7 MiB, RSS 437.6 → 383.0 MiB.

use crate::window_gl;

const COMPOSITING_OFF: (&str, &str) = ("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
/// GTK 3 then picks no GL visuals, which only GL drawing would need.
const GTK_WITHOUT_GL: (&str, &str) = ("GDK_GL", "disable");

/// Sets each default the environment does not already choose. Call before
/// any thread starts: WebKit's processes inherit the environment.
pub fn apply_lean_defaults() {
    set_default(COMPOSITING_OFF);
    if std::env::var_os(COMPOSITING_OFF.0).is_some_and(|value| value == COMPOSITING_OFF.1) {
        set_default(GTK_WITHOUT_GL);
        window_gl::keep_this_process_off_egl();
    }
}

fn set_default((name, value): (&str, &str)) {
    if std::env::var_os(name).is_none() {
        std::env::set_var(name, value);
    }
}
