//! Reading `~/.oci/config`: the file the OCI CLI and SDKs share.
//!
//! The format is what the Python SDK reads with `configparser` (interpolation off, strict): INI
//! sections are profiles, keys are case-insensitive, `=` or `:` separates key and value, lines
//! starting with `#` or `;` are comments, indented lines continue the previous value, and every key
//! of `[DEFAULT]` is inherited by every other profile unless the profile sets it. Duplicate
//! profiles or keys are errors, as in the SDK.
//!
//! Design choices where the SDK is silent or surprising: a relative `key_file` is resolved against
//! the directory of the config file (the SDK resolves it against the working directory, which
//! depends on where a server happens to start); `~/` expands to `$HOME`.
//!
//! Every error names the file, and where it applies the line, the profile and the field, plus what
//! to change. Pass phrases are held as `SecretString` and never printed.

use super::key::{Fingerprint, KeyError, PrivateKey};
use super::region::{Region, RegionError};
use super::signer::ApiKey;
use app::model::ocid::is_sdk_config_ocid;
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The profile every other profile inherits from.
pub const DEFAULT_PROFILE: &str = "DEFAULT";

/// A problem with a config file, located as precisely as possible.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", self.location())]
pub struct ConfigError {
    /// The config file.
    pub file: PathBuf,
    /// 1-based line, for syntax errors and fields read from the file.
    pub line: Option<usize>,
    /// The profile being read.
    pub profile: Option<String>,
    /// The field at fault.
    pub field: Option<String>,
    /// What is wrong (boxed: errors travel by value through `?`, problems can be large).
    pub problem: Box<ConfigProblem>,
}

/// What is wrong with a config file or the key it points at.
#[derive(Debug, thiserror::Error)]
pub enum ConfigProblem {
    /// The file could not be read.
    #[error("cannot read the file ({0})")]
    Read(std::io::Error),
    /// A line is not INI syntax.
    #[error("{0}")]
    Syntax(String),
    /// The requested profile is not in the file.
    #[error("no such profile; the file has {0}")]
    NoSuchProfile(String),
    /// A required field is absent from the profile and from `[DEFAULT]`.
    #[error("missing; add it to this profile or to [DEFAULT]")]
    Missing,
    /// A field's value is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// The key file could not be read.
    #[error("cannot read key file {path} ({source})")]
    KeyFile {
        /// Resolved path of the key file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The key file's content is not a usable key.
    #[error("key file {path}: {source}")]
    Key {
        /// Resolved path of the key file.
        path: PathBuf,
        /// Why the key cannot be used.
        source: KeyError,
    },
    /// The configured fingerprint is not the key's.
    #[error(
        "is {configured} but the key in {path} has fingerprint {actual}; upload this key's public half to OCI, or point key_file at the key whose fingerprint OCI shows"
    )]
    FingerprintMismatch {
        /// What the config says.
        configured: Fingerprint,
        /// What the key is.
        actual: Fingerprint,
        /// Resolved path of the key file.
        path: PathBuf,
    },
}

impl ConfigError {
    fn location(&self) -> String {
        let mut out = self.file.display().to_string();
        if let Some(line) = self.line {
            out.push_str(&format!(", line {line}"));
        }
        if let Some(profile) = &self.profile {
            out.push_str(&format!(", profile [{profile}]"));
        }
        if let Some(field) = &self.field {
            out.push_str(&format!(", {field}"));
        }
        out
    }
}

#[derive(Debug, Clone)]
struct Entry {
    value: String,
    line: usize,
}

/// A parsed config file: its profiles and their raw fields.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    path: PathBuf,
    sections: BTreeMap<String, BTreeMap<String, Entry>>,
    order: Vec<String>,
}

/// The fields of one profile, validated and with `[DEFAULT]` applied.
#[derive(Clone)]
pub struct Profile {
    /// Profile name.
    pub name: String,
    /// Tenancy OCID.
    pub tenancy: String,
    /// User OCID.
    pub user: String,
    /// Fingerprint of the API key as uploaded to OCI.
    pub fingerprint: Fingerprint,
    /// Absolute path of the private key.
    pub key_file: PathBuf,
    /// Home region of the calls.
    pub region: Region,
    /// Pass phrase of an encrypted key.
    pub pass_phrase: Option<SecretString>,
    /// A session profile's `security_token_file` (`oci session authenticate` writes one); such a
    /// profile needs no `user`, the token names it.
    pub security_token_file: Option<String>,
    file: PathBuf,
    lines: BTreeMap<&'static str, usize>,
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("name", &self.name)
            .field("tenancy", &self.tenancy)
            .field("user", &self.user)
            .field("fingerprint", &self.fingerprint)
            .field("key_file", &self.key_file)
            .field("region", &self.region)
            .field("pass_phrase", &self.pass_phrase.as_ref().map(|_| "******"))
            .finish()
    }
}

impl ConfigFile {
    /// Reads and parses the file at `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|err| ConfigError {
            file: path.to_path_buf(),
            line: None,
            profile: None,
            field: None,
            problem: Box::new(ConfigProblem::Read(err)),
        })?;
        Self::parse(path, &text)
    }

    /// Parses `text` as the content of the file at `path` (used to resolve relative key paths).
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let mut sections: BTreeMap<String, BTreeMap<String, Entry>> = BTreeMap::new();
        let mut order = Vec::new();
        let mut current: Option<String> = None;
        let error_in = |profile: &Option<String>, line: usize, message: String| ConfigError {
            file: path.to_path_buf(),
            line: Some(line),
            profile: profile.clone(),
            field: None,
            problem: Box::new(ConfigProblem::Syntax(message)),
        };
        let mut last_key: Option<String> = None;
        for (index, raw) in text.lines().enumerate() {
            let number = index + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
                continue;
            }
            if raw.starts_with([' ', '\t']) {
                let (Some(section), Some(key)) = (&current, &last_key) else {
                    return Err(error_in(&current, number, "indented line with no key above it to continue".into()));
                };
                if let Some(entry) = sections.get_mut(section).and_then(|s| s.get_mut(key)) {
                    entry.value.push('\n');
                    entry.value.push_str(trimmed);
                }
                continue;
            }
            if let Some(rest) = trimmed.strip_prefix('[') {
                let name = rest.strip_suffix(']').map(str::trim).filter(|n| !n.is_empty()).ok_or_else(|| {
                    error_in(&current, number, format!("\"{trimmed}\" is not a profile header; write [NAME]"))
                })?;
                if sections.contains_key(name) {
                    return Err(error_in(&None, number, format!("profile [{name}] appears twice")));
                }
                sections.insert(name.to_owned(), BTreeMap::new());
                order.push(name.to_owned());
                current = Some(name.to_owned());
                last_key = None;
                continue;
            }
            let Some(at) = trimmed.find(['=', ':']) else {
                return Err(error_in(&current, number, format!("\"{trimmed}\" is not `key = value`")));
            };
            let key = trimmed[..at].trim().to_ascii_lowercase();
            let value = trimmed[at + 1..].trim().to_owned();
            if key.is_empty() {
                return Err(error_in(&current, number, "a value without a key".into()));
            }
            let Some(section) = &current else {
                return Err(error_in(&None, number, format!("`{key}` comes before any [PROFILE] header")));
            };
            let fields = sections.entry(section.clone()).or_default();
            if fields.contains_key(&key) {
                return Err(ConfigError {
                    field: Some(key.clone()),
                    ..error_in(&current, number, format!("`{key}` is set twice in [{section}]"))
                });
            }
            fields.insert(key.clone(), Entry { value, line: number });
            last_key = Some(key);
        }
        Ok(Self { path: path.to_path_buf(), sections, order })
    }

    /// Profile names in file order (including `DEFAULT` when present).
    pub fn profile_names(&self) -> &[String] {
        &self.order
    }

    /// The named profile with `[DEFAULT]` applied, every field validated.
    pub fn profile(&self, name: &str) -> Result<Profile, ConfigError> {
        self.read_profile(name, true)
    }

    /// The named profile of a config file uploaded with its key: `key_file`, which names a path
    /// on the uploader's machine, is not needed and not read.
    pub fn profile_for_uploaded_key(&self, name: &str) -> Result<Profile, ConfigError> {
        self.read_profile(name, false)
    }

    fn read_profile(&self, name: &str, key_file_required: bool) -> Result<Profile, ConfigError> {
        let err = |line: Option<usize>, field: Option<&str>, problem| ConfigError {
            file: self.path.clone(),
            line,
            profile: Some(name.to_owned()),
            field: field.map(str::to_owned),
            problem: Box::new(problem),
        };
        if !self.sections.contains_key(name) {
            let available = if self.order.is_empty() {
                "no profiles".to_owned()
            } else {
                self.order.iter().map(|n| format!("[{n}]")).collect::<Vec<_>>().join(", ")
            };
            return Err(err(None, None, ConfigProblem::NoSuchProfile(available)));
        }
        let lookup = |field: &str| {
            self.sections
                .get(name)
                .and_then(|s| s.get(field))
                .or_else(|| self.sections.get(DEFAULT_PROFILE).and_then(|s| s.get(field)))
                .filter(|e| !e.value.is_empty())
        };
        let required =
            |field: &'static str| lookup(field).ok_or_else(|| err(None, Some(field), ConfigProblem::Missing));
        let invalid = |entry: &Entry, field: &str, message: String| {
            err(Some(entry.line), Some(field), ConfigProblem::Invalid(message))
        };

        if let Some(entry) = lookup("key_content") {
            return Err(invalid(
                entry,
                "key_content",
                "is not allowed in a config file (the SDKs refuse it too); put the key in a file and set key_file"
                    .into(),
            ));
        }
        let mut lines = BTreeMap::new();
        let security_token_file = lookup("security_token_file").map(|e| e.value.clone());
        let user = match (lookup("user"), &security_token_file) {
            (None, Some(_)) => String::new(),
            (found, _) => {
                let user = found.ok_or_else(|| err(None, Some("user"), ConfigProblem::Missing))?;
                check_ocid(&user.value, "user").map_err(|m| invalid(user, "user", m))?;
                lines.insert("user", user.line);
                user.value.clone()
            }
        };
        let tenancy = required("tenancy")?;
        check_ocid(&tenancy.value, "tenancy").map_err(|m| invalid(tenancy, "tenancy", m))?;
        lines.insert("tenancy", tenancy.line);
        let fingerprint_entry = required("fingerprint")?;
        let fingerprint = Fingerprint::parse(&fingerprint_entry.value)
            .map_err(|e| invalid(fingerprint_entry, "fingerprint", e.to_string()))?;
        lines.insert("fingerprint", fingerprint_entry.line);
        let region_entry = required("region")?;
        let region = Region::parse(&region_entry.value)
            .map_err(|e: RegionError| invalid(region_entry, "region", e.to_string()))?;
        let key_file = match lookup("key_file") {
            Some(entry) => {
                lines.insert("key_file", entry.line);
                self.resolve(&entry.value)
            }
            None if key_file_required => return Err(err(None, Some("key_file"), ConfigProblem::Missing)),
            None => PathBuf::new(),
        };
        let pass_phrase = lookup("pass_phrase").map(|e| SecretString::from(e.value.clone()));

        Ok(Profile {
            name: name.to_owned(),
            tenancy: tenancy.value.clone(),
            user,
            fingerprint,
            key_file,
            region,
            pass_phrase,
            security_token_file,
            file: self.path.clone(),
            lines,
        })
    }

    /// `~/` is the home directory; a relative path is relative to this file's directory.
    fn resolve(&self, value: &str) -> PathBuf {
        let expanded = match value.strip_prefix("~/") {
            Some(rest) => std::env::var_os("HOME").map(|home| Path::new(&home).join(rest)),
            None => None,
        };
        let path = expanded.unwrap_or_else(|| PathBuf::from(value));
        if path.is_absolute() { path } else { self.path.parent().unwrap_or(Path::new(".")).join(path) }
    }
}

impl Profile {
    /// Reads the key file, decrypts it with the pass phrase if needed, and checks that its
    /// fingerprint is the configured one.
    pub fn api_key(&self) -> Result<ApiKey, ConfigError> {
        let key_field_error = |problem| ConfigError {
            file: self.file.clone(),
            line: self.lines.get("key_file").copied(),
            profile: Some(self.name.clone()),
            field: Some("key_file".into()),
            problem: Box::new(problem),
        };
        let pem = std::fs::read(&self.key_file)
            .map_err(|source| key_field_error(ConfigProblem::KeyFile { path: self.key_file.clone(), source }))?;
        let key = PrivateKey::from_pem(&pem, self.pass_phrase.as_ref()).map_err(|source| {
            let field = match source {
                KeyError::PassphraseRequired | KeyError::WrongPassphrase => "pass_phrase",
                _ => "key_file",
            };
            ConfigError {
                field: Some(field.into()),
                line: if field == "key_file" { self.lines.get("key_file").copied() } else { None },
                ..key_field_error(ConfigProblem::Key { path: self.key_file.clone(), source })
            }
        })?;
        if key.fingerprint() != &self.fingerprint {
            return Err(ConfigError {
                field: Some("fingerprint".into()),
                line: self.lines.get("fingerprint").copied(),
                ..key_field_error(ConfigProblem::FingerprintMismatch {
                    configured: self.fingerprint.clone(),
                    actual: key.fingerprint().clone(),
                    path: self.key_file.clone(),
                })
            });
        }
        Ok(ApiKey::new(&self.tenancy, &self.user, key))
    }
}

/// An OCID as the Python SDK's config validator takes it (see [`is_sdk_config_ocid`]).
fn check_ocid(value: &str, field: &str) -> Result<(), String> {
    let kind = if field == "user" { "user" } else { "tenancy" };
    if is_sdk_config_ocid(value) {
        Ok(())
    } else {
        Err(format!("\"{value}\" is not an OCID; copy the {kind} OCID (ocid1.{kind}.oc1..aaaa…) from the OCI console"))
    }
}

#[cfg(test)]
mod tests;
