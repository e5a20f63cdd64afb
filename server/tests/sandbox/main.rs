//! The sandbox over real loopback HTTP, driven by Signalbox's own signing client.

mod audit;
#[path = "../support/cloud.rs"]
mod cloud;
mod delivery;
mod faults;
mod functions;
mod helpers;
mod pipeline;
mod principals;
#[path = "../support/receiver.rs"]
mod receiver;
mod regions;
mod signatures;
mod sources;
mod validation;
