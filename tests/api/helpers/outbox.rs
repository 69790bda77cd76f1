//! Driving the mail outbox from a test instead of waiting for the worker: an app spawned with
//! `TestApp::spawn_delivering_on_demand` runs no delivery task, so every mail stays in the
//! outbox until the test calls `deliver_pending`, and the test knows exactly what went out.

use buergerbuero::notify::worker::Delivered;

use super::TestApp;

impl TestApp {
    /// Delivers every mail that is due now (`Worker::deliver_pending`): when it returns, each
    /// of them was handed to the SMTP server (or written as a file) or failed.
    pub async fn deliver_pending(&self) -> Delivered {
        self.mail.deliver_pending().await.unwrap()
    }

    /// The outbox's mails that still wait for delivery (`pending`) or are being delivered
    /// (`sending`): `(kind, recipient, state)`.
    pub async fn undelivered_mail(&self) -> Vec<(String, String, String)> {
        let store = buergerbuero::store::connect(self.database_url(), 1)
            .await
            .unwrap();
        let mut left = Vec::new();
        for state in ["pending", "sending"] {
            for mail in store.list_mail(Some(state), 1000).await.unwrap() {
                left.push((mail.kind, mail.recipient, mail.state));
            }
        }
        left
    }

    /// Asserts that nothing is left in the outbox to deliver: every mail the test caused was
    /// sent or became a dead letter.
    pub async fn assert_outbox_done(&self) {
        let left = self.undelivered_mail().await;
        assert!(left.is_empty(), "mail left in the outbox: {left:?}");
    }
}
