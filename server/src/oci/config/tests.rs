//! The config reader on real files in a temporary directory, with the key fixtures of `testdata/`.

use super::*;
use tempfile::TempDir;

const FINGERPRINT: &str = "4d:d6:32:4b:fb:9d:e0:46:d0:76:07:37:67:a6:73:8e";
const TENANCY: &str = "ocid1.tenancy.oc1..aaaaaaaatestenancy";
const USER: &str = "ocid1.user.oc1..aaaaaaaatestuser";

/// A directory holding every key fixture and a `config` file with `body`.
fn setup(body: &str) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/oci/testdata");
    for entry in std::fs::read_dir(&testdata).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let config = dir.path().join("config");
    std::fs::write(&config, body).unwrap();
    (dir, config)
}

fn base(key_file: &str) -> String {
    format!(
        "[DEFAULT]\nuser={USER}\nfingerprint={FINGERPRINT}\nkey_file={key_file}\ntenancy={TENANCY}\nregion=us-ashburn-1\n"
    )
}

fn error(config: &Path, profile: &str) -> ConfigError {
    let file = ConfigFile::load(config).unwrap();
    match file.profile(profile) {
        Ok(profile) => profile.api_key().expect_err("expected the key to be refused"),
        Err(err) => err,
    }
}

#[test]
fn profiles_inherit_default_values() {
    let text = format!(
        "{}\n[PROD]\nregion = fra\n\n# staging uses its own user\n[STAGING]\nuser: ocid1.user.oc1..aaaaaaaaother\n",
        base("vector_pkcs1.pem")
    );
    let (dir, config) = setup(&text);
    let file = ConfigFile::load(&config).unwrap();
    assert_eq!(file.profile_names(), ["DEFAULT", "PROD", "STAGING"]);

    let prod = file.profile("PROD").unwrap();
    assert_eq!(prod.region.id(), "eu-frankfurt-1");
    assert_eq!(prod.user, USER, "inherited from [DEFAULT]");
    assert_eq!(prod.key_file, dir.path().join("vector_pkcs1.pem"), "relative to the config file");
    assert_eq!(prod.api_key().unwrap().key_id(), format!("{TENANCY}/{USER}/{FINGERPRINT}"));

    let staging = file.profile("STAGING").unwrap();
    assert_eq!(staging.user, "ocid1.user.oc1..aaaaaaaaother");
    assert_eq!(staging.region.id(), "us-ashburn-1");
    assert_eq!(file.profile(DEFAULT_PROFILE).unwrap().region.id(), "us-ashburn-1");
}

#[test]
fn every_key_format_loads_with_the_configured_fingerprint() {
    for (key_file, pass) in [
        ("vector_pkcs1.pem", None),
        ("vector_pkcs8.pem", None),
        ("vector_with_label.pem", None),
        ("vector_pkcs8_encrypted.pem", Some("correct-horse")),
        ("vector_legacy_aes128.pem", Some("correct-horse")),
        ("vector_legacy_des3.pem", Some("correct-horse")),
    ] {
        let mut text = base(key_file);
        if let Some(pass) = pass {
            text.push_str(&format!("pass_phrase={pass}\n"));
        }
        let (_dir, config) = setup(&text);
        let profile = ConfigFile::load(&config).unwrap().profile(DEFAULT_PROFILE).unwrap();
        let key = profile.api_key().unwrap_or_else(|e| panic!("{key_file}: {e}"));
        assert!(key.key_id().ends_with(FINGERPRINT), "{key_file}");
    }
}

#[test]
fn a_missing_key_file_names_the_file_profile_field_and_path() {
    let (dir, config) = setup(&format!("{}[PROD]\nregion=phx\n", base("nowhere.pem")));
    let err = error(&config, "PROD");
    let text = err.to_string();
    assert!(matches!(*err.problem, ConfigProblem::KeyFile { .. }));
    assert_eq!(err.field.as_deref(), Some("key_file"));
    assert_eq!(err.line, Some(4));
    assert!(
        text.starts_with(&format!("{}, line 4, profile [PROD], key_file: cannot read key file", config.display())),
        "{text}"
    );
    assert!(text.contains(&dir.path().join("nowhere.pem").display().to_string()), "{text}");
}

#[test]
fn a_wrong_or_missing_pass_phrase_is_reported_on_pass_phrase() {
    let (_dir, config) = setup(&format!("{}pass_phrase=wrong\n", base("vector_legacy_aes128.pem")));
    let err = error(&config, DEFAULT_PROFILE);
    assert_eq!(err.field.as_deref(), Some("pass_phrase"));
    assert!(matches!(*err.problem, ConfigProblem::Key { source: KeyError::WrongPassphrase, .. }), "{err}");
    assert!(err.to_string().contains("check pass_phrase"), "{err}");
    assert!(!err.to_string().contains("wrong"), "the pass phrase itself is never printed: {err}");

    let (_dir, config) = setup(&base("vector_pkcs8_encrypted.pem"));
    let err = error(&config, DEFAULT_PROFILE);
    assert!(matches!(*err.problem, ConfigProblem::Key { source: KeyError::PassphraseRequired, .. }), "{err}");
    assert!(err.to_string().contains("set pass_phrase"), "{err}");
}

#[test]
fn a_fingerprint_mismatch_shows_both_fingerprints() {
    let (_dir, config) = setup(&base("other_2048.pem"));
    let err = error(&config, DEFAULT_PROFILE);
    assert_eq!(err.field.as_deref(), Some("fingerprint"));
    assert_eq!(err.line, Some(3));
    let ConfigProblem::FingerprintMismatch { configured, actual, .. } = &*err.problem else {
        panic!("expected a mismatch, got {err}");
    };
    assert_eq!(configured.as_str(), FINGERPRINT);
    assert_ne!(actual, configured);
    let text = err.to_string();
    assert!(text.contains(FINGERPRINT) && text.contains(actual.as_str()), "{text}");
}

#[test]
fn a_public_key_or_a_small_key_is_refused_on_key_file() {
    for (key_file, expected) in [("vector_public.pem", "public key"), ("oracle_test_1024.pem", "2048 bits")] {
        let (_dir, config) = setup(&base(key_file));
        let err = error(&config, DEFAULT_PROFILE);
        assert_eq!(err.field.as_deref(), Some("key_file"), "{key_file}");
        assert!(err.to_string().contains(expected), "{key_file}: {err}");
    }
}

#[test]
fn malformed_lines_are_reported_with_their_line_number() {
    let cases = [
        ("[DEFAULT]\nuser ocid1.user.oc1..x\n", 2, "is not `key = value`"),
        ("user=ocid1.user.oc1..x\n[DEFAULT]\n", 1, "before any [PROFILE] header"),
        ("[DEFAULT\nuser=x\n", 1, "is not a profile header"),
        ("[DEFAULT]\nuser=a\nUSER=b\n", 3, "`user` is set twice in [DEFAULT]"),
        ("[A]\nregion=iad\n\n[A]\n", 4, "profile [A] appears twice"),
        ("  indented=1\n", 1, "indented line with no key above it"),
        ("[DEFAULT]\n=value\n", 2, "a value without a key"),
    ];
    for (text, line, needle) in cases {
        let (_dir, config) = setup(text);
        let err = ConfigFile::load(&config).unwrap_err();
        assert_eq!(err.line, Some(line), "{text:?}: {err}");
        assert!(err.to_string().contains(needle), "{text:?}: {err}");
        assert!(err.to_string().starts_with(&config.display().to_string()), "{err}");
    }
    let (_dir, config) = setup("[DEFAULT]\nregion=iad\n[PROD]\nregion phx\n");
    let err = ConfigFile::load(&config).unwrap_err();
    assert!(err.to_string().contains("line 4, profile [PROD]: \"region phx\" is not `key = value`"), "{err}");
    let (_dir, config) = setup("[PROD]\nregion=iad\nregion=phx\n");
    let err = ConfigFile::load(&config).unwrap_err();
    assert_eq!((err.profile.as_deref(), err.field.as_deref()), (Some("PROD"), Some("region")));
}

#[test]
fn missing_and_invalid_fields_name_the_profile_and_field() {
    let (_dir, config) = setup("[DEFAULT]\nregion=iad\n[PROD]\nuser=ocid1.user.oc1..aaaa\n");
    let err = error(&config, "PROD");
    assert!(matches!(*err.problem, ConfigProblem::Missing));
    assert_eq!((err.profile.as_deref(), err.field.as_deref()), (Some("PROD"), Some("tenancy")));
    assert!(
        err.to_string().ends_with("profile [PROD], tenancy: missing; add it to this profile or to [DEFAULT]"),
        "{err}"
    );

    let invalid = [
        ("fingerprint", "4D:D6:32:4B:FB:9D:E0:46:D0:76:07:37:67:A6:73:8E", "not a key fingerprint"),
        ("region", "mars-1", "not an OCI region"),
        ("user", "alice", "not an OCID"),
        ("tenancy", "ocid1.tenancy", "not an OCID"),
    ];
    for (field, value, needle) in invalid {
        let text = base("vector_pkcs1.pem").replace(&format!("\n{field}="), &format!("\n{field}={value}\n#"));
        let (_dir, config) = setup(&text);
        let err = error(&config, DEFAULT_PROFILE);
        assert_eq!(err.field.as_deref(), Some(field), "{field}: {err}");
        assert!(err.line.is_some(), "{field}: {err}");
        assert!(err.to_string().contains(needle), "{field}: {err}");
    }

    let (_dir, config) = setup(&format!("{}key_content=-----BEGIN\n", base("vector_pkcs1.pem")));
    assert_eq!(error(&config, DEFAULT_PROFILE).field.as_deref(), Some("key_content"));
}

#[test]
fn an_unknown_profile_lists_the_ones_that_exist() {
    let (_dir, config) = setup(&format!("{}[PROD]\nregion=phx\n", base("vector_pkcs1.pem")));
    let err = error(&config, "prod");
    assert!(err.to_string().contains("no such profile; the file has [DEFAULT], [PROD]"), "{err}");
}

#[test]
fn an_unreadable_config_file_names_itself() {
    let err = ConfigFile::load(Path::new("/nonexistent/signalbox/config")).unwrap_err();
    assert!(err.to_string().starts_with("/nonexistent/signalbox/config: cannot read the file"), "{err}");
}

#[test]
fn home_relative_key_paths_expand() {
    let (_dir, config) = setup(&base("~/.oci/key.pem"));
    let profile = ConfigFile::load(&config).unwrap().profile(DEFAULT_PROFILE).unwrap();
    let home = std::env::var_os("HOME").expect("HOME is set");
    assert_eq!(profile.key_file, Path::new(&home).join(".oci/key.pem"));
}

#[test]
fn debug_hides_the_pass_phrase() {
    let (_dir, config) = setup(&format!("{}pass_phrase=correct-horse\n", base("vector_legacy_aes128.pem")));
    let profile = ConfigFile::load(&config).unwrap().profile(DEFAULT_PROFILE).unwrap();
    let debug = format!("{profile:?}");
    assert!(!debug.contains("correct-horse") && debug.contains("******"), "{debug}");
}
