//! The OCI and Signalbox vocabulary that every layer shares and that does no I/O: what a name may
//! hold, the kinds of rule action and subscription protocol, OCI's limits, the validators of
//! names, conditions and endpoints, and the roles, kinds and states that the database stores and
//! the API shows. `api` (which keeps the request and response types and the client calls, and
//! re-exports what it shows from here), `template`, the pages and the server all check against the
//! same rules; nothing here imports `api`.

pub mod connection;
pub mod deployment;
pub mod health;
pub mod inbox;
pub mod ocid;
pub mod problem;
pub mod role;
pub mod rule;
pub mod subscription;
pub mod text;
pub mod topic;
pub mod visibility;
