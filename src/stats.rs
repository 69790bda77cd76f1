//! An authority's public statistics, computed from its public reports: how many per light,
//! how fast it reacts and resolves, and how often it misses the service promise. Withheld
//! below a minimum number of reports, because a median of three says nothing and a share of
//! one in two misleads.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::Light;
use crate::store::clerk::StatsRow;

/// Fewest public reports an authority needs before its figures are shown.
pub const MIN_REPORTS_FOR_STATS: usize = 10;

/// Reports per light.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LightCounts {
    /// Received, nobody reacted yet.
    pub red: u64,
    /// In progress.
    pub yellow: u64,
    /// Fixed.
    pub green: u64,
    /// Handled, not fixed here.
    pub yellow_green: u64,
}

/// The figures (absent when withheld).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    /// Reports per light.
    pub lights: LightCounts,
    /// Median days from receipt to the first reaction, over reports that got one.
    pub median_days_to_first_reaction: Option<f64>,
    /// Median days from receipt to green or yellow-green, over reports that got there.
    pub median_days_to_resolution: Option<f64>,
    /// Share (0–1) of reports whose first reaction came, or is still missing, after the
    /// deadline of the service promise.
    pub share_overdue: Option<f64>,
    /// Reports waiting for a first reaction past their deadline right now.
    pub overdue_now: u64,
}

/// An authority's statistics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuthorityStats {
    /// Public reports of the authority.
    pub reports: u64,
    /// Whether the figures are withheld (fewer than `min_reports`).
    pub withheld: bool,
    /// The minimum for figures to be shown.
    pub min_reports: usize,
    /// The figures, unless withheld.
    pub figures: Option<Figures>,
}

/// Whether a report is overdue now: no first reaction and the deadline has passed.
pub fn is_overdue(
    reaction_due_at: Option<DateTime<Utc>>,
    first_reaction_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    first_reaction_at.is_none() && reaction_due_at.is_some_and(|due| due < now)
}

/// Whether a report missed (or is missing) its deadline.
fn missed_deadline(row: &StatsRow, now: DateTime<Utc>) -> Option<bool> {
    let due = row.reaction_due_at?;
    Some(match row.first_reaction_at {
        Some(reacted) => reacted > due,
        None => due < now,
    })
}

/// The median of some durations in days, to one decimal.
fn median_days(mut days: Vec<f64>) -> Option<f64> {
    if days.is_empty() {
        return None;
    }
    days.sort_by(f64::total_cmp);
    let mid = days.len() / 2;
    let median = if days.len().is_multiple_of(2) {
        (days[mid - 1] + days[mid]) / 2.0
    } else {
        days[mid]
    };
    Some((median * 10.0).round() / 10.0)
}

fn days_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds().max(0) as f64 / 86_400.0
}

/// Computes the statistics of one authority's public reports at `now`.
pub fn compute(rows: &[StatsRow], now: DateTime<Utc>) -> AuthorityStats {
    let reports = rows.len() as u64;
    if rows.len() < MIN_REPORTS_FOR_STATS {
        return AuthorityStats {
            reports,
            withheld: true,
            min_reports: MIN_REPORTS_FOR_STATS,
            figures: None,
        };
    }
    let mut lights = LightCounts::default();
    for row in rows {
        match Light::of_status_name(&row.status) {
            Some(Light::Red) => lights.red += 1,
            Some(Light::Yellow) => lights.yellow += 1,
            Some(Light::Green) => lights.green += 1,
            Some(Light::YellowGreen) => lights.yellow_green += 1,
            None => {}
        }
    }
    let to_reaction = rows
        .iter()
        .filter_map(|r| Some(days_between(r.opened_at?, r.first_reaction_at?)))
        .collect();
    let to_resolution = rows
        .iter()
        .filter_map(|r| Some(days_between(r.opened_at?, r.resolved_at?)))
        .collect();
    let judged: Vec<bool> = rows
        .iter()
        .filter_map(|r| missed_deadline(r, now))
        .collect();
    let share_overdue = (!judged.is_empty()).then(|| {
        let missed = judged.iter().filter(|m| **m).count() as f64;
        (missed / judged.len() as f64 * 1000.0).round() / 1000.0
    });
    let overdue_now = rows
        .iter()
        .filter(|r| is_overdue(r.reaction_due_at, r.first_reaction_at, now))
        .count() as u64;
    AuthorityStats {
        reports,
        withheld: false,
        min_reports: MIN_REPORTS_FOR_STATS,
        figures: Some(Figures {
            lights,
            median_days_to_first_reaction: median_days(to_reaction),
            median_days_to_resolution: median_days(to_resolution),
            share_overdue,
            overdue_now,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn t(days: f64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_750_000_000, 0).unwrap()
            + Duration::seconds((days * 86_400.0) as i64)
    }

    fn row(status: &str, reacted: Option<f64>, resolved: Option<f64>) -> StatsRow {
        StatsRow {
            status: status.into(),
            opened_at: Some(t(0.0)),
            reaction_due_at: Some(t(3.0)),
            first_reaction_at: reacted.map(t),
            resolved_at: resolved.map(t),
        }
    }

    #[test]
    fn withheld_below_the_minimum() {
        let rows: Vec<_> = (0..MIN_REPORTS_FOR_STATS - 1)
            .map(|_| row("open", None, None))
            .collect();
        let stats = compute(&rows, t(1.0));
        assert!(stats.withheld);
        assert_eq!(stats.reports, 9);
        assert_eq!(stats.figures, None);
    }

    #[test]
    fn figures_from_the_reports() {
        let mut rows = vec![
            row("open", None, None),                // overdue now (judged at day 5)
            row("open", None, None),                // overdue now
            row("in_progress", Some(1.0), None),    // in time
            row("in_progress", Some(4.0), None),    // late
            row("resolved", Some(2.0), Some(6.0)),  // in time
            row("resolved", Some(2.0), Some(10.0)), // in time
            row("closed", Some(0.5), Some(0.5)),    // in time
        ];
        rows.extend((0..3).map(|_| row("resolved", Some(1.0), Some(2.0))));
        let stats = compute(&rows, t(5.0));
        assert!(!stats.withheld);
        let f = stats.figures.unwrap();
        assert_eq!(
            f.lights,
            LightCounts {
                red: 2,
                yellow: 2,
                green: 5,
                yellow_green: 1
            }
        );
        // reactions: 0.5, 1, 1, 1, 1, 2, 2, 4 → median (1 + 1) / 2
        assert_eq!(f.median_days_to_first_reaction, Some(1.0));
        // resolutions: 0.5, 2, 2, 2, 6, 10 → (2 + 2) / 2
        assert_eq!(f.median_days_to_resolution, Some(2.0));
        // missed: 2 overdue now + 1 late of 10
        assert_eq!(f.share_overdue, Some(0.3));
        assert_eq!(f.overdue_now, 2);
    }

    #[test]
    fn overdue_means_no_reaction_past_the_deadline() {
        assert!(!is_overdue(Some(t(3.0)), None, t(2.9)));
        assert!(is_overdue(Some(t(3.0)), None, t(3.1)));
        assert!(!is_overdue(Some(t(3.0)), Some(t(4.0)), t(5.0)));
        assert!(!is_overdue(None, None, t(5.0)));
    }
}
