//! One page per file; the route table is in `shell.rs`.

mod dashboard;
mod not_found;
mod section;

pub use dashboard::Dashboard;
pub use not_found::NotFound;
pub use section::{Section, Upcoming};
