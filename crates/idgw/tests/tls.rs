//! With `[tls]`, the OP and admin listeners speak HTTPS (DESIGN.md section 3), and a
//! non-loopback listener without TLS is refused at start.

mod common;

use std::process::Command;

#[tokio::test]
async fn op_serves_https_with_the_configured_certificate() {
    let dir = std::env::temp_dir().join(format!("idgw-tls-cert-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A throwaway CA, and a server certificate for 127.0.0.1 signed by it.
    let script = "set -e
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
            -subj '/CN=idgw test CA' -keyout ca.key -out ca.pem
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -subj '/CN=127.0.0.1' -keyout key.pem -out cert.csr
        printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\n' > ext.cnf
        openssl x509 -req -days 1 -in cert.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
            -extfile ext.cnf -out cert.pem";
    let made = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "openssl (installed by scripts/setup.sh): {}",
        String::from_utf8_lossy(&made.stderr)
    );
    let (ca, cert, key) = (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    );
    let extra = format!(
        "[tls]\ncert = \"{}\"\nkey = \"{}\"\n",
        cert.display(),
        key.display()
    );
    let s = common::Server::start_tls("tls", &extra).await;
    let pem = std::fs::read(&ca).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    let https = s.op.replace("http://", "https://");
    let meta: serde_json::Value = client
        .get(format!("{https}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        meta["issuer"], https,
        "the default issuer is https with TLS"
    );
    // Plain HTTP to the TLS port fails.
    assert!(reqwest::get(format!("{}/jwks.json", s.op)).await.is_err());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn plain_http_off_loopback_is_refused() {
    let dir = std::env::temp_dir().join(format!("idgw-tls-refuse-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("idgw.toml");
    std::fs::write(&config, "[listen]\nop = \"0.0.0.0:18080\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_idgw"))
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("plain HTTP is allowed only on loopback"));
    std::fs::remove_dir_all(dir).ok();
}
