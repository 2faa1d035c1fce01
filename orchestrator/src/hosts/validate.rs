//! What a host profile must look like before it is saved: a nonsense
//! socket path or address is refused at once with the field named, not
//! discovered later by a failing connection.

use std::path::Path;

use super::{HostKind, HostProfile};
use crate::ssh::SshAuth;

/// A profile's name: it appears in URLs and in the window.
pub const HOST_NAME_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$";
/// A DNS name, an IPv4 address or an IPv6 address without brackets.
pub const HOST_ADDRESS_PATTERN: &str = "^[A-Za-z0-9:][A-Za-z0-9.:-]{0,252}$";
pub const SSH_USER_PATTERN: &str = "^[A-Za-z_][A-Za-z0-9_.-]{0,31}$";
/// As `ssh-keygen -l` prints it: SHA256 and 43 base64 characters.
pub const FINGERPRINT_PATTERN: &str = "^SHA256:[A-Za-z0-9+/]{43}$";
/// An absolute path without NUL, at most 4096 characters.
pub const PATH_PATTERN: &str = "^/[^\\u0000]{0,4095}$";
/// The name of a keyring secret holding a private key.
pub const SECRET_NAME_PATTERN: &str = "^[A-Za-z0-9_.:-]{1,200}$";

/// A fingerprint of the right shape, for checking a profile whose host key
/// is not known yet (first contact).
pub fn placeholder_fingerprint() -> String {
    format!("SHA256:{}", "A".repeat(43))
}

#[derive(Debug, thiserror::Error)]
#[error("invalid host profile: {field} {reason}")]
pub struct InvalidProfile {
    pub field: &'static str,
    pub reason: String,
}

fn check(field: &'static str, ok: bool, rule: &str) -> Result<(), InvalidProfile> {
    if ok {
        Ok(())
    } else {
        Err(InvalidProfile {
            field,
            reason: format!("must match {rule}"),
        })
    }
}

fn shaped(value: &str, max: usize, first: fn(char) -> bool, rest: fn(char) -> bool) -> bool {
    let mut chars = value.chars();
    value.chars().count() <= max && chars.next().is_some_and(first) && chars.all(rest)
}

fn absolute(path: &Path) -> bool {
    let text = path.to_string_lossy();
    text.starts_with('/') && !text.contains('\0') && text.chars().count() <= 4096
}

fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

impl HostProfile {
    pub fn validate(&self) -> Result<(), InvalidProfile> {
        check(
            "name",
            shaped(&self.name, 63, |c| c.is_ascii_alphanumeric(), name_char),
            HOST_NAME_PATTERN,
        )?;
        match &self.kind {
            HostKind::Local { socket } => check("socket", absolute(socket), PATH_PATTERN),
            HostKind::Ssh {
                host,
                port,
                user,
                auth,
                docker_socket,
                host_key_fingerprint,
            } => {
                let address = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-');
                check(
                    "host",
                    shaped(
                        host,
                        253,
                        |c| c.is_ascii_alphanumeric() || c == ':',
                        address,
                    ),
                    HOST_ADDRESS_PATTERN,
                )?;
                check("port", *port >= 1, "1 to 65535")?;
                check(
                    "user",
                    shaped(user, 32, |c| c.is_ascii_alphabetic() || c == '_', name_char),
                    SSH_USER_PATTERN,
                )?;
                check(
                    "docker_socket",
                    absolute(Path::new(docker_socket)),
                    PATH_PATTERN,
                )?;
                let fingerprint = host_key_fingerprint
                    .strip_prefix("SHA256:")
                    .is_some_and(|b64| {
                        b64.len() == 43
                            && b64
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
                    });
                check("host_key_fingerprint", fingerprint, FINGERPRINT_PATTERN)?;
                match auth {
                    SshAuth::KeyFile { path } => check("auth.path", absolute(path), PATH_PATTERN),
                    SshAuth::Keyring { secret } => check(
                        "auth.secret",
                        shaped(
                            secret,
                            200,
                            |c| name_char(c) || c == ':',
                            |c| name_char(c) || c == ':',
                        ),
                        SECRET_NAME_PATTERN,
                    ),
                    SshAuth::Agent { socket } => check(
                        "auth.socket",
                        socket.as_deref().is_none_or(absolute),
                        PATH_PATTERN,
                    ),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ssh(host: &str, user: &str, fingerprint: &str) -> HostProfile {
        HostProfile::new(
            "vm-1",
            HostKind::Ssh {
                host: host.into(),
                port: 22,
                user: user.into(),
                auth: SshAuth::Agent { socket: None },
                docker_socket: "/var/run/docker.sock".into(),
                host_key_fingerprint: fingerprint.into(),
            },
        )
    }

    const PRINT: &str = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";

    #[test]
    fn profiles_are_checked_field_by_field() {
        ssh("10.0.0.5", "ops", PRINT).validate().unwrap();
        ssh("fe80::1", "_svc", PRINT).validate().unwrap();
        ssh("vm1.example.org", "root", PRINT).validate().unwrap();
        let field = |p: HostProfile| p.validate().unwrap_err().field;
        assert_eq!(field(ssh("bad host", "ops", PRINT)), "host");
        assert_eq!(field(ssh("vm", "0ps", PRINT)), "user");
        assert_eq!(
            field(ssh("vm", "ops", "SHA256:abc")),
            "host_key_fingerprint"
        );
        let local = |socket: &str| {
            HostProfile::new(
                "here",
                HostKind::Local {
                    socket: socket.into(),
                },
            )
        };
        local("/run/docker.sock").validate().unwrap();
        assert_eq!(field(local("docker.sock")), "socket");
        assert_eq!(field(local("")), "socket");
        let mut unnamed = local("/run/docker.sock");
        unnamed.name = "a/b".into();
        assert_eq!(field(unnamed), "name");
    }
}
