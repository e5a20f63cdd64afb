//! The OCI sandbox: an embedded, OCI-compatible emulator that is also an event source.

pub mod auth;
pub mod error;
