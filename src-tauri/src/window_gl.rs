//! Keeps EGL drivers out of the window's process while its children (the
//! WebKit web process) still find them. libglvnd chooses its EGL drivers
//! once per process, on the first EGL call, from the vendor files it is
//! told of: this process makes that call while told of none, then puts the
//! environment back, so processes it starts later load the usual drivers.

use std::ffi::{c_char, c_void};

/// glvnd's variable naming the vendor files to load instead of the usual ones.
const VENDOR_FILES: &str = "__EGL_VENDOR_LIBRARY_FILENAMES";
/// No such file: glvnd loads no vendor and every EGL display is absent.
const NO_VENDOR: &str = "/nonexistent/myca-desktop-draws-without-egl.json";
const EGL_EXTENSIONS: i32 = 0x3055;

// libEGL (glvnd) is already a dependency of WebKitGTK; linking it here adds none.
#[link(name = "EGL")]
extern "C" {
    fn eglQueryString(display: *mut c_void, name: i32) -> *const c_char;
}

/// Call before GTK or WebKit start and before any thread: it changes the
/// environment for a moment.
pub fn keep_this_process_off_egl() {
    let saved = std::env::var_os(VENDOR_FILES);
    std::env::set_var(VENDOR_FILES, NO_VENDOR);
    // SAFETY: EGL_NO_DISPLAY (null) with EGL_EXTENSIONS is valid at any time
    // and only returns a static string; it loads glvnd's vendor list, here empty.
    unsafe {
        eglQueryString(std::ptr::null_mut(), EGL_EXTENSIONS);
    }
    match saved {
        Some(value) => std::env::set_var(VENDOR_FILES, value),
        None => std::env::remove_var(VENDOR_FILES),
    }
}
