//! The report's rules as specifications: filing, confirming and every clerk action.

use super::*;

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(seconds, 0).unwrap()
}

fn filing(email: Option<&str>) -> NewReport {
    NewReport::validate(crate::domain::ReportInput {
        category: Some("street_lighting".into()),
        description: Some("Laterne aus".into()),
        lat: Some(52.52),
        lon: Some(13.41),
        email: email.map(Into::into),
        ..Default::default()
    })
    .unwrap()
}

fn placement() -> Placement {
    Placement {
        area: AreaKey::parse("11000001").unwrap(),
        authority: AuthorityKey::parse("11000001").unwrap(),
        near_border: false,
    }
}

fn report(status: ReportStatus, visibility: Visibility) -> Report {
    let mut report = Report::file(
        ReportId::new(),
        &filing(None),
        placement(),
        Intake {
            confirm_email: false,
            moderated: true,
        },
        || at(1_750_000_000),
        at(1_750_000_000),
    );
    report.status = status;
    report.visibility = visibility;
    report.revision = 3;
    report
}

fn open_published() -> Report {
    report(ReportStatus::Open, Visibility::Published)
}

const ACTOR: &str = "clerk@mitte.example";

fn now() -> DateTime<Utc> {
    at(1_750_100_000)
}

fn template() -> Facts {
    Facts {
        template: Some("Vorlage".into()),
        ..Facts::default()
    }
}

fn apply(report: &Report, action: &Action) -> Result<Change, Refusal> {
    report.apply(action, ACTOR, &template(), now())
}

#[test]
fn a_filing_waits_for_confirmation_only_when_an_address_must_be_confirmed() {
    let intake = |confirm_email, moderated| Intake {
        confirm_email,
        moderated,
    };
    let file = |email, intake| {
        Report::file(
            ReportId::new(),
            &filing(email),
            placement(),
            intake,
            || at(1_750_500_000),
            now(),
        )
    };
    let waiting = file(Some("a@example.org"), intake(true, false));
    assert_eq!(waiting.status, ReportStatus::Unconfirmed);
    assert_eq!(waiting.visibility, Visibility::Pending);
    assert_eq!(waiting.timeline.opened_at, None);
    assert_eq!(waiting.timeline.reaction_due_at, None);
    assert!(!waiting.is_public());
    // Its public history will start with "received" (red), not the internal state.
    let created = &waiting.filing_events()[0];
    assert_eq!(created.kind, EventKind::Created);
    assert!(created.public);
    assert_eq!(created.status, Some(ReportStatus::Open));

    let open = file(None, intake(true, false));
    assert_eq!(open.status, ReportStatus::Open);
    assert_eq!(open.visibility, Visibility::Published);
    assert_eq!(open.timeline.opened_at, Some(now()));
    assert_eq!(open.timeline.reaction_due_at, Some(at(1_750_500_000)));
    assert_eq!(open.map_light(), Some(Light::Red));

    let moderated = file(Some("a@example.org"), intake(false, true));
    assert_eq!(moderated.status, ReportStatus::Open);
    assert_eq!(moderated.visibility, Visibility::Pending);
    assert_eq!(moderated.map_light(), None);
}

#[test]
fn confirming_opens_the_report_once_and_publishes_it_without_moderation() {
    let waiting = report(ReportStatus::Unconfirmed, Visibility::Pending);
    let change = waiting.confirm(false, at(1_750_500_000), now()).unwrap();
    assert_eq!(change.report.status, ReportStatus::Open);
    assert_eq!(change.report.visibility, Visibility::Published);
    assert_eq!(change.report.timeline.opened_at, Some(now()));
    assert_eq!(change.report.timeline.status_changed_at, now());
    assert_eq!(
        change.report.timeline.reaction_due_at,
        Some(at(1_750_500_000))
    );
    let kinds: Vec<_> = change.events.iter().map(|e| (e.kind, e.public)).collect();
    assert_eq!(
        kinds,
        [(EventKind::Confirmed, false), (EventKind::Published, false)]
    );
    assert!(
        change
            .events
            .iter()
            .all(|e| e.status == Some(ReportStatus::Open))
    );

    let moderated = waiting.confirm(true, at(1_750_500_000), now()).unwrap();
    assert_eq!(moderated.report.visibility, Visibility::Pending);
    assert_eq!(moderated.events.len(), 1);

    let error = change
        .report
        .confirm(false, at(1_750_500_000), now())
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "a report that is open cannot be confirmed"
    );
}

#[test]
fn a_status_change_is_a_public_event_and_the_first_reaction() {
    let action = Action::ChangeStatus {
        to: TargetStatus::InProgress,
        answer: None,
        reason: None,
        responsible: None,
    };
    let change = apply(&open_published(), &action).unwrap();
    assert_eq!(change.report.status, ReportStatus::InProgress);
    assert_eq!(change.report.timeline.status_changed_at, now());
    assert_eq!(change.report.timeline.first_reaction_at, Some(now()));
    let event = &change.events[0];
    assert_eq!(
        (event.kind, event.public, event.body.as_deref()),
        (EventKind::StatusChanged, true, Some("Vorlage"))
    );
    assert_eq!(event.actor, ACTOR);
    assert_eq!(event.status, Some(ReportStatus::InProgress));
}

#[test]
fn closing_needs_a_reason_and_who_is_responsible() {
    let close = |reason: Option<&str>, responsible: Option<&str>| Action::ChangeStatus {
        to: TargetStatus::Closed,
        answer: Some("Antwort".into()),
        reason: reason.map(Into::into),
        responsible: responsible.map(Into::into),
    };
    let open = open_published();
    for (reason, responsible, field) in [
        (None, None, "reason"),
        (Some("weather"), None, "reason"),
        (Some("duplicate"), None, "reason"),
        (Some("not_responsible"), None, "responsible"),
        (Some("not_responsible"), Some("  "), "responsible"),
    ] {
        match apply(&open, &close(reason, responsible)) {
            Err(Refusal::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{reason:?}: {other:?}"),
        }
    }
    let change = apply(
        &open,
        &close(Some("not_responsible"), Some("Stromnetz Berlin")),
    )
    .unwrap();
    assert_eq!(
        change.report.status,
        ReportStatus::Closed(CloseReason::NotResponsible {
            responsible: "Stromnetz Berlin".into()
        })
    );
    assert_eq!(change.report.timeline.resolved_at, Some(now()));
    assert_eq!(change.report.light(), Some(Light::YellowGreen));
}

#[test]
fn forbidden_moves_are_refused_with_the_state_machine_s_words() {
    let reopen = Action::Reopen {
        reason: "wieder kaputt".into(),
        in_progress: false,
    };
    assert_eq!(
        apply(&open_published(), &reopen).unwrap_err(),
        Refusal::NotAllowed("a report that is open cannot be reopened".into())
    );
    let closed = report(
        ReportStatus::Closed(CloseReason::NoFunds),
        Visibility::Published,
    );
    let reopened = apply(&closed, &reopen).unwrap();
    assert_eq!(reopened.report.status, ReportStatus::Open);
    assert_eq!(reopened.report.timeline.resolved_at, None);
    assert_eq!(
        apply(
            &report(ReportStatus::Unconfirmed, Visibility::Pending),
            &Action::Publish
        )
        .unwrap_err(),
        Refusal::NotAllowed(
            "the report waits for the reporter's confirmation and cannot be published yet".into()
        )
    );
    assert_eq!(
        apply(&open_published(), &Action::Publish).unwrap_err(),
        Refusal::NotAllowed("the report is already published".into())
    );
}

#[test]
fn publishing_counts_as_reaction_only_with_an_answer() {
    let pending = report(ReportStatus::Open, Visibility::Pending);
    let plain = apply(&pending, &Action::Publish).unwrap();
    assert_eq!(plain.report.visibility, Visibility::Published);
    assert!(plain.report.is_public());
    assert_eq!(plain.report.timeline.first_reaction_at, None);
    let answered = Facts {
        has_public_answer: true,
        ..template()
    };
    let with_answer = pending
        .apply(&Action::Publish, ACTOR, &answered, now())
        .unwrap();
    assert_eq!(with_answer.report.timeline.first_reaction_at, Some(now()));
    // An answer on a pending report is not yet a reaction.
    let answer = Action::Answer {
        text: "Danke".into(),
    };
    let change = apply(&pending, &answer).unwrap();
    assert_eq!(change.report.timeline.first_reaction_at, None);
}

#[test]
fn editing_keeps_the_original_once() {
    let edit = |text: &str| Action::EditDescription { text: text.into() };
    let first = apply(
        &report(ReportStatus::Open, Visibility::Pending),
        &edit("Laterne"),
    )
    .unwrap();
    assert_eq!(first.report.description, "Laterne");
    assert_eq!(
        first.report.original_description.as_deref(),
        Some("Laterne aus")
    );
    let second = apply(&first.report, &edit("Lampe")).unwrap();
    assert_eq!(
        second.report.original_description.as_deref(),
        Some("Laterne aus")
    );
    assert_eq!(
        apply(&first.report, &edit(" Laterne ")).unwrap_err(),
        Refusal::NotAllowed("the text is unchanged".into())
    );
    assert!(matches!(
        apply(&first.report, &edit("")),
        Err(Refusal::Invalid {
            field: "description",
            ..
        })
    ));
}

#[test]
fn forwarding_keeps_the_status_and_records_the_reason_internally() {
    let open = open_published();
    let to = AuthorityKey::parse("11000002").unwrap();
    let forward = Action::Forward {
        to: to.clone(),
        reason: "Kreuzberg".into(),
    };
    let change = apply(&open, &forward).unwrap();
    assert_eq!(change.report.authority, to);
    assert_eq!(change.report.timeline.authority_since, Some(now()));
    assert_eq!(
        change.report.status,
        ReportStatus::Open,
        "forwarding keeps the status"
    );
    let kinds: Vec<_> = change
        .events
        .iter()
        .map(|e| (e.kind, e.public, e.authority.clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            (EventKind::Forwarded, true, Some(to)),
            (EventKind::ForwardReason, false, None)
        ]
    );
    let same = Action::Forward {
        to: AuthorityKey::parse("11000001").unwrap(),
        reason: "x".into(),
    };
    assert!(matches!(
        apply(&open, &same),
        Err(Refusal::Invalid {
            field: "authority",
            ..
        })
    ));
}

#[test]
fn a_duplicate_is_closed_and_linked_to_its_original() {
    let open = open_published();
    let original = ReportId::new();
    let duplicate = Action::MarkDuplicate {
        of: original,
        answer: None,
    };
    let change = apply(&open, &duplicate).unwrap();
    assert_eq!(
        change.report.status,
        ReportStatus::Closed(CloseReason::Duplicate { of: original })
    );
    let (linked_id, linked) = change.linked.unwrap();
    assert_eq!(linked_id, original);
    assert_eq!(
        (linked.kind, linked.public, linked.body),
        (EventKind::DuplicateLinked, true, Some(open.id.to_string()))
    );
    let itself = Action::MarkDuplicate {
        of: open.id,
        answer: None,
    };
    assert!(matches!(
        apply(&open, &itself),
        Err(Refusal::Invalid { field: "of", .. })
    ));
}

#[test]
fn a_photo_must_be_the_report_s_own() {
    let action = Action::SetPhotoVisible {
        photo_id: "abc".into(),
        visible: true,
    };
    assert_eq!(
        apply(&open_published(), &action).unwrap_err(),
        Refusal::NotFound
    );
    let facts = Facts {
        photo_ids: vec!["abc".into()],
        ..Facts::default()
    };
    let change = open_published()
        .apply(&action, ACTOR, &facts, now())
        .unwrap();
    assert_eq!(
        change.photo,
        Some(PhotoChange::Visible {
            photo_id: "abc".into(),
            visible: true
        })
    );
    assert_eq!(change.events[0].kind, EventKind::PhotoReleased);
}

#[test]
fn a_redaction_replaces_the_photo_and_tells_the_public_without_details() {
    let action = Action::RedactPhoto {
        photo_id: "abc".into(),
        redacted_id: "def".into(),
        areas: "1,2 10×10".into(),
    };
    assert_eq!(
        apply(&open_published(), &action).unwrap_err(),
        Refusal::NotFound
    );
    let facts = Facts {
        photo_ids: vec!["abc".into()],
        ..Facts::default()
    };
    let change = open_published()
        .apply(&action, ACTOR, &facts, now())
        .unwrap();
    assert_eq!(
        change.photo,
        Some(PhotoChange::Replace {
            old: "abc".into(),
            new: "def".into()
        })
    );
    let public: Vec<_> = change.events.iter().filter(|e| e.public).collect();
    assert_eq!(public.len(), 1);
    assert_eq!(public[0].kind, EventKind::PhotoRedacted);
    assert_eq!(public[0].body, None);
    let internal = change.events.iter().find(|e| !e.public).unwrap();
    assert_eq!(internal.kind, EventKind::RedactionAreas);
    assert_eq!(internal.actor, ACTOR);
    assert_eq!(internal.body.as_deref(), Some("abc → def: 1,2 10×10"));
    // The copy is already the report's: nothing to do.
    let both = Facts {
        photo_ids: vec!["abc".into(), "def".into()],
        ..Facts::default()
    };
    assert!(matches!(
        open_published().apply(&action, ACTOR, &both, now()),
        Err(Refusal::NotAllowed(_))
    ));
}

#[test]
fn an_answer_carries_one_to_five_new_photos() {
    let photo = |id: &str| PhotoRef {
        id: id.into(),
        width: 10,
        height: 10,
    };
    let answer = |photos: Vec<PhotoRef>| Action::AnswerWithPhotos {
        text: "Repariert".into(),
        photos,
    };
    let facts = Facts {
        photo_ids: vec!["own".into()],
        ..Facts::default()
    };
    let change = open_published()
        .apply(&answer(vec![photo("a"), photo("b")]), ACTOR, &facts, now())
        .unwrap();
    assert_eq!(change.events.len(), 1);
    assert_eq!(change.events[0].kind, EventKind::Answer);
    assert!(change.events[0].public);
    assert_eq!(
        change.photo,
        Some(PhotoChange::Attach {
            photos: vec![photo("a"), photo("b")],
            to: EventKind::Answer,
            released: true,
        })
    );
    assert_eq!(change.report.timeline.first_reaction_at, Some(now()));
    for refused in [
        vec![],
        (0..6).map(|n| photo(&n.to_string())).collect(),
        vec![photo("own")],
        vec![photo("a"), photo("a")],
    ] {
        assert!(matches!(
            open_published().apply(&answer(refused), ACTOR, &facts, now()),
            Err(Refusal::Invalid { field: "photo", .. })
        ));
    }
}

#[test]
fn only_published_confirmed_reports_are_public() {
    for (status, visibility, public) in [
        (ReportStatus::Open, Visibility::Published, true),
        (ReportStatus::Open, Visibility::Pending, false),
        (ReportStatus::Resolved, Visibility::Hidden, false),
        (ReportStatus::Unconfirmed, Visibility::Published, false),
    ] {
        let report = report(status, visibility);
        assert_eq!(report.is_public(), public, "{report:?}");
        assert_eq!(report.may_be_original(), public);
    }
}

#[test]
fn the_allowed_actions_follow_the_state_machine() {
    let open = open_published();
    assert_eq!(
        open.status_moves(),
        [
            TargetStatus::InProgress,
            TargetStatus::Resolved,
            TargetStatus::Closed
        ]
    );
    let actions = open.allowed_actions();
    assert!(actions.contains(&"duplicate") && !actions.contains(&"reopen"));
    assert!(!actions.contains(&"publish"));

    let closed = report(
        ReportStatus::Closed(CloseReason::NoFunds),
        Visibility::Published,
    );
    assert_eq!(closed.status_moves(), [TargetStatus::Resolved]);
    let actions = closed.allowed_actions();
    assert!(actions.contains(&"reopen") && !actions.contains(&"duplicate"));

    let resolved = report(ReportStatus::Resolved, Visibility::Hidden);
    assert!(resolved.status_moves().is_empty());
    let actions = resolved.allowed_actions();
    assert!(!actions.contains(&"status") && !actions.contains(&"hide"));
    assert!(actions.contains(&"publish"));

    let waiting = report(ReportStatus::Unconfirmed, Visibility::Pending);
    let actions = waiting.allowed_actions();
    assert!(!actions.contains(&"publish") && !actions.contains(&"answers"));
}

fn resolved() -> Report {
    report(ReportStatus::Resolved, Visibility::Published)
}

fn not_fixed() -> CitizenFeedback {
    CitizenFeedback::NotFixed {
        text: "Die Laterne ist immer noch dunkel".into(),
    }
}

#[test]
fn citizens_speak_on_green_and_yellow_green_reports_only() {
    let change = resolved()
        .citizen_feedback(&not_fixed(), &[], &[], now())
        .unwrap();
    assert_eq!(
        change.report.status,
        ReportStatus::Resolved,
        "no status move"
    );
    assert_eq!(change.report.timeline.reopen_requested_at, Some(now()));
    let event = &change.events[0];
    assert_eq!(event.kind, EventKind::CitizenNotFixed);
    assert!(event.public);
    assert_eq!(event.actor, "citizen", "never the person");
    let fixed = resolved()
        .citizen_feedback(&CitizenFeedback::Fixed { text: None }, &[], &[], now())
        .unwrap();
    assert_eq!(fixed.report.timeline.reopen_requested_at, None);
    assert_eq!(fixed.events[0].kind, EventKind::CitizenConfirmedFixed);
    let closed = report(
        ReportStatus::Closed(CloseReason::NoFunds),
        Visibility::Published,
    );
    assert!(
        closed
            .citizen_feedback(&not_fixed(), &[], &[], now())
            .is_ok()
    );
    for refused in [
        open_published(),
        report(ReportStatus::InProgress, Visibility::Published),
        report(ReportStatus::Resolved, Visibility::Hidden),
        report(
            ReportStatus::Closed(CloseReason::Duplicate {
                of: ReportId::new(),
            }),
            Visibility::Published,
        ),
    ] {
        assert!(matches!(
            refused.citizen_feedback(&not_fixed(), &[], &[], now()),
            Err(Refusal::NotAllowed(_))
        ));
    }
    let empty = CitizenFeedback::NotFixed { text: " ".into() };
    assert!(matches!(
        resolved().citizen_feedback(&empty, &[], &[], now()),
        Err(Refusal::Invalid { field: "text", .. })
    ));
}

#[test]
fn feedback_photos_wait_for_a_clerk() {
    let photo = |id: &str| PhotoRef {
        id: id.into(),
        width: 10,
        height: 10,
    };
    let change = resolved()
        .citizen_feedback(&not_fixed(), &[photo("a")], &["own".into()], now())
        .unwrap();
    assert_eq!(
        change.photo,
        Some(PhotoChange::Attach {
            photos: vec![photo("a")],
            to: EventKind::CitizenNotFixed,
            released: false,
        })
    );
    for refused in [
        (0..4).map(|n| photo(&n.to_string())).collect::<Vec<_>>(),
        vec![photo("own")],
        vec![photo("a"), photo("a")],
    ] {
        assert!(matches!(
            resolved().citizen_feedback(&not_fixed(), &refused, &["own".into()], now()),
            Err(Refusal::Invalid { field: "photo", .. })
        ));
    }
}

#[test]
fn a_reopen_request_is_decided_by_reopening_or_declining() {
    let requested = resolved()
        .citizen_feedback(&not_fixed(), &[], &[], now())
        .unwrap()
        .report;
    assert!(requested.allowed_actions().contains(&"decline-reopen"));
    let decline = Action::DeclineReopen {
        reason: "Die Laterne wurde geprüft und leuchtet".into(),
    };
    let declined = apply(&requested, &decline).unwrap();
    assert_eq!(declined.report.timeline.reopen_requested_at, None);
    assert_eq!(declined.report.status, ReportStatus::Resolved);
    assert_eq!(declined.events[0].kind, EventKind::ReopenDeclined);
    assert!(declined.events[0].public);
    assert!(matches!(
        apply(&declined.report, &decline),
        Err(Refusal::NotAllowed(_))
    ));
    let reopen = Action::Reopen {
        reason: "Wir sehen es uns noch einmal an".into(),
        in_progress: true,
    };
    let reopened = apply(&requested, &reopen).unwrap();
    assert_eq!(reopened.report.status, ReportStatus::InProgress);
    assert_eq!(reopened.report.timeline.reopen_requested_at, None);
    assert_eq!(reopened.report.timeline.resolved_at, None);
}

#[test]
fn a_report_is_taken_on_handed_over_and_given_back() {
    let anna = Assignee {
        id: uuid::Uuid::from_u128(1),
        name: "Anna".into(),
    };
    let take = Action::Assign {
        to: Some(anna.clone()),
    };
    let taken = apply(&open_published(), &take).unwrap();
    assert_eq!(taken.report.assignee, Some(anna.id));
    assert_eq!(taken.events[0].kind, EventKind::Assigned);
    assert!(!taken.events[0].public, "internal");
    assert_eq!(taken.events[0].body.as_deref(), Some("Anna"));
    assert!(matches!(
        apply(&taken.report, &take),
        Err(Refusal::NotAllowed(_))
    ));
    let forwarded = apply(
        &taken.report,
        &Action::Forward {
            to: AuthorityKey::parse("11000002").unwrap(),
            reason: "Zuständig ist Kreuzberg".into(),
        },
    )
    .unwrap();
    assert_eq!(forwarded.report.assignee, None, "the new authority decides");
    let given_back = apply(&taken.report, &Action::Assign { to: None }).unwrap();
    assert_eq!(given_back.report.assignee, None);
    assert!(matches!(
        apply(&given_back.report, &Action::Assign { to: None }),
        Err(Refusal::NotAllowed(_))
    ));
    assert!(matches!(
        apply(&resolved(), &take),
        Err(Refusal::NotAllowed(_))
    ));
    assert!(!resolved().allowed_actions().contains(&"assignee"));
}
