//! Reusable UI pieces, one component per file.

mod async_view;
mod badge;
mod confirm_button;
mod data_table;
mod empty_state;
mod error_panel;
mod form_errors;
mod freshness;
mod header_scope;
mod icon;
mod kept_confirmations;
mod layout;
mod loading_panel;
mod ocid;
mod page_header;
mod pager;
mod side_nav;
mod team;
mod timestamp;
mod typed_confirm;
mod user_menu;

pub use async_view::AsyncView;
pub use badge::{Badge, Tone};
pub use confirm_button::ConfirmButton;
pub use data_table::DataTable;
pub use empty_state::EmptyState;
pub use error_panel::ErrorPanel;
pub use form_errors::{CloudDetail, FieldError, FormAlert};
pub use freshness::FreshnessBar;
pub use header_scope::{HeaderScope, Place, ScopeSlot, show_scope};
pub use icon::{Icon, IconName};
pub use kept_confirmations::KeptConfirmations;
pub use layout::{Layout, Visitor, use_me};
pub use loading_panel::LoadingPanel;
pub use ocid::Ocid;
pub use page_header::PageHeader;
pub use pager::Pager;
pub use side_nav::SideNav;
pub use team::{
    CurrentTeam, NoTeam, ToTeam, WorkingTeam, in_home_team, team_href, team_in_path, to_team, use_team,
    use_working_membership, use_working_team,
};
pub use timestamp::Timestamp;
pub use typed_confirm::TypedConfirm;
pub use user_menu::UserMenu;
