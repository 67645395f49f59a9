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
        "[tls]\ncert = \"{}\"\nkey = \"{}\"\n[http]\nheader_read_timeout = 2\n",
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
    // A client that never finishes its handshake is dropped at the header read timeout (2 s),
    // and the listener keeps serving meanwhile.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stalled = Vec::new();
    for _ in 0..20 {
        let mut c = tokio::net::TcpStream::connect(s.op.trim_start_matches("http://"))
            .await
            .unwrap();
        // The first bytes of a TLS record header (handshake, TLS 1.0), then nothing.
        c.write_all(&[0x16, 0x03, 0x01]).await.unwrap();
        stalled.push((c, std::time::Instant::now()));
    }
    let meta = client
        .get(format!("{https}/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(meta.status(), 200);
    for (c, opened) in &mut stalled {
        let mut buf = [0u8; 64];
        let read = tokio::time::timeout(std::time::Duration::from_secs(30), c.read(&mut buf)).await;
        assert!(
            matches!(read, Ok(Ok(0)) | Ok(Err(_))),
            "a stalled handshake is still open: {read:?}"
        );
        assert!(opened.elapsed() >= std::time::Duration::from_millis(1950));
    }
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
