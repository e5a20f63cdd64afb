//! Who sees a template.

use serde::{Deserialize, Serialize};

/// Who sees a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Only the person who created it.
    Private,
    /// The members of its team.
    #[default]
    Team,
    /// Every user of this Signalbox, in any team.
    Everyone,
}

impl Visibility {
    /// Its name in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Private => "private",
            Self::Team => "team",
            Self::Everyone => "everyone",
        }
    }

    /// The name parsed back.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Private, Self::Team, Self::Everyone].into_iter().find(|v| v.as_str() == name)
    }
}
