//! The OCI and Signalbox vocabulary that every layer shares and that does no I/O: what a name may
//! hold, the kinds of rule action and subscription protocol, OCI's limits, and the validators of
//! names, conditions and endpoints. `api` (which keeps the request and response types and the
//! client calls), `template`, the pages and the server all check against the same rules; nothing
//! here imports `api`.

pub mod problem;
pub mod rule;
pub mod subscription;
pub mod text;
pub mod topic;
