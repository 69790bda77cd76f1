//! The command line as an operator uses it: the real binary, a real database file.

use std::process::Command;

use crate::helpers::{Backend, Scratch, TestDatabase, boundaries_dir};

fn buergerbuero(db: &TestDatabase, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_buergerbuero"))
        .args(args)
        .env("BUERGERBUERO_DATABASE_URL", &db.url)
        .env("BUERGERBUERO_BOUNDARIES_DIR", boundaries_dir())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn locate_prints_area_and_authority() {
    let db = TestDatabase::new(Backend::Sqlite);
    let (ok, out, err) = buergerbuero(&db, &["locate", "52.5219", "13.4132"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("Mitte") && out.contains("Bezirksamt Mitte"),
        "{out}"
    );

    let (ok, out, _) = buergerbuero(&db, &["locate", "52.33012", "14.26357", "--json"]);
    assert!(ok);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["area"]["name"], "Briesen (Mark)");
    assert_eq!(json["authority"]["name"], "Amt Odervorland");

    let (ok, out, _) = buergerbuero(
        &db,
        &[
            "locate",
            "52.33012",
            "14.26357",
            "--category",
            "litter_dumping",
        ],
    );
    assert!(ok);
    assert!(
        out.contains("Landkreis Oder-Spree") && out.contains("Amt Odervorland"),
        "{out}"
    );
}

#[test]
fn locate_outside_fails_with_one_line() {
    let db = TestDatabase::new(Backend::Sqlite);
    let (ok, _, err) = buergerbuero(&db, &["locate", "53.5511", "9.9937"]);
    assert!(!ok);
    assert!(err.contains("outside the service area"), "{err}");
    let (ok, _, err) = buergerbuero(&db, &["locate", "95", "13"]);
    assert!(!ok);
    assert!(err.contains("lat must be between"), "{err}");
}

#[test]
fn import_boundaries_prints_counts_and_is_idempotent() {
    let scratch = Scratch::new("cli-import");
    let url = format!("sqlite://{}", scratch.0.join("fresh.db").display());
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_buergerbuero"))
            .args(["import-boundaries", "--dir"])
            .arg(boundaries_dir())
            .env("BUERGERBUERO_DATABASE_URL", &url)
            .output()
            .unwrap()
    };
    let first = run();
    assert!(first.status.success());
    let out = String::from_utf8(first.stdout).unwrap();
    assert!(
        out.contains("BB    413") && out.contains("MV    724") && out.contains("BE     12"),
        "{out}"
    );
    assert!(out.contains("BB  landkreis                14"), "{out}");
    assert!(out.contains("1149 created"), "{out}");
    let progress = String::from_utf8(first.stderr).unwrap();
    assert!(
        progress.contains("validated 1137 of 1137 areas"),
        "{progress}"
    );
    let second = String::from_utf8(run().stdout).unwrap();
    assert!(
        second.contains("0 created, 0 updated, 1149 unchanged, 0 removed"),
        "{second}"
    );
}

#[test]
fn misconfiguration_is_one_line_naming_the_setting() {
    let scratch = Scratch::new("cli-config");
    let cases: [(&str, &str, &str); 3] = [
        (
            "BUERGERBUERO_DATABASE_URL",
            "mysql://x",
            "BUERGERBUERO_DATABASE_URL",
        ),
        (
            "BUERGERBUERO_MODERATION",
            "sometimes",
            "BUERGERBUERO_MODERATION",
        ),
        (
            "BUERGERBUERO_BOUNDARIES_DIR",
            "/nonexistent/boundaries",
            "BUERGERBUERO_BOUNDARIES_DIR",
        ),
    ];
    for (var, value, named) in cases {
        let output = Command::new(env!("CARGO_BIN_EXE_buergerbuero"))
            .args(["import-boundaries"])
            .env(
                "BUERGERBUERO_DATABASE_URL",
                format!("sqlite://{}", scratch.0.join("c.db").display()),
            )
            .env(var, value)
            .output()
            .unwrap();
        assert!(!output.status.success());
        let err = String::from_utf8(output.stderr).unwrap();
        assert!(err.contains(named), "{var}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
}

/// `serve` imports on first start, answers, and stops cleanly on SIGTERM.
#[test]
fn serve_starts_answers_and_stops_gracefully_on_sigterm() {
    use std::io::{BufRead, BufReader};
    let scratch = Scratch::new("cli-serve");
    let mut child = Command::new(env!("CARGO_BIN_EXE_buergerbuero"))
        .arg("serve")
        .env(
            "BUERGERBUERO_DATABASE_URL",
            format!("sqlite://{}", scratch.0.join("s.db").display()),
        )
        .env("BUERGERBUERO_DATA_DIR", scratch.0.join("data"))
        .env("BUERGERBUERO_BOUNDARIES_DIR", boundaries_dir())
        .env("BUERGERBUERO_LISTEN", "127.0.0.1:0")
        .env("BUERGERBUERO_HTTP_WORKERS", "1")
        .env("BUERGERBUERO_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut port = None;
    let mut log = String::new();
    let mut lines = stderr.lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        log.push_str(&line);
        log.push('\n');
        let entry: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        if entry["fields"]["message"] == "listening" {
            port = entry["fields"]["port"].as_u64();
            break;
        }
    }
    let port = port.unwrap_or_else(|| panic!("serve did not start:\n{log}"));
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    assert!(log.contains("boundary import done"), "{log}");
    let body = std::process::Command::new("curl")
        .args(["-sf", &format!("http://127.0.0.1:{port}/readyz")])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&body.stdout).contains("ready"));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "serve exited with {status}");
}

#[test]
fn add_clerk_reads_the_password_from_a_pipe_or_generates_one() {
    use std::io::Write;
    use std::process::Stdio;
    let db = TestDatabase::new(Backend::Sqlite);
    let add = |args: &[&str], stdin: Option<&str>| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_buergerbuero"))
            .arg("add-clerk")
            .args(args)
            .env("BUERGERBUERO_DATABASE_URL", &db.url)
            .env("BUERGERBUERO_BOUNDARIES_DIR", boundaries_dir())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut pipe = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            pipe.write_all(text.as_bytes()).unwrap();
        }
        drop(pipe);
        let output = child.wait_with_output().unwrap();
        (
            output.status.success(),
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    let (ok, out, err) = add(
        &[
            "--email",
            "Clerk@Mitte.example",
            "--authority",
            "11000001",
            "--name",
            "Anna",
        ],
        Some("a long secret passphrase\n"),
    );
    assert!(ok, "{err}");
    assert!(out.contains("created clerk"), "{out}");
    assert!(
        !out.contains("password"),
        "a piped password is not echoed: {out}"
    );
    // An empty pipe generates a password and prints it once.
    let (ok, out, err) = add(&["--email", "admin@example.org", "--admin"], Some(""));
    assert!(ok, "{err}");
    let generated = out
        .lines()
        .find_map(|l| l.strip_prefix("password (shown once): "))
        .unwrap()
        .to_owned();
    assert_eq!(generated.chars().count(), 20);
    // Mistakes are one line each: a taken email, an unknown authority, a clerk without one,
    // a short password.
    for (args, stdin, expect) in [
        (
            &["--email", "clerk@mitte.example", "--authority", "11000001"][..],
            "another long passphrase\n",
            "exists already",
        ),
        (
            &["--email", "x@example.org", "--authority", "11000099"][..],
            "another long passphrase\n",
            "no authority",
        ),
        (
            &["--email", "y@example.org"][..],
            "another long passphrase\n",
            "at least one authority",
        ),
        (
            &["--email", "z@example.org", "--authority", "11000001"][..],
            "short\n",
            "12 to 256",
        ),
    ] {
        let (ok, _, err) = add(args, Some(stdin));
        assert!(!ok);
        assert!(err.contains(expect), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = buergerbuero::store::connect(&db.url, 1).await.unwrap();
        let clerk = store
            .account_by_email("clerk@mitte.example")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(clerk.display_name, "Anna");
        assert!(!clerk.is_admin);
        assert!(buergerbuero::auth::password::verify_password(
            "a long secret passphrase",
            &clerk.password_hash
        ));
        assert_eq!(
            store.account_authorities(clerk.id).await.unwrap(),
            ["11000001"]
        );
        let admin = store
            .account_by_email("admin@example.org")
            .await
            .unwrap()
            .unwrap();
        assert!(admin.is_admin);
        assert!(buergerbuero::auth::password::verify_password(
            &generated,
            &admin.password_hash
        ));
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_copies_a_running_sqlite_installation_and_refuses_postgres() {
    let app = crate::helpers::TestApp::spawn(Backend::Sqlite).await;
    let (id, photo) = crate::helpers::file_with_photo(&app).await;
    let backup_dir = Scratch::new("backup");
    let target = backup_dir.0.join("nightly");
    let run = |target: &std::path::Path, database_url: &str| {
        Command::new(env!("CARGO_BIN_EXE_buergerbuero"))
            .arg("backup")
            .arg(target)
            .env("BUERGERBUERO_DATABASE_URL", database_url)
            .env("BUERGERBUERO_DATA_DIR", app.data_dir())
            .env("BUERGERBUERO_BOUNDARIES_DIR", boundaries_dir())
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };

    // While the server runs: the database and both variants of the photo.
    let output = run(&target, app.database_url());
    let out = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(out.contains("photos: 2 files"), "{out}");
    let copy = buergerbuero::store::connect(
        &format!("sqlite://{}", target.join("buergerbuero.db").display()),
        1,
    )
    .await
    .unwrap();
    let report_id = buergerbuero::domain::ReportId::parse(&id).unwrap();
    assert!(copy.get_report(report_id).await.unwrap().is_some());
    let photos = copy.report_photos(report_id, false).await.unwrap();
    assert_eq!(photos.len(), 1);
    assert_eq!(photos[0].photo_id, photo);
    let stored = buergerbuero::photos::FsPhotoStorage::new(target.clone())
        .photo_dir(&buergerbuero::photos::PhotoId::parse(&photo).unwrap());
    for variant in ["web.jpg", "thumb.jpg"] {
        assert!(stored.join(variant).is_file(), "{variant} in the backup");
    }

    // Never into a directory with files, never from PostgreSQL.
    let again = run(&target, app.database_url());
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
    let postgres = TestDatabase::new(Backend::Postgres);
    let refused = run(&backup_dir.0.join("pg"), &postgres.url);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("pg_dump"));
}
