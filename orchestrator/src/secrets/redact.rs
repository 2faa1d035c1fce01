//! Endpoints are shown to operators and written to logs: never with a password.

/// Replaces the password of a URL (`scheme://user:secret@host`) with `***`.
/// Text that is not a URL with credentials is returned unchanged.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            // set_password only fails for URLs that cannot carry credentials,
            // which is impossible once a password was parsed.
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_are_masked_and_the_rest_kept() {
        assert_eq!(
            redact_url("postgres://myca:s3cret@127.0.0.1:5440/db"),
            "postgres://myca:***@127.0.0.1:5440/db"
        );
        assert_eq!(
            redact_url("redis://:pw@localhost:6379/0"),
            "redis://:***@localhost:6379/0"
        );
        assert_eq!(
            redact_url("redis://127.0.0.1:6390/0"),
            "redis://127.0.0.1:6390/0"
        );
        assert_eq!(redact_url("/var/run/docker.sock"), "/var/run/docker.sock");
    }
}
