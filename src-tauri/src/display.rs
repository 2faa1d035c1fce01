//! The window needs an X11 or Wayland display.

pub fn require_display() -> Result<(), String> {
    if !cfg!(target_os = "linux") || has_display(|name| std::env::var_os(name)) {
        return Ok(());
    }
    Err(
        "myca-desktop: no display (neither DISPLAY nor WAYLAND_DISPLAY is set), so the \
         window cannot open here.\nRun the orchestrator headless instead: \
         `.ci/serve` (the headless orchestrator) (or `myca status` to check \
         Docker, Redis and the store)."
            .to_owned(),
    )
}

fn has_display(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|name| var(name).is_some_and(|value| !value.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::has_display;

    #[test]
    fn a_display_is_x11_or_wayland_and_not_empty() {
        assert!(has_display(|n| (n == "DISPLAY").then(|| ":0".into())));
        assert!(has_display(
            |n| (n == "WAYLAND_DISPLAY").then(|| "wayland-0".into())
        ));
        assert!(!has_display(|n| (n == "DISPLAY").then(|| "".into())));
        assert!(!has_display(|_| None));
    }
}
