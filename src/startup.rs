//! Building and running the application: database, boundaries, jurisdiction engine, HTTP.

use crate::auth::reporter_key::ReporterKeys;
use crate::auth::secrets::random_hex;
use std::net::TcpListener;
use std::sync::Arc;

use actix_http::HttpService;
use actix_http::error::DispatchError;
use actix_service::{ServiceFactoryExt, fn_service, map_config};
use actix_web::dev::{AppConfig, Server, ServerHandle};
use actix_web::{App, web};
use anyhow::Context;
use tracing_actix_web::TracingLogger;

use crate::backoffice::Backoffice;
use crate::catalog;
use crate::config::Settings;
use crate::filing::FilingContext;
use crate::http::{self, AppState};
use crate::import::import_boundaries;
use crate::jurisdiction::{Jurisdiction, JurisdictionHandle};
use crate::metrics::Metrics;
use crate::notify::compose::Composer;
use crate::notify::transport::Transport;
use crate::notify::worker::Worker;
use crate::photos::{PhotoStorage, PhotoWorkers};
use crate::places::geocoder::Geocoder;
use crate::places::{PlaceIndex, geonames};
use crate::rate_limit::{Budget, RateLimiter};
use crate::store::{self, Backend, Store};
use crate::workflow::WorkflowContext;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Opens the database and applies the migrations.
pub async fn open_store(settings: &Settings) -> anyhow::Result<Arc<dyn Store>> {
    let store = store::connect(&settings.database_url, settings.database_max_connections).await?;
    store.migrate().await.context("migrating the database")?;
    Ok(store)
}

/// Builds the jurisdiction engine from what the store holds.
pub async fn load_jurisdiction(
    store: &dyn Store,
    settings: &Settings,
) -> anyhow::Result<Jurisdiction> {
    let areas = store.load_boundaries().await?;
    let authorities = store.list_authorities().await?;
    let categories = store.list_categories().await?;
    let rules = store.list_routing_rules().await?;
    let started = std::time::Instant::now();
    let engine = tokio::task::block_in_place(|| {
        Jurisdiction::build(
            areas,
            authorities,
            categories,
            &rules,
            settings.jurisdiction,
        )
    })?;
    let stats = engine.stats();
    tracing::info!(
        areas = stats.areas,
        edges = stats.edges,
        index_bytes = stats.heap_bytes,
        build_ms = started.elapsed().as_millis() as u64,
        "jurisdiction index built"
    );
    Ok(engine)
}

/// A rate limiter with `budget`: shared through the database on PostgreSQL, where several
/// instances may serve one database; in memory on SQLite, which serves one instance.
fn rate_limiter(store: &Arc<dyn Store>, budget: Budget, scope: &'static str) -> RateLimiter {
    match store.backend() {
        Backend::Postgres => RateLimiter::shared(budget, store.clone(), scope),
        Backend::Sqlite => RateLimiter::new(budget),
    }
}

/// Builds the place search from the engine's areas and the GeoNames file. A missing or broken
/// file is a warning, not a failure: the search then knows the official names only.
pub fn load_places(settings: &Settings, engine: &Jurisdiction) -> PlaceIndex {
    let dir = settings.places_dir();
    let started = std::time::Instant::now();
    let geonames = geonames::read(&dir).unwrap_or_else(|error| {
        tracing::warn!(
            %error,
            "place search without GeoNames places: only official names, no nearest place"
        );
        Vec::new()
    });
    let index = tokio::task::block_in_place(|| PlaceIndex::build(engine, &geonames));
    let stats = index.stats();
    tracing::info!(
        places = stats.places,
        geonames = stats.geonames,
        merged = stats.merged,
        outside = stats.outside,
        build_ms = started.elapsed().as_millis() as u64,
        "place index built"
    );
    index
}

/// How often an instance reloads categories and routing rules, so that a change an admin made
/// through another instance reaches it.
pub const CATALOG_REFRESH: std::time::Duration = std::time::Duration::from_secs(30);

/// Reloads the catalog every [`CATALOG_REFRESH`] for as long as the runtime runs.
fn spawn_catalog_refresh(store: Arc<dyn Store>, jurisdiction: Arc<JurisdictionHandle>) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(CATALOG_REFRESH);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        interval.tick().await;
        loop {
            interval.tick().await;
            if let Err(error) = catalog::refresh(&*store, &jurisdiction).await {
                tracing::warn!(
                    error = format!("{error:#}"),
                    "catalog refresh failed; keeping the current one"
                );
            }
        }
    });
}

/// How often an instance folds the appended map count changes into `report_cells`: often
/// enough that the changes table stays a few thousand rows even under heavy filing.
pub const CELL_FOLD_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// Folds map count changes every [`CELL_FOLD_INTERVAL`] for as long as the runtime runs. The
/// map is exact without it (it reads the changes too); folding keeps the changes table small.
fn spawn_cell_folder(store: Arc<dyn Store>) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(CELL_FOLD_INTERVAL);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            if let Err(error) = store.fold_cell_changes().await {
                tracing::warn!(
                    error = format!("{error:#}"),
                    "folding map count changes failed; retrying"
                );
            }
        }
    });
}

/// The keys of reporters' links, under the installation secret the first instance drew.
async fn load_reporter_keys(store: &dyn Store) -> anyhow::Result<ReporterKeys> {
    let fresh = random_hex(32).map_err(crate::sessions::no_randomness)?;
    let secret = store
        .installation_secret("reporter_keys", &fresh)
        .await
        .context("reading the installation secret")?;
    ReporterKeys::new(secret.as_bytes())
}

/// A built application, bound to its port and ready to run.
pub struct Application {
    port: u16,
    metrics_port: Option<u16>,
    server: Server,
    mail: Arc<Worker>,
    /// The background delivery task (`MailDelivery::Background` only).
    mail_task: Option<JoinHandle<()>>,
    webhooks: Arc<crate::webhooks::worker::Worker>,
    /// The background webhook task (`MailDelivery::Background` only).
    webhook_task: Option<JoinHandle<()>>,
    /// Deliveries to and status pulls from authorities' back offices.
    backoffice: Arc<Backoffice>,
    /// Its background task (`MailDelivery::Background` only).
    backoffice_task: Option<JoinHandle<()>>,
    stop_mail: watch::Sender<bool>,
}

/// How an application delivers the mails in its outbox, its webhooks and its back-office
/// deliveries and status pulls (which follow the same choice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailDelivery {
    /// A worker task delivers each mail as it becomes due: what `serve` runs.
    Background,
    /// No worker task: mails wait in the outbox until [`Worker::deliver_pending`] is called on
    /// [`Application::mail_worker`], webhooks until it is called on
    /// [`Application::webhook_worker`]. For tests that drive delivery step by step.
    OnDemand,
}

impl Application {
    /// Migrates, imports the boundaries if the database has none, builds the engine and binds
    /// the listener (port 0 picks a free one); mail is delivered in the background.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with(settings, MailDelivery::Background).await
    }

    /// [`Application::build`] with the choice of how mail is delivered.
    pub async fn build_with(settings: Settings, delivery: MailDelivery) -> anyhow::Result<Self> {
        let store = open_store(&settings).await?;
        if store.count_areas().await? == 0 {
            tracing::info!(dir = %settings.boundaries_dir.display(), "no boundaries stored yet: importing");
            let report = import_boundaries(&*store, &settings.boundaries_dir, &mut |line| {
                tracing::info!("{line}");
            })
            .await?;
            tracing::info!("boundary import done\n{report}");
        }
        let engine = load_jurisdiction(&*store, &settings).await?;
        let reporter_keys = load_reporter_keys(&*store).await?;
        let places = Arc::new(load_places(&settings, &engine));
        let jurisdiction = Arc::new(JurisdictionHandle::new(engine));
        spawn_catalog_refresh(store.clone(), jurisdiction.clone());
        spawn_cell_folder(store.clone());
        // Read once before serving, so the first tiles already carry the database's versions.
        let map_versions = crate::map::versions::MapVersions::default();
        map_versions
            .refresh(&*store)
            .await
            .context("reading the map versions")?;
        crate::map::versions::spawn_refresher(map_versions.clone(), store.clone());
        let listener = TcpListener::bind(&settings.listen).with_context(|| {
            format!("cannot listen on {} (BUERGERBUERO_LISTEN)", settings.listen)
        })?;
        let port = listener.local_addr()?.port();
        let workers = settings.http_workers;
        let transport = Transport::new(
            settings.smtp_url.as_deref(),
            &settings.data_dir,
            std::time::Duration::from_secs(settings.mail.send_timeout_secs),
        )?;
        let (stop_mail, stop_mail_rx) = watch::channel(false);
        let mail = Arc::new(Worker {
            store: store.clone(),
            transport,
            jurisdiction: jurisdiction.clone(),
            composer: Composer::new(&settings.public_url, reporter_keys.clone()),
            settings: settings.mail.clone(),
        });
        let backoffice = Arc::new(Backoffice::new(
            WorkflowContext {
                store: store.clone(),
                jurisdiction: jurisdiction.clone(),
                composer: Composer::new(&settings.public_url, reporter_keys.clone()),
            },
            settings.backoffice.clone(),
            &settings.public_url,
        )?);
        let (mail_task, backoffice_task) = match delivery {
            MailDelivery::Background => {
                let worker = mail.clone();
                let backoffice_worker = backoffice.clone();
                let stop_backoffice_rx = stop_mail_rx.clone();
                (
                    Some(tokio::spawn(async move { worker.run(stop_mail_rx).await })),
                    Some(tokio::spawn(async move {
                        backoffice_worker.run(stop_backoffice_rx).await
                    })),
                )
            }
            MailDelivery::OnDemand => (None, None),
        };
        let webhooks = Arc::new(crate::webhooks::worker::Worker::new(
            store.clone(),
            jurisdiction.clone(),
            settings.webhooks.clone(),
            &settings.public_url,
        )?);
        let webhook_task = match delivery {
            MailDelivery::Background => {
                let worker = webhooks.clone();
                let stop = stop_mail.subscribe();
                Some(tokio::spawn(async move { worker.run(stop).await }))
            }
            MailDelivery::OnDemand => None,
        };
        let settings = Arc::new(settings);
        let metrics = Arc::new(Metrics::new().context("setting up the metrics")?);
        crate::privacy::retention::spawn(store.clone(), metrics.clone(), settings.retention_days);
        let photo_location = settings.photo_location()?;
        let photos: Arc<dyn PhotoStorage> = photo_location.open(&settings.photos_s3_env)?;
        // Not checked here: a bucket that is down at start should make the instance unready
        // (`/readyz`), not keep it from starting and recovering by itself.
        tracing::info!(photos = %photo_location, "photo storage");
        let tile_cache = crate::map::tile_cache::TileCache::new(
            settings.map_tile_cache_mb.saturating_mul(1024 * 1024),
        );
        let state = AppState {
            filing: FilingContext {
                store: store.clone(),
                jurisdiction: jurisdiction.clone(),
                photos: photos.clone(),
                settings: settings.clone(),
                photo_workers: Arc::new(
                    PhotoWorkers::start(settings.photo_decode_concurrency)
                        .context("starting the photo processing threads")?,
                ),
                composer: Composer::new(&settings.public_url, reporter_keys.clone()),
                metrics: metrics.clone(),
            },
            rate_limiter: Arc::new(rate_limiter(&store, settings.rate_limit.filing(), "filing")),
            follow_limiter: Arc::new(rate_limiter(
                &store,
                settings.rate_limit.following(),
                "following",
            )),
            reporter_keys,
            store,
            jurisdiction,
            places,
            geocoder: Geocoder::from_settings(&settings.geocoder, &settings.public_url)?
                .map(Arc::new),
            photos,
            settings,
            metrics,
            map_versions,
            tile_cache,
        };
        let metrics_listener = match &state.settings.metrics.listen {
            Some(address) => Some(TcpListener::bind(address).with_context(|| {
                format!("cannot listen on {address} (BUERGERBUERO_METRICS__LISTEN)")
            })?),
            None => None,
        };
        let metrics_port = match &metrics_listener {
            Some(listener) => Some(listener.local_addr()?.port()),
            None => None,
        };
        let local_addr = listener.local_addr()?;
        let mut server = actix_server::Server::build()
            // Signals are handled in `run_until_stopped`, which stops the server in order.
            .disable_signals()
            .shutdown_timeout(30);
        if workers > 0 {
            server = server.workers(workers);
        }
        let main_state = state.clone();
        let mut server = server.listen("buergerbuero-http", listener, move || {
            let state = main_state.clone();
            let metrics = state.metrics.clone();
            let app = App::new()
                .wrap(http::security_headers())
                .wrap_fn(http::per_request_headers)
                .wrap(TracingLogger::default())
                // Outermost, so the time and status are those the client gets.
                .wrap_fn(move |request, service| http::metrics::track(&metrics, request, service))
                .configure(move |config| http::configure(config, state))
                .default_service(web::to(|| async {
                    Err::<actix_web::HttpResponse, _>(http::ApiError::NotFound)
                }));
            let h1 = HttpService::build()
                .local_addr(local_addr)
                .h1(map_config(app, |_| AppConfig::default()));
            // Each connection passes through `wire::ProblemAnswers`, so that even the
            // answers actix-http writes by itself are problem documents.
            fn_service(|stream: tokio::net::TcpStream| async move {
                let peer = stream.peer_addr().ok();
                stream.set_nodelay(true).map_err(DispatchError::Io)?;
                Ok::<_, DispatchError>((http::wire::ProblemAnswers::new(stream), peer))
            })
            .and_then(h1)
        })?;
        if let Some(metrics_listener) = metrics_listener {
            let metrics_addr = metrics_listener.local_addr()?;
            server = server.listen("buergerbuero-metrics", metrics_listener, move || {
                let app = App::new()
                    .app_data(web::Data::new(state.clone()))
                    .route("/metrics", web::get().to(http::metrics::metrics_listener))
                    .default_service(web::to(|| async {
                        Err::<actix_web::HttpResponse, _>(http::ApiError::NotFound)
                    }));
                let h1 = HttpService::build()
                    .local_addr(metrics_addr)
                    .h1(map_config(app, |_| AppConfig::default()));
                fn_service(|stream: tokio::net::TcpStream| async move {
                    let peer = stream.peer_addr().ok();
                    Ok::<_, DispatchError>((http::wire::ProblemAnswers::new(stream), peer))
                })
                .and_then(h1)
            })?;
            tracing::info!(port = metrics_addr.port(), "metrics listening");
        }
        let server = server.run();
        tracing::info!(port, "listening");
        Ok(Self {
            port,
            metrics_port,
            server,
            mail,
            mail_task,
            webhooks,
            webhook_task,
            backoffice,
            backoffice_task,
            stop_mail,
        })
    }

    /// The application's mail worker, to deliver by hand with [`Worker::deliver_pending`]
    /// (with `MailDelivery::OnDemand`, nothing else delivers).
    pub fn mail_worker(&self) -> Arc<Worker> {
        self.mail.clone()
    }

    /// The application's webhook worker, to fan out and deliver by hand with
    /// [`crate::webhooks::worker::Worker::deliver_pending`] (with `MailDelivery::OnDemand`).
    pub fn webhook_worker(&self) -> Arc<crate::webhooks::worker::Worker> {
        self.webhooks.clone()
    }

    /// The back-office worker, to deliver and pull by hand with
    /// [`Backoffice::deliver_pending`] and [`Backoffice::pull`] (with `MailDelivery::OnDemand`,
    /// nothing else does).
    pub fn backoffice(&self) -> Arc<Backoffice> {
        self.backoffice.clone()
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the separate metrics listener, if one is configured.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    /// A handle to stop the server (tests use it).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Runs until SIGINT or SIGTERM, then lets in-flight requests finish and the mail worker
    /// finish the mail in hand.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let server = tokio::spawn(self.server);
        tokio::select! {
            result = server => return Ok(result??),
            () = shutdown_signal() => tracing::info!("shutting down: finishing in-flight requests"),
        }
        handle.stop(true).await;
        // The worker checks between mails; the one in hand is delivered and recorded first.
        let _ = self.stop_mail.send(true);
        if let Some(task) = self.mail_task
            && let Err(error) = task.await
        {
            tracing::error!(%error, "the mail worker ended abnormally");
        }
        if let Some(task) = self.webhook_task
            && let Err(error) = task.await
        {
            tracing::error!(%error, "the webhook worker ended abnormally");
        }
        if let Some(task) = self.backoffice_task
            && let Err(error) = task.await
        {
            tracing::error!(%error, "the back-office worker ended abnormally");
        }
        Ok(())
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {},
                    _ = terminate.recv() => {},
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; stopping on SIGINT only");
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
