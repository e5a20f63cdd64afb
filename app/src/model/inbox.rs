//! What a webhook inbox accepts and keeps, and the kinds of request it tells apart.

use serde::{Deserialize, Serialize};

/// Largest request an inbox accepts, in bytes; larger ones are answered 413. OCI's own limit for a
/// message is 64 KiB, so this leaves room for ONS's envelope.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Deliveries an inbox keeps; the oldest go first.
pub const KEPT_DELIVERIES: i64 = 1000;
/// Days a delivery is kept.
pub const KEPT_DAYS: i64 = 7;

/// What kind of request an inbox received (`X-OCI-NS-MessageType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryKind {
    /// A subscription confirmation request.
    Confirmation,
    /// A published message.
    Notification,
    /// Anything else (not from ONS, or a type this version does not know).
    Other,
}

impl DeliveryKind {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryKind::Confirmation => "confirmation",
            DeliveryKind::Notification => "notification",
            DeliveryKind::Other => "other",
        }
    }

    /// From its stored form.
    pub fn parse(text: &str) -> Self {
        match text {
            "confirmation" => DeliveryKind::Confirmation,
            "notification" => DeliveryKind::Notification,
            _ => DeliveryKind::Other,
        }
    }
}
