//! Reusable UI pieces, one component per file.

mod async_view;
mod badge;
mod context_picker;
mod empty_state;
mod error_panel;
mod icon;
mod layout;
mod loading_panel;
mod page_header;
mod side_nav;
mod timestamp;

pub use async_view::AsyncView;
pub use badge::{Badge, Tone};
pub use context_picker::ContextPicker;
pub use empty_state::EmptyState;
pub use error_panel::ErrorPanel;
pub use icon::{Icon, IconName};
pub use layout::Layout;
pub use loading_panel::LoadingPanel;
pub use page_header::PageHeader;
pub use side_nav::SideNav;
pub use timestamp::Timestamp;
