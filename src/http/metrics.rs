//! `GET /metrics` and the middleware that counts every request by its route template.
//!
//! The main listener answers `/metrics` only with the configured bearer token (and 404 when
//! none is configured, as if the route did not exist); the separate metrics listener
//! (`BUERGERBUERO_METRICS__LISTEN`) answers without one, because it is meant for a private
//! address only.

use std::future::Future;
use std::time::Instant;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;

use super::{ApiError, AppState};
use crate::auth::secrets::constant_time_eq;
use crate::metrics::{CONTENT_TYPE, Metrics, Scrape};

/// The route label of requests no route template matched (404s, the static pages): raw paths
/// would make a series per URL anyone cares to request.
pub const UNMATCHED: &str = "unmatched";

/// `GET /metrics` on the main listener: the exposition for a request with the configured
/// bearer token; 401 without it; 404 when no token is configured.
pub async fn metrics(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Some(token) = state.settings.metrics.token.as_deref() else {
        return Err(ApiError::NotFound);
    };
    let sent = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    match sent {
        Some(sent) if constant_time_eq(sent, token) => exposition(&state).await,
        _ => Err(ApiError::Unauthorized),
    }
}

/// `GET /metrics` on the separate metrics listener: no token (see the module documentation).
pub async fn metrics_listener(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    exposition(&state).await
}

/// Reads the scrape-time figures (one query) and renders every series.
async fn exposition(state: &AppState) -> Result<HttpResponse, ApiError> {
    let snapshot = state.store.operations_snapshot().await?;
    let pool = state.store.pool_status();
    let oldest_pending_secs = snapshot.oldest_pending_at.map_or(0.0, |at| {
        (Utc::now() - at).num_milliseconds().max(0) as f64 / 1000.0
    });
    let scrape = Scrape {
        outbox_pending: snapshot.outbox_pending,
        outbox_sending: snapshot.outbox_sending,
        outbox_dead: snapshot.outbox_dead,
        outbox_oldest_pending_secs: oldest_pending_secs,
        map_unfolded_changes: snapshot.unfolded_cell_changes,
        pool_size: pool.size,
        pool_idle: pool.idle,
        pool_max: pool.max,
        jurisdiction_reloads: state.jurisdiction.reloads(),
    };
    let text = state
        .metrics
        .render(&scrape)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("rendering the metrics: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(text))
}

/// Middleware (`wrap_fn`): counts the request with its route template, method and status and
/// observes its duration, once the answer's head is ready.
pub fn track<S, B>(
    metrics: &std::sync::Arc<Metrics>,
    request: ServiceRequest,
    service: &S,
) -> impl Future<Output = Result<ServiceResponse<B>, actix_web::Error>> + use<S, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    let metrics = metrics.clone();
    let started = Instant::now();
    let method = method_label(request.method());
    let response = service.call(request);
    async move {
        let result = response.await;
        let (route, status) = match &result {
            Ok(response) => (
                response.request().match_pattern(),
                response.status().as_u16(),
            ),
            Err(error) => (None, error.as_response_error().status_code().as_u16()),
        };
        let route = route.filter(|r| !r.is_empty());
        metrics.http_request(
            route.as_deref().unwrap_or(UNMATCHED),
            method,
            status,
            started.elapsed(),
        );
        result
    }
}

/// The method as a label: the standard ones by name, anything else as `other`, so invented
/// methods cannot make new series.
fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
