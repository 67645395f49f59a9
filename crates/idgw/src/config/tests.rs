use super::*;

#[test]
fn toml_of_the_design_document_loads() {
    let dir = std::env::temp_dir().join(format!("idgw-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("idgw.toml");
    std::fs::write(
        &path,
        r#"
issuer = "http://127.0.0.1:8080"
[storage]
url = "sqlite://idgw-data/idgw.db"
[[clients]]
client_id = "sp1"
client_secret = "s3cret"
token_endpoint_auth_method = "client_secret_basic"
backchannel_token_delivery_mode = "poll"
scope = "openid mc_authn mc_authz phone"
[[subscribers]]
msisdn = "447700900001"
pin = "1234"
handset = "manual"
ota_keys = { algorithm = "aes128", kvn = 1, kic = "00112233445566778899aabbccddeeff", kid = "ffeeddccbbaa99887766554433221100" }
[smsc_sim]
accounts = [{ system_id = "idgw-ota", password = "secret" }]
"#,
    )
    .unwrap();
    let c = Config::load(Some(&path)).unwrap();
    assert_eq!(c.clients[0].client_id, "sp1");
    assert_eq!(c.subscribers[0].handset, "manual");
    assert!(
        !format!("{c:?}").contains("s3cret"),
        "client secret never printed"
    );
    assert!(
        !format!("{:?}", c.subscribers[0]).contains("1234"),
        "PIN never printed"
    );
    std::fs::write(&path, "colour = 1\n").unwrap();
    assert!(
        Config::load(Some(&path)).is_err(),
        "unknown keys are errors"
    );
    std::fs::remove_dir_all(dir).ok();
}

/// A scratch directory for one test.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("idgw-config-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_secret_setting_reads_its_file_and_never_prints() {
    let dir = scratch("files");
    let secret = |name: &str, value: &str| {
        let path = dir.join(name);
        // Container secrets usually end with a line break, which is not part of the value.
        std::fs::write(&path, format!("{value}\n")).unwrap();
        path.display().to_string()
    };
    let toml = format!(
        r#"
[storage]
url_file = "{url}"
[admin]
token_file = "{token}"
[mssp]
ap_pwd_file = "{ap_pwd}"
[ota]
password_file = "{ota}"
[smsc_sim]
accounts = [{{ system_id = "idgw-ota", password_file = "{smpp}" }}]
[[clients]]
client_id = "sp1"
client_secret_file = "{client}"
[[subscribers]]
msisdn = "447700900001"
pin_file = "{pin}"
user_code_file = "{code}"
ota_keys = {{ algorithm = "aes128", kvn = 1, kic_file = "{kic}", kid_file = "{kid}" }}
"#,
        url = secret("url", "postgres://idgw:db-pass-1@127.0.0.1/idgw"),
        token = secret("token", "admin-token-2"),
        ap_pwd = secret("ap_pwd", "ap-pwd-3"),
        ota = secret("ota", "ota-pwd-4"),
        smpp = secret("smpp", "smpp-pwd-5"),
        client = secret("client", "client-secret-6"),
        pin = secret("pin", "9876"),
        code = secret("code", "user-code-7"),
        kic = secret("kic", "00112233445566778899aabbccddeeff"),
        kid = secret("kid", "ffeeddccbbaa99887766554433221100"),
    );
    let path = dir.join("idgw.toml");
    std::fs::write(&path, toml).unwrap();
    let c = Config::load(Some(&path)).unwrap();
    assert_eq!(c.storage_url(), "postgres://idgw:db-pass-1@127.0.0.1/idgw");
    assert_eq!(c.admin.token.as_ref().unwrap().0, "admin-token-2");
    assert_eq!(c.mssp.ap_pwd.as_ref().unwrap().0, "ap-pwd-3");
    assert_eq!(c.ota.password.as_ref().unwrap().0, "ota-pwd-4");
    assert_eq!(c.smsc_sim.accounts[0].password.0, "smpp-pwd-5");
    assert_eq!(
        c.clients[0].client_secret.as_ref().unwrap().0,
        "client-secret-6"
    );
    let s = &c.subscribers[0];
    assert_eq!(s.pin.as_ref().unwrap().0, "9876");
    assert_eq!(s.user_code.as_ref().unwrap().0, "user-code-7");
    let keys = s.ota_keys.as_ref().unwrap();
    assert_eq!(keys.kic.0, "00112233445566778899aabbccddeeff");
    assert_eq!(keys.kid.0, "ffeeddccbbaa99887766554433221100");
    let printed = format!("{c:?}");
    for value in [
        "db-pass-1",
        "admin-token-2",
        "ap-pwd-3",
        "ota-pwd-4",
        "smpp-pwd-5",
        "client-secret-6",
        "9876",
        "user-code-7",
        "00112233445566778899aabbccddeeff",
        "ffeeddccbbaa99887766554433221100",
    ] {
        assert!(!printed.contains(value), "{value} printed");
    }
    // The storage URL prints, without its password.
    assert!(
        printed.contains("postgres://idgw:***@127.0.0.1/idgw"),
        "{printed}"
    );
    assert_eq!(c.admin.token.as_ref().unwrap().to_string(), "<redacted>");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_secret_given_twice_or_from_a_missing_file_is_refused() {
    let dir = scratch("twice");
    let token = dir.join("token");
    std::fs::write(&token, "from-file").unwrap();
    let path = dir.join("idgw.toml");
    std::fs::write(
        &path,
        format!(
            "[admin]\ntoken = \"inline-9\"\ntoken_file = \"{}\"\n",
            token.display()
        ),
    )
    .unwrap();
    let e = format!("{:#}", Config::load(Some(&path)).unwrap_err());
    assert!(
        e.contains("admin.token and admin.token_file are both set"),
        "{e}"
    );
    assert!(!e.contains("inline-9") && !e.contains("from-file"), "{e}");

    let missing = dir.join("nowhere");
    std::fs::write(
        &path,
        format!(
            "[[clients]]\nclient_id = \"sp1\"\nclient_secret_file = \"{}\"\n",
            missing.display()
        ),
    )
    .unwrap();
    let e = format!("{:#}", Config::load(Some(&path)).unwrap_err());
    assert!(
        e.contains("cannot read clients[0].client_secret_file") && e.contains("nowhere"),
        "{e}"
    );
    // `_file` is only for secrets: elsewhere it is an unknown key as before.
    std::fs::write(&path, "issuer_file = \"/etc/hostname\"\n").unwrap();
    assert!(Config::load(Some(&path)).is_err());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn http_settings_have_safe_defaults_and_refuse_disabling() {
    let d = Config::default().http;
    assert_eq!(d.max_form_body_bytes, 64 * 1024);
    assert!(d.check().is_ok());
    let dir = scratch("http");
    let path = dir.join("idgw.toml");
    std::fs::write(&path, "[http]\nheader_read_timeout = 0\n").unwrap();
    assert!(Config::load(Some(&path)).is_err());
    std::fs::write(&path, "[http]\nmax_connections = 0\n").unwrap();
    assert!(Config::load(Some(&path)).is_err());
    std::fs::write(
        &path,
        "[http]\nheader_read_timeout = 3\nmax_connections = 100\n",
    )
    .unwrap();
    let c = Config::load(Some(&path)).unwrap();
    assert_eq!(c.http.limits().header_read_timeout.as_secs(), 3);
    assert_eq!(c.http.max_connections, 100);
    std::fs::remove_dir_all(dir).ok();
}
