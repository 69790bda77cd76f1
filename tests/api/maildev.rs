//! A real SMTP server for the mail tests: maildev (npm, installed into `tests/tools` by
//! `scripts/test.sh`), started on free loopback ports, read back through its HTTP API.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A free TCP port on loopback (bound and released; the OS does not hand it out again soon).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One maildev process (or, before `start`, just its reserved ports).
pub struct Maildev {
    child: Option<Child>,
    pub smtp_port: u16,
    web_port: u16,
    http: reqwest::Client,
}

impl Maildev {
    /// Reserves ports without starting: mail sent now finds no server.
    pub fn reserve() -> Self {
        Self {
            child: None,
            smtp_port: free_port(),
            web_port: free_port(),
            http: reqwest::Client::new(),
        }
    }

    /// Reserves ports and starts the server.
    pub async fn start_new() -> Self {
        let mut maildev = Self::reserve();
        maildev.start().await;
        maildev
    }

    /// `BUERGERBUERO_SMTP_URL` for this server (plain SMTP on loopback).
    pub fn smtp_url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.smtp_port)
    }

    /// Starts the process and waits until its API answers.
    pub async fn start(&mut self) {
        let bin = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/tools/node_modules/.bin/maildev"
        );
        assert!(
            std::path::Path::new(bin).exists(),
            "maildev is missing: run `npm ci --prefix tests/tools` (scripts/test.sh does)"
        );
        let child = Command::new(bin)
            .args(["--ip", "127.0.0.1", "--web-ip", "127.0.0.1"])
            .args(["--smtp", &self.smtp_port.to_string()])
            .args(["--web", &self.web_port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let url = format!("http://127.0.0.1:{}/api/healthz", self.web_port);
            if let Ok(response) = self.http.get(url).send().await
                && response.status().is_success()
            {
                break;
            }
            assert!(Instant::now() < deadline, "maildev did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Every message received so far.
    pub async fn emails(&self) -> Vec<Value> {
        self.http
            .get(format!("http://127.0.0.1:{}/api/email", self.web_port))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The raw RFC 5322 source of a message.
    pub async fn source(&self, email: &Value) -> String {
        let id = email["id"].as_str().unwrap();
        self.http
            .get(format!(
                "http://127.0.0.1:{}/api/email/{id}/source",
                self.web_port
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// The messages to `to`, waiting until there are `count` of them (30 s at most).
    pub async fn wait_for(&self, to: &str, count: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let mails = to_address(self.emails().await, to);
            if mails.len() >= count {
                assert_eq!(
                    mails.len(),
                    count,
                    "more mails to {to} than expected: {mails:#?}"
                );
                return mails;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {count} mails to {to} arrived",
                mails.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The messages among `mails` addressed to `to`, oldest first.
pub fn to_address(mails: Vec<Value>, to: &str) -> Vec<Value> {
    mails
        .into_iter()
        .filter(|m| {
            m["to"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["address"] == to)
        })
        .collect()
}

/// The first link in a text that starts with `prefix` (up to the next whitespace).
pub fn link_after(text: &str, prefix: &str) -> String {
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} link in:\n{text}"));
    text[start..].split_whitespace().next().unwrap().to_owned()
}

impl Drop for Maildev {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
