//! The OCI client: request signing, credentials, endpoints, and one module per service.
//!
//! `signer` and `key` make Oracle's HTTP signatures; `config` reads `~/.oci/config`; `region`
//! maps regions and realms to hosts; `client` is the single send path (sign, send, retry, map
//! errors); `events`, `ons`, `functions` and `audit` describe each service's operations and wire
//! types. The sandbox (`crate::sandbox`) mirrors this module for module and reuses these types.

pub mod audit;
pub mod auth_service;
pub mod certificate;
pub mod client;
pub mod compute;
pub mod config;
pub mod error;
pub mod events;
pub mod functions;
pub mod identity;
pub mod key;
pub mod metadata;
pub mod objectstorage;
pub mod ons;
pub mod pace;
pub mod principal;
#[cfg(test)]
mod properties;
pub mod region;
pub mod signer;
pub mod token;
pub mod wire;
pub mod write_log;
