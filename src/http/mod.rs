//! The HTTP layer (actix-web): routes, shared state and error rendering. Thin by design:
//! handlers parse, call the domain and the store, and render.

mod admin_accounts;
mod admin_catalog;
mod admin_photos;
mod admin_reports;
mod admin_webhooks;
mod alerts;
mod answer_templates;
pub mod auth;
mod authorities;
mod backoffice;
mod catalog;
mod feedback;
mod health;
mod input;
mod intake;
mod jurisdiction;
mod mail;
mod map_tiles;
pub mod metrics;
mod open311;
mod open311_keys;
mod open_data;
mod places;
mod problem;
pub(crate) mod report_view;
mod reports;
mod supporters;
pub mod wire;

use std::sync::Arc;

use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{Compress, DefaultHeaders, from_fn};
use actix_web::{HttpResponse, Route, guard, web};

use crate::config::Settings;
use crate::filing::FilingContext;
use crate::jurisdiction::JurisdictionHandle;
use crate::photos::PhotoStorage;
use crate::places::PlaceIndex;
use crate::rate_limit::RateLimiter;
use crate::store::Store;
pub use catalog::OPENAPI_YAML;
pub use problem::{ApiError, FieldError, PROBLEM_JSON};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Arc<dyn Store>,
    /// The jurisdiction engine.
    pub jurisdiction: Arc<JurisdictionHandle>,
    /// The place search (built once at start-up).
    pub places: Arc<PlaceIndex>,
    /// The upstream geocoder for street addresses, where an operator configured one.
    pub geocoder: Option<Arc<crate::places::geocoder::Geocoder>>,
    /// The configuration.
    pub settings: Arc<Settings>,
    /// Photo files.
    pub photos: Arc<dyn PhotoStorage>,
    /// The filing use case and what it needs.
    pub filing: FilingContext,
    /// Per-client limit on filing.
    pub rate_limiter: Arc<RateLimiter>,
    /// Per-client budget for follow requests (each sends a confirmation mail).
    pub follow_limiter: Arc<RateLimiter>,
    /// Derives and checks the keys of reporters' links.
    pub reporter_keys: crate::auth::reporter_key::ReporterKeys,
    /// The Prometheus metrics.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// The map regions' versions, refreshed from the database every second.
    pub map_versions: crate::map::versions::MapVersions,
    /// Rendered map tiles by version.
    pub tile_cache: crate::map::tile_cache::TileCache,
}

/// One API route: method, path (OpenAPI template syntax, which actix shares) and handler.
pub struct RouteDef {
    /// HTTP method.
    pub method: Method,
    /// Path template, e.g. `/api/v1/jurisdiction`.
    pub path: &'static str,
    route: fn() -> Route,
}

/// Every API route. The single source the app registers from, and that the OpenAPI drift test
/// compares with `openapi.yaml`.
pub fn routes() -> Vec<RouteDef> {
    vec![
        RouteDef {
            method: Method::GET,
            path: "/healthz",
            route: || web::get().to(health::healthz),
        },
        RouteDef {
            method: Method::GET,
            path: "/readyz",
            route: || web::get().to(health::readyz),
        },
        RouteDef {
            method: Method::GET,
            path: "/metrics",
            route: || web::get().to(metrics::metrics),
        },
        RouteDef {
            method: Method::GET,
            path: "/openapi.yaml",
            route: || web::get().to(catalog::openapi),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/categories",
            route: || web::get().to(catalog::list_categories),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/attribution",
            route: || web::get().to(catalog::attribution),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/open-data/reports.csv",
            route: || web::get().to(open_data::reports_csv),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/open-data/reports.geojson",
            route: || web::get().to(open_data::reports_geojson),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/open-data/catalog.jsonld",
            route: || web::get().to(open_data::catalog),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/jurisdiction",
            route: || web::get().to(jurisdiction::get_jurisdiction),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/places",
            route: || web::get().to(places::search_places),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/reports",
            route: || web::post().to(reports::create_report),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/reports",
            route: || web::get().to(reports::list_reports),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/reports.geojson",
            route: || web::get().to(reports::map_layer),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/map/tiles/{z}/{x}/{y}.json",
            route: || web::get().to(map_tiles::tile),
        },
        // Before `/api/v1/reports/{id}`, which would otherwise take "nearby" as an id.
        RouteDef {
            method: Method::GET,
            path: "/api/v1/reports/nearby",
            route: || web::get().to(reports::nearby),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/reports/{id}",
            route: || web::get().to(reports::get_report),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/reports/{id}/followers",
            route: || web::post().to(mail::follow),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/reports/{id}/feedback",
            route: || web::post().to(feedback::give),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/reports/{id}/supporters",
            route: || web::post().to(supporters::support),
        },
        RouteDef {
            method: Method::GET,
            path: "/mail/confirm/{token}",
            route: || web::get().to(mail::confirm_page),
        },
        RouteDef {
            method: Method::POST,
            path: "/mail/confirm/{token}",
            route: || web::post().to(mail::confirm),
        },
        RouteDef {
            method: Method::GET,
            path: "/mail/unsubscribe/{token}",
            route: || web::get().to(mail::unsubscribe_page),
        },
        RouteDef {
            method: Method::POST,
            path: "/mail/unsubscribe/{token}",
            route: || web::post().to(mail::unsubscribe),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/alerts",
            route: || web::post().to(alerts::subscribe),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/feeds/reports.atom",
            route: || web::get().to(alerts::feed),
        },
        RouteDef {
            method: Method::GET,
            path: "/mail/alerts/confirm/{token}",
            route: || web::get().to(alerts::confirm_page),
        },
        RouteDef {
            method: Method::POST,
            path: "/mail/alerts/confirm/{token}",
            route: || web::post().to(alerts::confirm),
        },
        RouteDef {
            method: Method::GET,
            path: "/mail/alerts/unsubscribe/{token}",
            route: || web::get().to(alerts::unsubscribe_page),
        },
        RouteDef {
            method: Method::POST,
            path: "/mail/alerts/unsubscribe/{token}",
            route: || web::post().to(alerts::unsubscribe),
        },
        RouteDef {
            method: Method::GET,
            path: "/mail/erase/{token}",
            route: || web::get().to(mail::erase_page),
        },
        RouteDef {
            method: Method::POST,
            path: "/mail/erase/{token}",
            route: || web::post().to(mail::erase),
        },
        RouteDef {
            method: Method::DELETE,
            path: "/api/v1/reports/{id}/contact",
            route: || web::delete().to(reports::erase_contact),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/admin/mail",
            route: || web::get().to(mail::list_mail),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/admin/mail/{id}/retry",
            route: || web::post().to(mail::retry_mail),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/photos/{id}/{variant}",
            route: || web::get().to(reports::get_photo),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/authorities/{key}/stats",
            route: || web::get().to(authorities::authority_stats),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/admin/login",
            route: || web::post().to(auth::login),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/admin/logout",
            route: || web::post().to(auth::logout),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/admin/me",
            route: || web::get().to(auth::me),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/admin/password",
            route: || web::post().to(auth::change_password),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/admin/tokens",
            route: || web::get().to(auth::list_tokens),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/admin/tokens",
            route: || web::post().to(auth::create_token),
        },
        RouteDef {
            method: Method::DELETE,
            path: "/api/v1/admin/tokens/{id}",
            route: || web::delete().to(auth::revoke_token),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/admin/reports",
            route: || web::get().to(admin_reports::inbox),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/admin/reports/{id}",
            route: || web::get().to(admin_reports::get_report),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/admin/reports/{id}/publish",
            route: || web::post().to(admin_reports::publish),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/admin/reports/{id}/hide",
            route: || web::post().to(admin_reports::hide),
        },
        RouteDef {
            method: Method::PUT,
            path: "/api/v1/admin/reports/{id}/description",
            route: || web::put().to(admin_reports::edit_description),
        },
        RouteDef {
            method: Method::PUT,
            path: "/api/v1/admin/reports/{id}/photos/{photo}",
            route: || web::put().to(admin_reports::set_photo),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/admin/reports/{id}/photos/{photo}/redaction",
            route: || web::post().to(admin_photos::redact_photo),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/admin/reports/{id}/photo-answers",
            route: || web::post().to(admin_photos::answer_with_photos),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/admin/reports/{id}/photos/{photo}/{variant}",
            route: || web::get().to(admin_reports::get_photo),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/admin/reports/{id}/status",
            route: || web::post().to(admin_reports::change_status),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/admin/reports/{id}/answers",
            route: || web::post().to(admin_reports::answer),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/admin/reports/{id}/notes",
            route: || web::post().to(admin_reports::note),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/admin/reports/{id}/forward",
            route: || web::post().to(admin_reports::forward),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/admin/reports/{id}/duplicate",
            route: || web::post().to(admin_reports::mark_duplicate),
        },
        RouteDef {
            method: Method::PUT,
            path: "/api/v1/admin/reports/{id}/category",
            route: || web::put().to(admin_reports::change_category),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/admin/reports/{id}/reopen",
            route: || web::post().to(admin_reports::reopen),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/admin/reports/{id}/decline-reopen",
            route: || web::post().to(admin_reports::decline_reopen),
        },
        RouteDef {
            method: Method::PUT,
            path: "/api/v1/admin/reports/{id}/assignee",
            route: || web::put().to(admin_reports::assign),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/admin/accounts",
            route: || web::get().to(admin_accounts::list_accounts),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/admin/accounts",
            route: || web::post().to(admin_accounts::create),
        },
        RouteDef {
            method: Method::PATCH,
            path: "/api/v1/admin/accounts/{id}",
            route: || web::patch().to(admin_accounts::update),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/admin/answer-templates",
            route: || web::get().to(answer_templates::list_templates),
        },
        RouteDef {
            method: Method::PUT,
            path: "/api/v1/admin/answer-templates/{status}/{language}",
            route: || web::put().to(answer_templates::set_template),
        },
        RouteDef {
            method: Method::PUT,
            path: "/api/v1/admin/authorities/{key}/contact",
            route: || web::put().to(authorities::set_contact),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/admin/authorities/{key}/delivery",
            route: || web::get().to(backoffice::get_delivery),
        },
        RouteDef {
            method: Method::PUT,
            path: "/api/v1/admin/authorities/{key}/delivery",
            route: || web::put().to(backoffice::set_delivery),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/admin/backoffice-deliveries",
            route: || web::get().to(backoffice::list_deliveries),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/admin/backoffice-deliveries/{id}/retry",
            route: || web::post().to(backoffice::retry_delivery),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/admin/categories",
            route: || web::get().to(admin_catalog::list_all_categories),
        },
        RouteDef {
            method: Method::PUT,
            path: "/api/v1/admin/categories/{code}",
            route: || web::put().to(admin_catalog::put_category),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/admin/routing-rules",
            route: || web::get().to(admin_catalog::list_routing_rules),
        },
        RouteDef {
            method: Method::PUT,
            path: "/api/v1/admin/routing-rules/{category}/{scope}/{key}",
            route: || web::put().to(admin_catalog::put_routing_rule),
        },
        RouteDef {
            method: Method::DELETE,
            path: "/api/v1/admin/routing-rules/{category}/{scope}/{key}",
            route: || web::delete().to(admin_catalog::delete_routing_rule),
        },
        // Open311 GeoReport v2: every resource as .json and .xml (the suffix picks the format).
        RouteDef {
            method: Method::GET,
            path: "/open311/v2/discovery.json",
            route: || web::get().to(open311::discovery),
        },
        RouteDef {
            method: Method::GET,
            path: "/open311/v2/services.json",
            route: || web::get().to(open311::services),
        },
        RouteDef {
            method: Method::GET,
            path: "/open311/v2/services/{service_code}.json",
            route: || web::get().to(open311::service_definition),
        },
        RouteDef {
            method: Method::GET,
            path: "/open311/v2/requests.json",
            route: || web::get().to(open311::list_requests),
        },
        RouteDef {
            method: Method::POST,
            path: "/open311/v2/requests.json",
            route: || web::post().to(open311::create_request),
        },
        RouteDef {
            method: Method::GET,
            path: "/open311/v2/requests/{service_request_id}.json",
            route: || web::get().to(open311::get_request),
        },
        RouteDef {
            method: Method::GET,
            path: "/open311/v2/tokens/{token}.json",
            route: || web::get().to(open311::token),
        },
        RouteDef {
            method: Method::GET,
            path: "/open311/v2/servicerequestupdates.json",
            route: || web::get().to(open311::updates),
        },
        RouteDef {
            method: Method::GET,
            path: "/open311/v2/discovery.xml",
            route: || web::get().to(open311::discovery),
        },
        RouteDef {
            method: Method::GET,
            path: "/open311/v2/services.xml",
            route: || web::get().to(open311::services),
        },
        RouteDef {
            method: Method::GET,
            path: "/open311/v2/services/{service_code}.xml",
            route: || web::get().to(open311::service_definition),
        },
        RouteDef {
            method: Method::GET,
            path: "/open311/v2/requests.xml",
            route: || web::get().to(open311::list_requests),
        },
        RouteDef {
            method: Method::POST,
            path: "/open311/v2/requests.xml",
            route: || web::post().to(open311::create_request),
        },
        RouteDef {
            method: Method::GET,
            path: "/open311/v2/requests/{service_request_id}.xml",
            route: || web::get().to(open311::get_request),
        },
        RouteDef {
            method: Method::GET,
            path: "/open311/v2/tokens/{token}.xml",
            route: || web::get().to(open311::token),
        },
        RouteDef {
            method: Method::GET,
            path: "/open311/v2/servicerequestupdates.xml",
            route: || web::get().to(open311::updates),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/admin/webhooks",
            route: || web::get().to(admin_webhooks::list),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/admin/webhooks",
            route: || web::post().to(admin_webhooks::create),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/admin/webhooks/{id}",
            route: || web::get().to(admin_webhooks::get),
        },
        RouteDef {
            method: Method::PATCH,
            path: "/api/v1/admin/webhooks/{id}",
            route: || web::patch().to(admin_webhooks::update),
        },
        RouteDef {
            method: Method::DELETE,
            path: "/api/v1/admin/webhooks/{id}",
            route: || web::delete().to(admin_webhooks::delete),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/admin/webhooks/{id}/secret",
            route: || web::post().to(admin_webhooks::rotate_secret),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/admin/webhooks/{id}/deliveries",
            route: || web::get().to(admin_webhooks::list_deliveries),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/admin/webhooks/{id}/deliveries/{delivery}/retry",
            route: || web::post().to(admin_webhooks::retry_delivery),
        },
        RouteDef {
            method: Method::GET,
            path: "/api/v1/admin/open311-keys",
            route: || web::get().to(open311_keys::list_keys),
        },
        RouteDef {
            method: Method::POST,
            path: "/api/v1/admin/open311-keys",
            route: || web::post().to(open311_keys::create_key),
        },
        RouteDef {
            method: Method::DELETE,
            path: "/api/v1/admin/open311-keys/{id}",
            route: || web::delete().to(open311_keys::revoke_key),
        },
    ]
}

/// Where the Open311 endpoint's resources live.
const OPEN311_PREFIX: &str = "/open311/v2/";

/// Registers the API routes, a 405 with `Allow` for other methods on known paths, the static
/// web frontend at `/`, and problem+json for everything that matches nothing.
pub fn configure(config: &mut web::ServiceConfig, state: AppState) {
    let web_dir = state.settings.web_dir.clone();
    config.app_data(web::Data::new(state)).app_data(
        web::JsonConfig::default()
            .limit(reports::JSON_BODY_LIMIT)
            .error_handler(|error, _| json_error(error).into()),
    );
    let mut by_path: Vec<(&'static str, Vec<RouteDef>)> = Vec::new();
    for route in routes() {
        match by_path.iter_mut().find(|(path, _)| *path == route.path) {
            Some((_, group)) => group.push(route),
            None => by_path.push((route.path, vec![route])),
        }
    }
    for (path, group) in by_path {
        let allow = group
            .iter()
            .map(|r| r.method.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let mut resource = web::resource(path);
        for def in &group {
            resource = resource.route((def.route)());
        }
        let resource = resource.default_service(web::to(move || {
            let allow = allow.clone();
            async move { Err::<HttpResponse, _>(ApiError::MethodNotAllowed { allow }) }
        }));
        // Open311 answers every error with the spec's error list, never problem+json.
        if path.starts_with(OPEN311_PREFIX) {
            config.service(resource.wrap(from_fn(open311::error_lists)));
        } else {
            config.service(resource);
        }
    }
    // After the Open311 resources: any other path under the prefix (e.g. `requests.csv`).
    config.service(
        web::resource(format!("{OPEN311_PREFIX}{{tail:.*}}"))
            .route(web::route().to(open311::unknown_resource))
            .wrap(from_fn(open311::error_lists)),
    );
    // The web frontend, gzip-compressed for browsers that accept it (Leaflet's 148 kB are 43 kB
    // on the wire; images are left as they are). Only the web files: API answers can carry a
    // secret (a CSRF token, a reporter's key) beside text a requester chooses, which compressed
    // would leak through the answer's length (BREACH). `no-cache`: a browser revalidates every
    // file (a 304 when unchanged) instead of guessing a freshness from its age, so a deploy
    // never meets an old page beside new modules.
    config.service(
        web::scope("")
            .wrap(Compress::default())
            .wrap(
                actix_web::middleware::DefaultHeaders::new()
                    .add((header::CACHE_CONTROL, "no-cache")),
            )
            .service(
                actix_files::Files::new("", web_dir)
                    .index_file("index.html")
                    // Only requests the file service can answer reach it; everything else falls
                    // through to the app's default service and gets the 404 problem (see
                    // `serves_static_files`).
                    .guard(guard::fn_guard(serves_static_files))
                    .default_handler(web::to(|| async {
                        Err::<HttpResponse, _>(ApiError::NotFound)
                    })),
            ),
    );
}

/// A JSON body that could not be read, as a problem: wrong media type (415), too large (413),
/// or not the JSON the route expects (400, naming the cause).
fn json_error(error: actix_web::error::JsonPayloadError) -> ApiError {
    use actix_web::error::JsonPayloadError as E;
    match error {
        E::ContentType => ApiError::UnsupportedMediaType {
            accepted: "application/json",
        },
        E::Overflow { limit } | E::OverflowKnownLength { limit, .. } => {
            ApiError::PayloadTooLarge { max_bytes: limit }
        }
        other => input::body_not_matching(&other.to_string()),
    }
}

/// Whether the static file service should take a request: `GET` or `HEAD` of a path it
/// accepts. Otherwise `actix-files` answers by itself, in `text/plain`: 405 for other methods
/// on any path (so `POST /no-such-thing` would be a 405, not a 404), and 400 for paths it
/// refuses (segments starting with `.`, an encoded `/`).
fn serves_static_files(ctx: &guard::GuardContext<'_>) -> bool {
    let head = ctx.head();
    matches!(head.method, Method::GET | Method::HEAD)
        && actix_files::PathBufWrap::parse_path(head.uri.path(), false).is_ok()
}

/// The `Content-Security-Policy` of every response.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; frame-ancestors 'none'";

/// Security headers for every response. The strict CSP is possible because the frontend has
/// no inline scripts or styles.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .add((
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .add((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
}

/// Whether a path's answers are for one person only: the admin and session routes (the
/// reporter's contact, CSRF tokens, account data) and the pages behind mail links (their
/// secret token): no cache, shared or private, may keep them.
fn is_private_path(path: &str) -> bool {
    path.starts_with("/api/v1/admin/") || path.starts_with("/mail/")
}

/// Middleware: returns the request id that `TracingLogger` gave the request's log span as
/// `X-Request-Id`, so a user's error report can be matched with the logs; and marks every
/// answer of a private path (`is_private_path`) `Cache-Control: private, no-store`.
pub fn per_request_headers<S, B>(
    request: actix_web::dev::ServiceRequest,
    service: &S,
) -> impl std::future::Future<Output = Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>>
+ use<S, B>
where
    S: actix_web::dev::Service<
            actix_web::dev::ServiceRequest,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
{
    use actix_web::HttpMessage;
    let id = request
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(|id| id.to_string());
    let private = is_private_path(request.path());
    let response = service.call(request);
    async move {
        let mut response = response.await?;
        let headers = response.headers_mut();
        if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
            headers.insert(header::HeaderName::from_static("x-request-id"), value);
        }
        if private {
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
        }
        Ok(response)
    }
}
