//! buergerbuero: citizen issue reporting for Berlin, Brandenburg and Mecklenburg-Vorpommern.
//!
//! A citizen drops a pin and describes a problem; the service finds the responsible authority
//! by point-in-polygon over the official boundaries and routes the report there. See
//! `docs/ARCHITECTURE.md` for the map of the modules.

pub mod accounts;
pub mod alerts;
pub mod auth;
pub mod backoffice;
pub mod backup;
pub mod boundaries;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod domain;
pub mod feedback;
pub mod filing;
pub mod http;
pub mod import;
pub mod jurisdiction;
pub mod map;
pub mod metrics;
pub mod notify;
pub mod open311;
pub mod open_data;
pub mod photos;
pub mod places;
pub mod privacy;
pub mod rate_limit;
pub mod sessions;
pub mod startup;
pub mod stats;
pub mod store;
pub mod telemetry;
pub mod tls;
pub mod webhooks;
pub mod workflow;
