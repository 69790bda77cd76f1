//! A real S3-protocol server for the photo storage tests: s3rver (npm, installed into
//! `tests/tools` by `scripts/test.sh`), which checks SigV4 signatures, on a free loopback port
//! with its files in a scratch directory. Its objects are read back from that directory, not
//! through the client under test.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use buergerbuero::photos::S3Overrides;

use crate::helpers::Scratch;
use crate::maildev::free_port;

/// The bucket every s3rver of the tests has.
pub const BUCKET: &str = "photos";

/// One s3rver process (stopped and started again on the same port and files by the tests
/// that need the bucket to fail).
pub struct S3rver {
    child: Option<Child>,
    pub port: u16,
    files: Scratch,
}

impl S3rver {
    /// Starts a server with the bucket [`BUCKET`], and waits until it answers.
    pub async fn start_new() -> Self {
        let mut server = Self {
            child: None,
            port: free_port(),
            files: Scratch::new("s3rver"),
        };
        server.start().await;
        server
    }

    /// Starts the process (again) and waits until it answers.
    pub async fn start(&mut self) {
        let bin = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/tools/node_modules/.bin/s3rver"
        );
        assert!(
            Path::new(bin).exists(),
            "s3rver is missing: run `npm ci --prefix tests/tools` (scripts/test.sh does)"
        );
        let child = Command::new(bin)
            .arg("--directory")
            .arg(&self.files.0)
            .args(["--address", "127.0.0.1", "--silent"])
            .args(["--port", &self.port.to_string()])
            .args(["--configure-bucket", BUCKET])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        // Any HTTP answer (an unsigned request is refused) means it listens; the bucket is
        // made before the listener opens.
        while http.get(self.endpoint()).send().await.is_err() {
            assert!(Instant::now() < deadline, "s3rver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Kills the process; the files stay for the next `start`.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The `AWS_*` variables of this server: endpoint, region and s3rver's fixed keys.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", "S3RVER".into()),
            ("AWS_SECRET_ACCESS_KEY", "S3RVER".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// The same, for the settings.
    pub fn overrides(&self) -> S3Overrides {
        S3Overrides(self.env())
    }

    /// The keys of every object in the bucket, sorted, as s3rver keeps them on disk
    /// (`<dir>/<bucket>/<key>._S3rver_object`).
    pub fn keys(&self) -> Vec<String> {
        let root = self.files.0.join(BUCKET);
        let mut keys = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if let Some(key) = path
                    .to_str()
                    .and_then(|p| p.strip_suffix("._S3rver_object"))
                {
                    let key = Path::new(key).strip_prefix(&root).unwrap();
                    keys.push(key.to_str().unwrap().to_owned());
                }
            }
        }
        keys.sort();
        keys
    }

    /// The file holding an object's bytes.
    pub fn object_file(&self, key: &str) -> PathBuf {
        self.files
            .0
            .join(BUCKET)
            .join(format!("{key}._S3rver_object"))
    }
}

impl Drop for S3rver {
    fn drop(&mut self) {
        self.stop();
    }
}
