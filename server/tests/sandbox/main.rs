//! The sandbox over real loopback HTTP, driven by Signalbox's own signing client.

mod faults;
mod helpers;
mod pipeline;
mod signatures;
