//! Liveness and readiness probes for load balancers and orchestrators.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::{ApiError, AppState};

/// `GET /healthz`: the process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// `GET /readyz`: the database answers, so this instance can take traffic.
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state
        .store
        .ping()
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    Ok(HttpResponse::Ok().json(json!({ "status": "ready" })))
}
