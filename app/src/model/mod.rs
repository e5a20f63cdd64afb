//! The OCI and Signalbox vocabulary that every layer shares and that does no I/O: what a name may
//! hold, and (as it moves here) kinds, protocols, limits and validators. `api`, `template`,
//! `condition` and the server all check against the same rules.

pub mod text;
