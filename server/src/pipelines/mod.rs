//! Whether pipelines work: their health (rule → actions → targets → subscriptions → last
//! delivery), checked on demand and on a schedule, and the end-to-end probe that proves a rule's
//! alerts arrive ([`verify`]); a fan-out deployment's health across its targets ([`set_health`]).

pub mod health;
pub mod set_health;
pub mod verify;
