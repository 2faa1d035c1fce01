//! The shared layer for kinds that call HTTP APIs: addresses and auth
//! schemes, answer envelopes, paging and job polling, pinned TLS, retries
//! of idempotent calls, and errors that quote the service without ever
//! quoting a credential.

mod auth;
mod certificate;
mod client;
mod envelope;
mod error;
mod event_stream;
mod paging;
mod redact;
mod rpc_socket;
mod session;
mod shared;
mod tls;

pub use auth::{Auth, Secret};
pub use certificate::{peer_certificate, CertificateError, PeerCertificate};
pub(crate) use client::transport_reason;
pub use client::{Body, Service, ServiceConfig};
pub use envelope::Envelope;
pub use error::{service_message, ServiceError};
pub use event_stream::data_events;
pub use paging::{all_numbered_pages, all_pages, poll, Cursor, PageNumbers, Polled};
pub use redact::{Redactor, REDACTED};
pub use rpc_socket::RpcSocket;
pub use tls::{http_client_builder, BadFingerprint, Trust};

#[cfg(any(test, feature = "fakes"))]
pub mod fake;
#[cfg(test)]
mod login_tests;
#[cfg(test)]
mod tests;
