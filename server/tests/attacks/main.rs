//! The attack catalogue: the real server on loopback, attacked the way a hostile caller would.
//!
//! `defects` holds one test per defect of issue 18, named after it, each proving the hole is
//! closed (it failed before the fix). `catalogue` throws more than sixty bad inputs at the API,
//! the sandbox and `/hooks`: each must be a 4xx (naming the field where there is one), never a
//! 5xx, leave every stored row and the sandbox's state exactly as they were, and leave the server
//! answering. `state` takes the fingerprint that "unchanged" is checked against.

#[path = "../api/helpers.rs"]
#[allow(dead_code, reason = "shared with the API tests; not every helper is used here")]
mod helpers;
#[path = "../support/pg_database.rs"]
mod pg_database;
#[path = "../support/receiver.rs"]
#[allow(dead_code, reason = "shared with the API tests")]
mod receiver;

mod catalogue;
mod defects;
mod state;
