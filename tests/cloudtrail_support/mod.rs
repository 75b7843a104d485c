//! Helpers of the CloudTrail integration tests: running the binary, moto's server on a
//! free loopback port (skipped with a reason when it is not installed), and a loopback
//! server speaking the awsJson1_1 wire format of CloudTrail's APIs.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn command(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_leastpriv"));
    c.args(args).current_dir(repo());
    // Never the developer's own AWS configuration.
    for (k, v) in [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_CONFIG_FILE", "/dev/null"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
    ] {
        c.env(k, v);
    }
    c.env_remove("AWS_PROFILE").env_remove("AWS_SESSION_TOKEN");
    c
}

pub fn leastpriv(args: &[&str]) -> Output {
    command(args).output().expect("the leastpriv binary runs")
}

fn leastpriv_at(endpoint: &str, args: &[&str]) -> Output {
    command(args)
        .env("AWS_ENDPOINT_URL", endpoint)
        .output()
        .expect("the leastpriv binary runs")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

/// `../shared/<name>` beside the repository, or `None` (the test says why and passes).
#[allow(clippy::print_stderr)]
pub fn shared(name: &str) -> Option<PathBuf> {
    let p = repo().join("..").join("shared").join(name);
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipped: {} is not there", p.display());
        None
    }
}

/// Files under a folder, sorted.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// One HTTP/1.1 request to 127.0.0.1:port; (status, body).
pub fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
    try_http(port, method, path, headers, body).expect("a request to the local server")
}

/// [`http`], with the connection's errors returned (a server still starting up may
/// accept and then reset the connection).
pub fn try_http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes())?;
    s.write_all(body)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// moto's server on a free loopback port, stopped when dropped.
pub struct Moto {
    child: Child,
    pub port: u16,
}

impl Moto {
    #[allow(clippy::print_stderr)]
    pub fn start() -> Option<Moto> {
        let port = free_port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let Ok(child) = child else {
            eprintln!("skipped: moto_server is not installed (python3 -m pip install 'moto[server]==5.2.1')");
            return None;
        };
        let moto = Moto { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if try_http(port, "GET", "/moto-api/", &[], b"").is_ok_and(|(status, _)| status == 200) {
                return Some(moto);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("moto_server did not answer on 127.0.0.1:{port} within 30 s");
    }

    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
        http(self.port, method, path, headers, body)
    }

    pub fn leastpriv(&self, args: &[&str]) -> Output {
        leastpriv_at(&format!("http://127.0.0.1:{}", self.port), args)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

type Handler = dyn Fn(&str, &Value, usize) -> (u16, Value) + Send + Sync;

/// A loopback server answering awsJson1_1 requests by `X-Amz-Target` operation; the
/// handler gets the operation, the JSON body and how many times it was called before.
pub struct Stub {
    pub port: u16,
    seen: Arc<Mutex<Vec<(String, Value)>>>,
}

impl Stub {
    pub fn start(handler: impl Fn(&str, &Value, usize) -> (u16, Value) + Send + Sync + 'static) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen: Arc<Mutex<Vec<(String, Value)>>> = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let handler = Arc::clone(&handler);
                let log = Arc::clone(&log);
                std::thread::spawn(move || serve(stream, &*handler, &log));
            }
        });
        Stub { port, seen }
    }

    pub fn requests(&self) -> Vec<(String, Value)> {
        self.seen.lock().unwrap().clone()
    }

    pub fn leastpriv(&self, args: &[&str]) -> Output {
        leastpriv_at(&format!("http://127.0.0.1:{}", self.port), args)
    }
}

/// Serves every request of one keep-alive connection.
fn serve(stream: TcpStream, handler: &Handler, log: &Mutex<Vec<(String, Value)>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0;
        let mut target = String::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                match k.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = v.trim().parse().unwrap_or(0),
                    "x-amz-target" => target = v.trim().rsplit('.').next().unwrap_or("").to_string(),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let n = {
            let mut seen = log.lock().unwrap();
            let n = seen.iter().filter(|(t, _)| *t == target).count();
            seen.push((target.clone(), body.clone()));
            n
        };
        let (status, out) = handler(&target, &body, n);
        let text = out.to_string();
        let reason = if status == 200 { "OK" } else { "Bad Request" };
        let resp = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-RequestId: req-{n}\r\nContent-Length: {}\r\n\r\n{text}",
            text.len()
        );
        if writer.write_all(resp.as_bytes()).is_err() {
            return;
        }
    }
}
