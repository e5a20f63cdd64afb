//! The OCI client: request signing, credentials, endpoints, and one module per service.
//!
//! The sandbox (`crate::sandbox`) mirrors this module for module and reuses its wire types.

pub mod client;
pub mod config;
pub mod error;
pub mod key;
pub mod region;
pub mod signer;
