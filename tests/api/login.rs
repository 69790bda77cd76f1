//! The log-in back-off under concurrent guessing, on both backends: every attempt is counted
//! before its password is checked, so however many guesses race — at one instance or at
//! several sharing the database — one email gets no more password checks than its free
//! failures before the back-off answers 429.

use futures_util::future::join_all;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{
    MITTE, PASSWORD, assert_refused, clerk_app, login_answer, refusal, refused_login, try_login,
};

const EMAIL: &str = "clerk@mitte.example";
const FREE_FAILURES: u32 = 5;
const FREE: usize = FREE_FAILURES as usize;

/// One log-in at the server at `address`; returns the status and the problem type, if any.
async fn log_in(
    client: &reqwest::Client,
    address: &str,
    email: &str,
    password: &str,
) -> (u16, Option<String>) {
    let response = client
        .post(format!("{address}/api/v1/admin/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    if status == 200 {
        return (status, None);
    }
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: serde_json::Value = response.json().await.unwrap();
    (status, problem["type"].as_str().map(str::to_owned))
}

/// How many of `outcomes` were checked (401) and refused by the back-off (429); panics on
/// anything else.
fn tally(outcomes: &[(u16, Option<String>)]) -> (usize, usize) {
    let checked = outcomes.iter().filter(|(s, _)| *s == 401).count();
    let blocked = outcomes
        .iter()
        .filter(|(s, t)| *s == 429 && t.as_deref() == Some("/problems/login-blocked"))
        .count();
    assert_eq!(checked + blocked, outcomes.len(), "{outcomes:?}");
    (checked, blocked)
}

both_backends!(
    racing_wrong_passwords_get_only_the_free_checks,
    |backend| async move {
        let app = clerk_app(backend, |s| {
            s.auth.login_free_failures = FREE_FAILURES;
            s.auth.login_backoff_secs = 60;
        })
        .await;
        app.create_account(EMAIL, PASSWORD, false, &[MITTE]).await;
        // 64 wrong passwords at once for a known email, 32 for an unknown one.
        let known = (0..64).map(|_| log_in(&app.client, &app.address, EMAIL, "wrong password!"));
        let unknown = (0..32).map(|_| {
            log_in(
                &app.client,
                &app.address,
                "nobody@example.org",
                "wrong password!",
            )
        });
        let (known, unknown) = tokio::join!(join_all(known), join_all(unknown));
        assert_eq!(tally(&known), (FREE, 64 - FREE));
        assert_eq!(tally(&unknown), (FREE, 32 - FREE));
        // Backed off: even the right password waits, with Retry-After.
        let blocked = login_answer(&app, EMAIL, PASSWORD).await;
        let wait: u64 = blocked.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
        refusal(blocked, 429, "login-blocked").await;
        // Another account is not affected.
        app.create_account("other@mitte.example", PASSWORD, false, &[MITTE])
            .await;
        assert_eq!(
            try_login(&app, "other@mitte.example", PASSWORD).await.0,
            200
        );
        app.stop().await;
    }
);

both_backends!(
    instances_sharing_the_database_share_the_count,
    |backend| async move {
        let settings = |s: &mut buergerbuero::config::Settings| {
            s.auth.login_free_failures = FREE_FAILURES;
            s.auth.login_backoff_secs = 60;
        };
        let app = clerk_app(backend, settings).await;
        app.create_account(EMAIL, PASSWORD, false, &[MITTE]).await;
        let second = app.spawn_instance(settings).await;
        let third = app.spawn_instance(settings).await;
        let addresses = [&app.address, &second.address, &third.address];
        let guesses = (0..48).map(|n| {
            log_in(
                &app.client,
                addresses[n % addresses.len()],
                EMAIL,
                "wrong password!",
            )
        });
        let outcomes = join_all(guesses).await;
        assert_eq!(tally(&outcomes), (FREE, 48 - FREE));
        for address in addresses {
            assert_eq!(
                log_in(&app.client, address, EMAIL, PASSWORD).await,
                (429, Some("/problems/login-blocked".to_owned()))
            );
        }
        second.stop().await;
        third.stop().await;
        app.stop().await;
    }
);

both_backends!(a_successful_log_in_resets_the_count, |backend| async move {
    let app = clerk_app(backend, |s| {
        s.auth.login_free_failures = 3;
        s.auth.login_backoff_secs = 60;
    })
    .await;
    app.create_account(EMAIL, PASSWORD, false, &[MITTE]).await;
    for _ in 0..2 {
        assert_refused(
            &refused_login(&app, EMAIL, "wrong password!").await,
            401,
            "unauthorized",
        );
    }
    assert_eq!(try_login(&app, EMAIL, PASSWORD).await.0, 200);
    // The success counted as an attempt and then forgot them all: three free failures again.
    for _ in 0..3 {
        assert_refused(
            &refused_login(&app, EMAIL, "wrong password!").await,
            401,
            "unauthorized",
        );
    }
    assert_refused(
        &refused_login(&app, EMAIL, PASSWORD).await,
        429,
        "login-blocked",
    );
    app.stop().await;
});

both_backends!(the_store_backs_off_as_the_rule_says, |backend| async move {
    use buergerbuero::auth::AuthSettings;
    use buergerbuero::store::accounts::LoginAttempt;
    use chrono::{DateTime, Duration, Utc};

    let db = crate::helpers::TestDatabase::new(backend);
    let store = buergerbuero::store::connect(&db.url, 2).await.unwrap();
    let settings = AuthSettings {
        login_free_failures: 3,
        login_backoff_secs: 30,
        ..AuthSettings::default()
    };
    let rule = settings.login_backoff();
    let email = "guess@example.org";
    // Milliseconds, as the store keeps them.
    let mut now = DateTime::<Utc>::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap();
    let mut last = now;
    // Free attempts, then 30 s doubling up to the hour: exactly `backoff_after` of the count.
    for n in 1..=16 {
        let attempt = store.count_login_attempt(email, now, &rule).await.unwrap();
        assert_eq!(attempt, LoginAttempt::Admitted(n), "attempt {n}");
        let wait = Duration::from_std(settings.backoff_after(n as u32)).unwrap();
        if !wait.is_zero() {
            // Blocked until the millisecond the rule says, and a blocked try counts nothing.
            let early = now + wait - Duration::milliseconds(1);
            let attempt = store
                .count_login_attempt(email, early, &rule)
                .await
                .unwrap();
            assert_eq!(attempt, LoginAttempt::Blocked(now + wait), "attempt {n}");
        }
        last = now;
        now += wait;
    }
    // A day without attempts forgets the count; so does a successful log-in.
    let later = last + Duration::days(1) + Duration::milliseconds(1);
    let attempt = store
        .count_login_attempt(email, later, &rule)
        .await
        .unwrap();
    assert_eq!(attempt, LoginAttempt::Admitted(1));
    store
        .count_login_attempt(email, later, &rule)
        .await
        .unwrap();
    store.clear_login_attempts(email).await.unwrap();
    let attempt = store
        .count_login_attempt(email, later, &rule)
        .await
        .unwrap();
    assert_eq!(attempt, LoginAttempt::Admitted(1));
});
