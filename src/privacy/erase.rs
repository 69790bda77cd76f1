//! A contact leaves a report (DSGVO Art. 17): the use case behind the removal link in mails
//! (`/mail/erase/{token}`) and the reporter's key (`DELETE /api/v1/reports/{id}/contact`).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::{EventKind, NewEvent};
use crate::store::privacy::{Contact, ContactErasure, Erased};
use crate::store::{self, Store};

/// The history entry of an erasure: internal, and without the data that left. `actor` is
/// the role that asked (`reporter`, `follower`) or `system` (the retention job).
pub fn erasure_event(actor: &str) -> NewEvent {
    NewEvent {
        kind: EventKind::ContactErased,
        actor: actor.to_owned(),
        public: false,
        status: None,
        body: None,
        authority: None,
    }
}

/// Removes `contact` from report `report`, using up the removal link's token (`token_hash`)
/// in the same transaction if there is one. What was erased, or `None` when the contact was
/// no longer on the report. `TokenUsed` if the token was used meanwhile (a double click).
pub async fn erase_contact(
    store: &dyn Store,
    report: Uuid,
    contact: Contact,
    token_hash: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<Erased>, store::Error> {
    // The history says which role asked: the reporter's own follower row is the reporter.
    let actor = match contact {
        Contact::Reporter => "reporter",
        Contact::Follower(id) => match store.follower(id).await? {
            Some(row) if row.role == "reporter" => "reporter",
            _ => "follower",
        },
    };
    let event = erasure_event(actor);
    let erased = store
        .erase_contact(&ContactErasure {
            report_id: report,
            contact,
            token_hash,
            event: &event,
            now,
        })
        .await?;
    if let Some(erased) = &erased {
        tracing::info!(
            %report,
            actor,
            reporter_contacts = erased.reporter_contacts,
            followers = erased.followers,
            mails = erased.mails,
            tokens = erased.tokens,
            "contact data erased on request"
        );
    }
    Ok(erased)
}
