//! The load generator's HTTP client: HTTP/1.1 keep-alive connections (hyper, no pooling
//! layer), to loopback only. A closed-loop worker owns one [`Conn`]; open-loop flows share a
//! [`Pool`] of idle ones.

use base64::Engine;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::TcpStream;

/// One request: method, path, headers and body, sent to the target's address.
#[derive(Clone, Debug)]
pub struct Req {
    pub post: bool,
    pub path: String,
    pub authorization: Option<String>,
    pub form: String,
}

impl Req {
    pub fn get(path: &str) -> Req {
        Req {
            post: false,
            path: path.to_string(),
            authorization: None,
            form: String::new(),
        }
    }

    pub fn form(path: &str, form: String) -> Req {
        Req {
            post: true,
            path: path.to_string(),
            authorization: None,
            form,
        }
    }

    pub fn basic(mut self, id: &str, secret: &str) -> Req {
        let pair = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
        self.authorization = Some(format!("Basic {pair}"));
        self
    }
}

/// What came back: status and body.
pub struct Answer {
    pub status: u16,
    pub body: Bytes,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }

    pub fn text(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        format!(
            "{} {}",
            self.status,
            text.chars().take(300).collect::<String>()
        )
    }
}

/// One keep-alive connection; reopened after the server closed it.
pub struct Conn {
    addr: SocketAddr,
    host: String,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Conn {
    pub fn new(addr: SocketAddr) -> Conn {
        assert!(addr.ip().is_loopback(), "load goes to loopback only");
        Conn {
            addr,
            host: addr.to_string(),
            sender: None,
        }
    }

    async fn sender(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, String> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let stream = TcpStream::connect(self.addr)
                .await
                .map_err(|e| format!("connect: {e}"))?;
            stream.set_nodelay(true).map_err(|e| e.to_string())?;
            let (sender, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                    .await
                    .map_err(|e| format!("handshake: {e}"))?;
            tokio::spawn(conn);
            self.sender = Some(sender);
        }
        Ok(self.sender.as_mut().expect("just set"))
    }

    pub async fn send(&mut self, req: &Req) -> Result<Answer, String> {
        let mut builder = hyper::Request::builder()
            .method(if req.post { "POST" } else { "GET" })
            .uri(req.path.as_str())
            .header(hyper::header::HOST, self.host.as_str());
        if let Some(a) = &req.authorization {
            builder = builder.header(hyper::header::AUTHORIZATION, a.as_str());
        }
        if req.post {
            builder = builder.header(
                hyper::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            );
        }
        let request = builder
            .body(Full::new(Bytes::from(req.form.clone())))
            .map_err(|e| e.to_string())?;
        let result = async {
            let sender = self.sender().await?;
            sender.ready().await.map_err(|e| e.to_string())?;
            let response = sender
                .send_request(request)
                .await
                .map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| e.to_string())?
                .to_bytes();
            Ok(Answer { status, body })
        }
        .await;
        if result.is_err() {
            self.sender = None;
        }
        result
    }
}

/// Idle connections shared by concurrent flows: a flow takes one per request and puts it
/// back, so at most as many connections are open as requests are in flight.
#[derive(Clone)]
pub struct Pool {
    addr: SocketAddr,
    idle: Arc<Mutex<Vec<Conn>>>,
}

impl Pool {
    pub fn new(addr: SocketAddr) -> Pool {
        Pool {
            addr,
            idle: Arc::default(),
        }
    }

    pub async fn send(&self, req: &Req) -> Result<Answer, String> {
        let conn = self.idle.lock().expect("pool").pop();
        let mut conn = conn.unwrap_or_else(|| Conn::new(self.addr));
        let answer = conn.send(req).await;
        if answer.is_ok() {
            self.idle.lock().expect("pool").push(conn);
        }
        answer
    }
}

/// An `application/x-www-form-urlencoded` body.
pub fn form(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).expect("strings encode")
}
