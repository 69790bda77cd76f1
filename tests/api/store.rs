//! The store on both backends: the boundary import is idempotent and keeps what admins manage.

use buergerbuero::import::import_boundaries;
use buergerbuero::store::{Changes, Store};

use crate::both_backends;
use crate::helpers::{Backend, TestDatabase, boundaries_dir, execute, query_count, try_execute};

async fn connect(db: &TestDatabase) -> std::sync::Arc<dyn Store> {
    let store = buergerbuero::store::connect(&db.url, 2).await.unwrap();
    store.migrate().await.unwrap();
    store
}

async fn reimport(store: &dyn Store) -> buergerbuero::import::ImportReport {
    import_boundaries(store, &boundaries_dir(), &mut |_| {})
        .await
        .unwrap()
}

both_backends!(
    a_second_import_changes_nothing,
    |backend: Backend| async move {
        let db = TestDatabase::new(backend);
        let store = connect(&db).await;
        let report = reimport(&*store).await;
        assert_eq!(
            report.changes.areas,
            Changes {
                unchanged: 1149,
                ..Changes::default()
            }
        );
        assert_eq!(
            report.changes.authorities,
            Changes {
                unchanged: 341,
                ..Changes::default()
            }
        );
        assert_eq!(store.count_areas().await.unwrap(), 1149);
        assert_eq!(store.list_authorities().await.unwrap().len(), 341);
        let per_state: Vec<usize> = report.areas_per_state.values().copied().collect();
        assert_eq!(per_state, [12, 413, 724]);
    }
);

both_backends!(
    an_import_repairs_drift_and_keeps_contact_addresses,
    |backend: Backend| async move {
        let db = TestDatabase::new(backend);
        execute(
        &db,
        &[
            "update authorities set contact_email = 'maerker@odervorland.example' where key = '120675706'",
            "update authorities set name = 'Amt Irgendwo' where key = '12067'",
            "update areas set name = 'Falsch' where key = '11000001'",
            "insert into areas (key, name, official_name, state, kreis_key, kreis_name, authority_key,
               kreis_authority_key, source_id, precision_rank, geometry, updated_at)
             select '12067999', 'Gone', 'Gone', state, kreis_key, kreis_name, authority_key,
               kreis_authority_key, source_id, precision_rank, geometry, updated_at
             from areas where key = '12067072'",
        ],
    )
    .await;
        let store = connect(&db).await;
        let report = reimport(&*store).await;
        assert_eq!(
            report.changes.areas,
            Changes {
                updated: 1,
                unchanged: 1148,
                removed: 1,
                ..Changes::default()
            }
        );
        assert_eq!(
            report.changes.authorities,
            Changes {
                updated: 1,
                unchanged: 340,
                ..Changes::default()
            }
        );
        let authorities = store.list_authorities().await.unwrap();
        let amt = authorities
            .iter()
            .find(|a| a.key.as_str() == "120675706")
            .unwrap();
        assert_eq!(amt.contact_email, "maerker@odervorland.example");
        let kreis = authorities
            .iter()
            .find(|a| a.key.as_str() == "12067")
            .unwrap();
        assert_eq!(kreis.name, "Landkreis Oder-Spree");
        let areas = store.load_boundaries().await.unwrap();
        assert_eq!(areas.len(), 1149);
        assert_eq!(
            areas
                .iter()
                .find(|a| a.area.key.as_str() == "11000001")
                .unwrap()
                .area
                .name,
            "Mitte"
        );
    }
);

both_backends!(
    stored_outlines_read_back_exactly,
    |backend: Backend| async move {
        let db = TestDatabase::new(backend);
        let store = connect(&db).await;
        let stored = store.load_boundaries().await.unwrap();
        let read = tokio::task::block_in_place(|| {
            buergerbuero::boundaries::read(&boundaries_dir(), &mut |_| {}).unwrap()
        });
        assert_eq!(stored.len(), read.areas.len());
        for (s, r) in stored.iter().zip(&read.areas) {
            assert_eq!(s.area, r.area);
            assert_eq!(s.shape, r.shape, "{}", s.area.key);
        }
    }
);

both_backends!(
    constraints_refuse_inconsistent_rows,
    |backend: Backend| async move {
        let db = TestDatabase::new(backend);
        // A category routed to a named authority must name one, and it must exist.
        let bad = [
            "update categories set routing_level = 'authority' where code = 'other'",
            "update categories set routing_level = 'authority', routing_authority_key = 'BE-NOPE' where code = 'other'",
            "update authorities set kind = 'kingdom' where key = '12067'",
            "update areas set authority_key = '129999999' where key = '12067072'",
        ];
        for sql in bad {
            let outcome = try_execute(&db, &[sql]).await;
            let error = outcome.expect_err(sql);
            let mapped = buergerbuero::store::Error::from(error);
            assert!(
                matches!(
                    mapped,
                    buergerbuero::store::Error::Conflict { .. }
                        | buergerbuero::store::Error::Other(_)
                ),
                "{sql}: {mapped:?}"
            );
        }
    }
);

both_backends!(
    folding_keeps_the_centroid_when_one_report_leaves_a_cell_and_another_enters,
    |backend| async move {
        let db = TestDatabase::new(backend);
        let store = connect(&db).await;
        // A red report at 52.5219 in a cell; in one folding round it leaves the cell's red
        // (−1) and another red report at 52.5229 enters it (+1): the count nets to zero, the
        // coordinate sums do not.
        execute(
            &db,
            &[
                "insert into report_cells (level, cx, cy, light, count, sum_lat, sum_lon)
                     values (13, 7, 9, 'red', 1, 52.5219, 13.4132)",
                "insert into report_cell_changes (level, cx, cy, light, count, sum_lat, sum_lon)
                     values (13, 7, 9, 'red', -1, -52.5219, -13.4132),
                            (13, 7, 9, 'red', 1, 52.5229, 13.4142),
                            (13, 8, 9, 'red', 1, 52.6, 13.5),
                            (13, 8, 9, 'red', -1, -52.6, -13.5)",
            ],
        )
        .await;
        assert_eq!(store.fold_cell_changes().await.unwrap(), 4);
        let centroid = "select count(*) from report_cells
                        where level = 13 and cx = 7 and cy = 9 and light = 'red' and count = 1
                          and abs(sum_lat - 52.5229) < 1e-9 and abs(sum_lon - 13.4142) < 1e-9";
        assert_eq!(query_count(&db.url, backend, centroid).await, 1);
        // A cell a report entered and left in the same round keeps no row at zero.
        let empty = "select count(*) from report_cells where cx = 8";
        assert_eq!(query_count(&db.url, backend, empty).await, 0);
    }
);

both_backends!(
    shared_rate_buckets_refill_refuse_and_are_forgotten_when_full,
    |backend: Backend| async move {
        use buergerbuero::store::rate_limits::BucketSize;
        use std::time::Duration;
        let db = TestDatabase::new(backend);
        let store = connect(&db).await;
        let size = BucketSize {
            capacity: 2,
            per_hour: 3600,
        };
        let t0 = 1_800_000_000_000;
        let take = |client: &'static str, at: i64| {
            let store = store.clone();
            async move {
                store
                    .take_rate_token("filing", client, size, at)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(take("192.0.2.1", t0).await, None);
        assert_eq!(take("192.0.2.1", t0).await, None);
        // Empty: one token a second, so a whole one in a second from now.
        assert_eq!(take("192.0.2.1", t0).await, Some(Duration::from_secs(1)));
        assert_eq!(
            take("192.0.2.1", t0 + 400).await,
            Some(Duration::from_millis(600))
        );
        // Others and other scopes have buckets of their own.
        assert_eq!(take("192.0.2.2", t0).await, None);
        assert_eq!(
            store
                .take_rate_token("following", "192.0.2.1", size, t0)
                .await
                .unwrap(),
            None
        );
        // A second later there is a token again; a clock behind the last use refills nothing.
        assert_eq!(take("192.0.2.1", t0 + 1000).await, None);
        assert!(take("192.0.2.1", t0 + 500).await.is_some());
        // Full buckets (2 s after their last use at this rate) are deleted, the others kept.
        let forgotten = store
            .forget_full_rate_buckets("filing", size, t0 + 2500)
            .await
            .unwrap();
        assert_eq!(
            forgotten, 1,
            "192.0.2.2's bucket, unused for longer than it takes to fill"
        );
        assert_eq!(
            query_count(
                &db.url,
                backend,
                "select count(*) from rate_limit_buckets where scope = 'filing'"
            )
            .await,
            1
        );
    }
);
