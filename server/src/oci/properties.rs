//! Property tests: the `~/.oci/config` reader and the PEM key loader never panic, whatever bytes
//! they are given (pasted files come from users). Run longer with `make fuzz`.

use super::config::ConfigFile;
use super::key::PrivateKey;
use proptest::prelude::*;
use secrecy::SecretString;
use std::path::Path;

/// Text shaped like a config file: sections, keys, values, comments, continuation junk.
fn config_like() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        "\\[[A-Za-z_ ]{0,12}\\]",
        "(user|tenancy|fingerprint|region|key_file|pass_phrase|security_token_file)[ ]?=[ ]?\\PC{0,40}",
        "[#;]\\PC{0,30}",
        "\\PC{0,40}",
        Just(String::new()),
    ];
    prop::collection::vec(line, 0..20).prop_map(|lines| lines.join("\n"))
}

/// Text shaped like a PEM file: a BEGIN line of a known or unknown kind, headers, base64, junk.
fn pem_like() -> impl Strategy<Value = Vec<u8>> {
    let kind = prop_oneof![
        Just("RSA PRIVATE KEY"),
        Just("PRIVATE KEY"),
        Just("ENCRYPTED PRIVATE KEY"),
        Just("PUBLIC KEY"),
        Just("CERTIFICATE"),
    ];
    let headers = prop_oneof![
        Just(String::new()),
        "Proc-Type: 4,ENCRYPTED\nDEK-Info: (AES-128-CBC|DES-EDE3-CBC|AES-256-CBC|RC4),[0-9A-Fa-f]{0,40}\n\n",
    ];
    (kind, headers, prop::collection::vec(any::<u8>(), 0..600)).prop_map(|(kind, headers, der)| {
        use base64::Engine;
        let body = base64::engine::general_purpose::STANDARD.encode(der);
        format!("-----BEGIN {kind}-----\n{headers}{body}\n-----END {kind}-----\n").into_bytes()
    })
}

proptest! {
    #[test]
    fn never_panics_reading_any_config_text(text in "\\PC{0,600}") {
        let _ = ConfigFile::parse(Path::new("config"), &text);
    }

    #[test]
    fn never_panics_reading_config_shaped_text(text in config_like()) {
        if let Ok(file) = ConfigFile::parse(Path::new("config"), &text) {
            let _ = file.profile_for_uploaded_key("DEFAULT");
        }
    }

    #[test]
    fn never_panics_loading_any_bytes_as_a_key(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let _ = PrivateKey::from_pem(&bytes, None);
    }

    #[test]
    fn never_panics_loading_pem_shaped_keys(pem in pem_like(), pass in prop::option::of("[a-z]{0,8}")) {
        let pass = pass.map(SecretString::from);
        let _ = PrivateKey::from_pem(&pem, pass.as_ref());
    }
}
