//! Notifications topics: the checks of a topic's name and description that the form, the
//! template renderer and the server share.

/// Longest topic description accepted. OCI documents no limit (`../shared/reference/oci-api.md`
/// lists it as unconfirmed); 1,024 characters is Signalbox's choice, so that a pasted log or a
/// wrong file is refused with a clear message instead of an opaque 400 from OCI.
pub const MAX_DESCRIPTION: usize = 1024;

/// Why a topic name is not acceptable, if it is not.
pub fn check_topic_name(name: &str) -> Result<(), String> {
    let valid_chars = name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !(1..=256).contains(&name.len()) || !valid_chars {
        return Err(format!(
            "\"{name}\" is not a topic name: use 1 to 256 letters, digits, hyphens or underscores, such as infra-alerts."
        ));
    }
    Ok(())
}

/// Why a description is not acceptable, if it is not.
pub fn check_description(description: &str) -> Result<(), String> {
    let length = description.chars().count();
    if length > MAX_DESCRIPTION {
        return Err(format!("The description is {length} characters long; shorten it to at most {MAX_DESCRIPTION}."));
    }
    crate::model::text::check_multi_line(description)
}
