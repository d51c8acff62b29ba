//! wss:// against a TLS server on 127.0.0.1 whose certificate is signed by a
//! private CA made for the test: trusted with `--ca-cert`, refused without.

use std::process::Command;
use std::sync::Arc;

use futures_util::SinkExt;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls_pki_types::PrivateKeyDer;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

const BIN: &str = env!("CARGO_BIN_EXE_runtop");

#[tokio::test(flavor = "multi_thread")]
async fn wss_with_a_private_ca() {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server_cert = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&server_key, &ca)
        .unwrap();
    let dir = std::env::temp_dir().join(format!("runtop-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();

    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![server_cert.der().clone()],
        PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut ws) = tokio_tungstenite::accept_async(tls).await else {
                    return;
                };
                for i in 0..3 {
                    let line = format!(
                        r#"{{"type":"log","ts":"{}","level":"info","message":"over tls {i}"}}"#,
                        now_rfc3339()
                    );
                    let _ = ws.send(Message::text(line)).await;
                }
                tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            });
        }
    });

    let url = format!("wss://localhost:{port}/events");
    let run = |extra: Vec<String>| {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            Command::new(BIN)
                // Never the user's data directory (kept baselines).
                .env(
                    "XDG_DATA_HOME",
                    std::env::temp_dir().join("runtop-test-data"),
                )
                .arg("report")
                .arg(&url)
                .args(extra)
                .output()
                .unwrap()
        })
    };
    let trusted = run(vec![
        "--ca-cert".into(),
        ca_file.to_str().unwrap().into(),
        "--events".into(),
        "3".into(),
        "--for".into(),
        "10".into(),
    ]);
    let untrusted = run(vec!["--for".into(), "1.5".into()]);
    let trusted = trusted.await.unwrap();
    let untrusted = untrusted.await.unwrap();
    std::fs::remove_dir_all(&dir).unwrap();

    let r: Value = serde_json::from_slice(&trusted.stdout).unwrap();
    assert_eq!(
        r["events"]["accepted"],
        3,
        "{}",
        String::from_utf8_lossy(&trusted.stderr)
    );
    let r: Value = serde_json::from_slice(&untrusted.stdout).unwrap();
    assert_eq!(r["events"]["received"], 0);
    assert!(
        r["sources"][0]["failures"]["tls"].as_u64().unwrap() >= 1,
        "{}",
        r["sources"]
    );
    assert!(
        r["sources"][0]["last_failure"]
            .as_str()
            .unwrap()
            .starts_with("TLS failed"),
        "{}",
        r["sources"]
    );
}

fn now_rfc3339() -> String {
    jiff::Timestamp::now().to_string()
}
