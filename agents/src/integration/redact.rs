//! Credentials never leave an agent in a message: every text an integration
//! produces (errors, URLs, service answers quoted in errors) passes through
//! the service's [`Redactor`], which knows each secret it was given in every
//! form it may appear in (as is, and percent-encoded in a URL).

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

/// `text` percent-encoded as a URL query or path would carry it.
fn percent_encoded(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

impl Redactor {
    /// Learns `secret` (ignored when empty: it would match everywhere).
    pub fn learn(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        for form in [secret.to_owned(), percent_encoded(secret)] {
            if !self.secrets.contains(&form) {
                self.secrets.push(form);
            }
        }
        // Longest first, so a secret containing another is replaced whole.
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    pub fn redact(&self, text: &str) -> String {
        self.secrets.iter().fold(text.to_owned(), |text, secret| {
            text.replace(secret.as_str(), REDACTED)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_hidden_plain_and_percent_encoded() {
        let mut redactor = Redactor::default();
        redactor.learn("s3cr=t/key");
        redactor.learn("");
        let text =
            "GET https://maker.ifttt.com/trigger/x/with/key/s3cr%3Dt%2Fkey failed: s3cr=t/key";
        assert_eq!(
            redactor.redact(text),
            "GET https://maker.ifttt.com/trigger/x/with/key/[redacted] failed: [redacted]"
        );
        assert!(!format!("{redactor:?}").contains("s3cr"));
    }
}
