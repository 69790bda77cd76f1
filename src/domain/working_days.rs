//! Working-day arithmetic behind the service promise ("first reaction within n working days")
//! and the Europe/Berlin local time the authorities work in.
//!
//! Local time is computed from the EU summer-time rule instead of a time-zone database: the
//! rule has been fixed since 1996 and the service needs no other zone.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc, Weekday};

use super::State;
use super::holidays::{is_public_holiday, public_holidays};

/// Whether `date` is a working day in `state`: Monday to Friday and not a public holiday.
pub fn is_working_day(state: State, date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !is_public_holiday(state, date)
}

/// The `n`-th working day after `from` in `state`; `from` itself never counts, so `n = 0`
/// returns `from` unchanged.
///
/// Saturates to [`NaiveDate::MAX`] if the answer lies beyond chrono's calendar.
pub fn add_working_days(state: State, from: NaiveDate, n: u32) -> NaiveDate {
    let mut day = from;
    let mut remaining = i64::from(n);
    while remaining > 0 {
        // Skip the rest of a year in one step while the answer lies beyond it, so a large `n`
        // costs one step per year instead of one per day.
        let year_end = NaiveDate::from_ymd_opt(day.year(), 12, 31).unwrap_or(NaiveDate::MAX);
        let rest_of_year = working_days_between(state, day, year_end);
        if rest_of_year < remaining {
            remaining -= rest_of_year;
            let Some(next_year) = year_end.succ_opt() else {
                return NaiveDate::MAX;
            };
            day = next_year;
            if is_working_day(state, day) {
                remaining -= 1;
            }
            continue;
        }
        // The answer lies in this year: walk to it day by day.
        while remaining > 0 {
            let Some(next) = day.succ_opt() else {
                return NaiveDate::MAX;
            };
            day = next;
            if is_working_day(state, day) {
                remaining -= 1;
            }
        }
    }
    day
}

/// The number of working days in `state` after `from` up to and including `to`; 0 if `to` is
/// not after `from`.
///
/// Counts weekdays arithmetically and subtracts the holidays on weekdays, so the cost grows
/// with the number of years spanned, not days.
pub fn working_days_between(state: State, from: NaiveDate, to: NaiveDate) -> i64 {
    if to <= from {
        return 0;
    }
    let weekdays = weekdays_until(to) - weekdays_until(from);
    let mut holidays_on_weekdays = 0;
    for year in from.year()..=to.year() {
        let mut dates: Vec<NaiveDate> = public_holidays(state, year)
            .into_iter()
            .map(|holiday| holiday.date)
            .filter(|&date| {
                date > from && date <= to && !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
            })
            .collect();
        // Two holidays on one day (Ascension on 1 May) take away only one working day.
        dates.dedup();
        holidays_on_weekdays += dates.len() as i64;
    }
    weekdays - holidays_on_weekdays
}

/// The number of Mondays to Fridays from 0001-01-01 (a Monday) up to and including `date`,
/// counted negatively before it; differences of two values count the weekdays between them.
fn weekdays_until(date: NaiveDate) -> i64 {
    let days_since_monday_one = i64::from(date.num_days_from_ce()) - 1;
    let weekday = i64::from(date.weekday().num_days_from_monday());
    let weeks = (days_since_monday_one - weekday) / 7;
    5 * weeks + (weekday + 1).min(5)
}

/// The Europe/Berlin wall-clock time of the instant `at`.
///
/// Uses the EU rule: summer time (CEST, UTC+2) from the last Sunday of March 01:00 UTC until
/// the last Sunday of October 01:00 UTC, otherwise CET (UTC+1). Germany has followed this rule
/// since 1996; earlier instants get the same rule, which is wrong for some of them (summer
/// time ended in September until 1995 and did not exist before 1980).
pub fn berlin_local(at: DateTime<Utc>) -> NaiveDateTime {
    let utc = at.naive_utc();
    let offset = if is_summer_time(utc) {
        TimeDelta::hours(2)
    } else {
        TimeDelta::hours(1)
    };
    utc.checked_add_signed(offset).unwrap_or(NaiveDateTime::MAX)
}

/// The instant at which Europe/Berlin wall clocks show `local` (same rule as [`berlin_local`]).
///
/// Wall-clock times that occur twice (02:00–02:59 on the last Sunday of October) resolve to
/// the earlier instant, still in summer time. Times skipped by the clocks (02:00–02:59 on the
/// last Sunday of March) are read with the winter offset, which moves them an hour forward:
/// 02:30 becomes 03:30 CEST.
pub fn berlin_to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    // Summer-time reading first: where both readings are valid, it is the earlier instant.
    if let Some(summer) = local.checked_sub_signed(TimeDelta::hours(2))
        && is_summer_time(summer)
    {
        return summer.and_utc();
    }
    local
        .checked_sub_signed(TimeDelta::hours(1))
        .unwrap_or(NaiveDateTime::MIN)
        .and_utc()
}

/// When the first reaction to a report received at `received_at` is due in `state`: the end
/// (24:00 Europe/Berlin) of the `working_days`-th working day after the local day of receipt.
///
/// With `working_days = 0` it is the end of the day of receipt itself. Saturates to
/// [`DateTime::<Utc>::MAX_UTC`] beyond chrono's calendar.
pub fn reaction_deadline(
    state: State,
    received_at: DateTime<Utc>,
    working_days: u32,
) -> DateTime<Utc> {
    let received_on = berlin_local(received_at).date();
    let last_day = add_working_days(state, received_on, working_days);
    // 24:00 of the last day is 00:00 of the next; midnight is never skipped or doubled by
    // the EU rule, so the conversion is unambiguous.
    match last_day.succ_opt() {
        Some(next_day) => berlin_to_utc(next_day.and_time(NaiveTime::MIN)),
        None => DateTime::<Utc>::MAX_UTC,
    }
}

/// Whether summer time is in force at the UTC time `utc`.
fn is_summer_time(utc: NaiveDateTime) -> bool {
    let year = utc.year();
    match (
        last_sunday_at_one_utc(year, 3),
        last_sunday_at_one_utc(year, 10),
    ) {
        (Some(start), Some(end)) => start <= utc && utc < end,
        _ => false,
    }
}

/// 01:00 UTC on the last Sunday of `month`, a month with 31 days (March or October).
fn last_sunday_at_one_utc(year: i32, month: u32) -> Option<NaiveDateTime> {
    let last_day = NaiveDate::from_ymd_opt(year, month, 31)?;
    let back_to_sunday = i64::from(last_day.weekday().num_days_from_sunday());
    let sunday = last_day.checked_sub_signed(TimeDelta::days(back_to_sunday))?;
    sunday.and_hms_opt(1, 0, 0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    fn local(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> NaiveDateTime {
        date(year, month, day).and_hms_opt(hour, minute, 0).unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    /// The obvious day-by-day count, to check the arithmetic version against.
    fn naive_between(state: State, from: NaiveDate, to: NaiveDate) -> i64 {
        let mut count = 0;
        let mut day = from;
        while day < to {
            day = day.succ_opt().unwrap();
            if is_working_day(state, day) {
                count += 1;
            }
        }
        count
    }

    /// The obvious day-by-day walk, to check the year-skipping version against.
    fn naive_add(state: State, from: NaiveDate, n: u32) -> NaiveDate {
        let mut day = from;
        let mut remaining = n;
        while remaining > 0 {
            day = day.succ_opt().unwrap();
            if is_working_day(state, day) {
                remaining -= 1;
            }
        }
        day
    }

    #[test]
    fn weekends_and_holidays_are_not_working_days() {
        for state in State::ALL {
            assert!(is_working_day(state, date(2026, 4, 2))); // Thursday
            assert!(!is_working_day(state, date(2026, 4, 3))); // Good Friday
            assert!(!is_working_day(state, date(2026, 4, 4))); // Saturday
            assert!(!is_working_day(state, date(2026, 4, 5))); // Easter Sunday
            assert!(!is_working_day(state, date(2026, 4, 6))); // Easter Monday
            assert!(is_working_day(state, date(2026, 4, 7)));
            assert!(is_working_day(state, date(2025, 12, 24)));
            assert!(is_working_day(state, date(2025, 12, 31)));
        }
        // 31 Oct 2025 is a Friday: a working day only in Berlin.
        assert!(is_working_day(State::Berlin, date(2025, 10, 31)));
        assert!(!is_working_day(State::Brandenburg, date(2025, 10, 31)));
        assert!(!is_working_day(
            State::MecklenburgVorpommern,
            date(2025, 10, 31)
        ));
    }

    #[test]
    fn adding_zero_returns_the_start_even_on_a_holiday() {
        for state in State::ALL {
            assert_eq!(
                add_working_days(state, date(2026, 4, 3), 0),
                date(2026, 4, 3)
            );
        }
    }

    #[test]
    fn adding_across_weekends() {
        // Friday 2026-01-16 + 1 = Monday 19th; + 5 = Friday 23rd.
        for state in State::ALL {
            assert_eq!(
                add_working_days(state, date(2026, 1, 16), 1),
                date(2026, 1, 19)
            );
            assert_eq!(
                add_working_days(state, date(2026, 1, 16), 5),
                date(2026, 1, 23)
            );
            // Starting on a Saturday: the first working day is Monday.
            assert_eq!(
                add_working_days(state, date(2026, 1, 17), 1),
                date(2026, 1, 19)
            );
        }
    }

    #[test]
    fn adding_across_easter() {
        for state in State::ALL {
            // Thu 2026-04-02: Fri, Sat, Sun, Mon are off; Tue 7, Wed 8, Thu 9.
            assert_eq!(
                add_working_days(state, date(2026, 4, 2), 3),
                date(2026, 4, 9)
            );
            // 2025: Easter 20 Apr. Thu 17 Apr + 1 = Tue 22 Apr.
            assert_eq!(
                add_working_days(state, date(2025, 4, 17), 1),
                date(2025, 4, 22)
            );
        }
    }

    #[test]
    fn adding_across_christmas_and_new_year() {
        for state in State::ALL {
            // Tue 2026-12-22: Wed 23 (1), Thu 24 (2), Fri 25/Sat 26/Sun 27 off, Mon 28 (3),
            // Tue 29 (4), Wed 30 (5), Thu 31 (6), Fri 1 Jan off, Mon 4 Jan 2027 (7).
            assert_eq!(
                add_working_days(state, date(2026, 12, 22), 7),
                date(2027, 1, 4)
            );
            assert_eq!(
                working_days_between(state, date(2026, 12, 22), date(2027, 1, 4)),
                7
            );
        }
    }

    #[test]
    fn state_only_holidays_change_the_result() {
        // 31 Oct 2025 is a Friday. Thu 30 Oct + 1:
        assert_eq!(
            add_working_days(State::Berlin, date(2025, 10, 30), 1),
            date(2025, 10, 31)
        );
        assert_eq!(
            add_working_days(State::Brandenburg, date(2025, 10, 30), 1),
            date(2025, 11, 3)
        );
        assert_eq!(
            add_working_days(State::MecklenburgVorpommern, date(2025, 10, 30), 1),
            date(2025, 11, 3)
        );
        // 8 Mar 2027 is a Monday: off in Berlin and MV, not in Brandenburg.
        assert_eq!(
            add_working_days(State::Brandenburg, date(2027, 3, 5), 1),
            date(2027, 3, 8)
        );
        assert_eq!(
            add_working_days(State::Berlin, date(2027, 3, 5), 1),
            date(2027, 3, 9)
        );
        assert_eq!(
            add_working_days(State::MecklenburgVorpommern, date(2027, 3, 5), 1),
            date(2027, 3, 9)
        );
        // 8 May 2025 (Thursday) only in Berlin.
        assert_eq!(
            working_days_between(State::Berlin, date(2025, 5, 4), date(2025, 5, 10)),
            4
        );
        assert_eq!(
            working_days_between(State::Brandenburg, date(2025, 5, 4), date(2025, 5, 10)),
            5
        );
    }

    #[test]
    fn between_edges() {
        let state = State::Berlin;
        assert_eq!(
            working_days_between(state, date(2026, 1, 5), date(2026, 1, 5)),
            0
        );
        assert_eq!(
            working_days_between(state, date(2026, 1, 9), date(2026, 1, 5)),
            0
        );
        // Mon 5 → Fri 9: Tue..Fri.
        assert_eq!(
            working_days_between(state, date(2026, 1, 5), date(2026, 1, 9)),
            4
        );
        // Fri → Mon: only Monday.
        assert_eq!(
            working_days_between(state, date(2026, 1, 9), date(2026, 1, 12)),
            1
        );
    }

    #[test]
    fn working_days_per_year() {
        // Full years, counted from 31 Dec of the year before.
        let year = |state, y| working_days_between(state, date(y - 1, 12, 31), date(y, 12, 31));
        // 2026 has 261 weekdays. Berlin: holidays on weekdays are 1 Jan, Good Friday,
        // Easter Monday, 1 May, Ascension, Whit Monday, 25 Dec (8 Mar, 3 Oct, 26 Dec fall
        // on weekends) → 254. BB/MV: 31 Oct 2026 is a Saturday → also 254.
        assert_eq!(year(State::Berlin, 2026), 254);
        assert_eq!(year(State::Brandenburg, 2026), 254);
        assert_eq!(year(State::MecklenburgVorpommern, 2026), 254);
        // 2025: 261 weekdays. Berlin loses 1 Jan, Good Friday, Easter Monday, 1 May, 8 May,
        // Ascension, Whit Monday, 3 Oct, 25 Dec, 26 Dec (8 Mar is a Saturday) → 251.
        assert_eq!(year(State::Berlin, 2025), 251);
        // Brandenburg: no 8 May, but 31 Oct (Friday) → 251 as well; MV the same.
        assert_eq!(year(State::Brandenburg, 2025), 251);
        assert_eq!(year(State::MecklenburgVorpommern, 2025), 251);
    }

    #[test]
    fn arithmetic_agrees_with_day_by_day_walk() {
        for state in State::ALL {
            let mut from = date(2016, 12, 20);
            while from < date(2031, 1, 10) {
                for span in [0, 1, 2, 6, 13, 40, 400] {
                    let to = from + TimeDelta::days(span);
                    assert_eq!(
                        working_days_between(state, from, to),
                        naive_between(state, from, to),
                        "{state:?} {from} {to}"
                    );
                }
                for n in [0, 1, 3, 10, 30, 300] {
                    assert_eq!(
                        add_working_days(state, from, n),
                        naive_add(state, from, n),
                        "{state:?} {from} + {n}"
                    );
                }
                from += TimeDelta::days(3);
            }
        }
        // 2008: Ascension on 1 May costs one working day, not two.
        assert_eq!(
            working_days_between(State::Berlin, date(2008, 4, 30), date(2008, 5, 2)),
            1
        );
    }

    #[test]
    fn add_and_between_are_inverse() {
        for state in State::ALL {
            for n in [1, 5, 20, 250, 1000, 5000] {
                let from = date(2024, 10, 30);
                let to = add_working_days(state, from, n);
                assert_eq!(working_days_between(state, from, to), i64::from(n));
                assert!(is_working_day(state, to));
            }
        }
    }

    #[test]
    fn extreme_inputs_saturate_without_panicking() {
        assert_eq!(
            add_working_days(State::Berlin, NaiveDate::MAX, 1),
            NaiveDate::MAX
        );
        assert_eq!(
            add_working_days(State::Berlin, date(2026, 1, 1), u32::MAX),
            NaiveDate::MAX
        );
        assert_eq!(
            reaction_deadline(State::Berlin, DateTime::<Utc>::MAX_UTC, 1),
            DateTime::<Utc>::MAX_UTC
        );
        let _ = berlin_local(DateTime::<Utc>::MAX_UTC);
        let _ = berlin_local(DateTime::<Utc>::MIN_UTC);
        let _ = berlin_to_utc(NaiveDateTime::MIN);
        let _ = berlin_to_utc(NaiveDateTime::MAX);
    }

    #[test]
    fn local_time_in_winter_and_summer() {
        assert_eq!(
            berlin_local(utc("2026-01-15T12:00:00Z")),
            local(2026, 1, 15, 13, 0)
        );
        assert_eq!(
            berlin_local(utc("2026-07-15T12:00:00Z")),
            local(2026, 7, 15, 14, 0)
        );
        // New Year's Eve in UTC is already New Year in Berlin.
        assert_eq!(
            berlin_local(utc("2025-12-31T23:30:00Z")),
            local(2026, 1, 1, 0, 30)
        );
        assert_eq!(
            berlin_to_utc(local(2026, 1, 1, 0, 30)),
            utc("2025-12-31T23:30:00Z")
        );
        assert_eq!(
            berlin_to_utc(local(2026, 7, 15, 14, 0)),
            utc("2026-07-15T12:00:00Z")
        );
    }

    #[test]
    fn spring_forward_2026_03_29() {
        // Clocks jump from 02:00 CET to 03:00 CEST at 01:00 UTC.
        assert_eq!(
            berlin_local(utc("2026-03-29T00:59:59Z")),
            local(2026, 3, 29, 1, 59) + TimeDelta::seconds(59)
        );
        assert_eq!(
            berlin_local(utc("2026-03-29T01:00:00Z")),
            local(2026, 3, 29, 3, 0)
        );
        assert_eq!(
            berlin_to_utc(local(2026, 3, 29, 1, 59)),
            utc("2026-03-29T00:59:00Z")
        );
        assert_eq!(
            berlin_to_utc(local(2026, 3, 29, 3, 0)),
            utc("2026-03-29T01:00:00Z")
        );
        // 02:30 does not exist; it is moved an hour forward to 03:30 CEST.
        assert_eq!(
            berlin_to_utc(local(2026, 3, 29, 2, 30)),
            utc("2026-03-29T01:30:00Z")
        );
        assert_eq!(
            berlin_local(berlin_to_utc(local(2026, 3, 29, 2, 30))),
            local(2026, 3, 29, 3, 30)
        );
    }

    #[test]
    fn fall_back_2026_10_25() {
        // Clocks go back from 03:00 CEST to 02:00 CET at 01:00 UTC.
        assert_eq!(
            berlin_local(utc("2026-10-25T00:59:00Z")),
            local(2026, 10, 25, 2, 59)
        );
        assert_eq!(
            berlin_local(utc("2026-10-25T01:00:00Z")),
            local(2026, 10, 25, 2, 0)
        );
        // 02:30 happens twice; the earlier (summer-time) instant is chosen.
        assert_eq!(
            berlin_to_utc(local(2026, 10, 25, 2, 30)),
            utc("2026-10-25T00:30:00Z")
        );
        assert_eq!(
            berlin_to_utc(local(2026, 10, 25, 3, 0)),
            utc("2026-10-25T02:00:00Z")
        );
        assert_eq!(
            berlin_to_utc(local(2026, 10, 25, 1, 59)),
            utc("2026-10-24T23:59:00Z")
        );
    }

    #[test]
    fn round_trip_every_quarter_hour_of_2026() {
        // Every instant maps to a local time that maps back to it, except the second pass
        // through the doubled hour in October, which resolves to the first.
        let mut at = utc("2026-01-01T00:00:00Z");
        while at < utc("2027-01-01T00:00:00Z") {
            let back = berlin_to_utc(berlin_local(at));
            let second_pass = at >= utc("2026-10-25T01:00:00Z") && at < utc("2026-10-25T02:00:00Z");
            if second_pass {
                assert_eq!(back, at - TimeDelta::hours(1));
            } else {
                assert_eq!(back, at, "{at}");
            }
            at += TimeDelta::minutes(15);
        }
    }

    #[test]
    fn summer_time_dates_other_years() {
        // Last Sundays of March / October: 2025 (30 Mar, 26 Oct), 2027 (28 Mar, 31 Oct).
        assert_eq!(
            berlin_local(utc("2025-03-30T01:00:00Z")),
            local(2025, 3, 30, 3, 0)
        );
        assert_eq!(
            berlin_local(utc("2025-10-26T00:59:00Z")),
            local(2025, 10, 26, 2, 59)
        );
        assert_eq!(
            berlin_local(utc("2027-03-28T00:59:00Z")),
            local(2027, 3, 28, 1, 59)
        );
        assert_eq!(
            berlin_local(utc("2027-10-31T01:00:00Z")),
            local(2027, 10, 31, 2, 0)
        );
    }

    #[test]
    fn deadline_example_from_the_brief() {
        // Thu 2026-04-02 10:00 CEST in Brandenburg, 3 working days: Tue 7, Wed 8, Thu 9 Apr.
        assert_eq!(
            reaction_deadline(State::Brandenburg, utc("2026-04-02T08:00:00Z"), 3),
            utc("2026-04-09T22:00:00Z")
        );
    }

    #[test]
    fn deadline_uses_the_local_day_of_receipt() {
        // 23:30 UTC on Wed 2026-01-14 is already Thu 15 in Berlin: 1 working day → Fri 16,
        // ending at 24:00 CET = 23:00 UTC.
        assert_eq!(
            reaction_deadline(State::Berlin, utc("2026-01-14T23:30:00Z"), 1),
            utc("2026-01-16T23:00:00Z")
        );
        // 0 working days: the end of the local day of receipt.
        assert_eq!(
            reaction_deadline(State::Berlin, utc("2026-01-14T10:00:00Z"), 0),
            utc("2026-01-14T23:00:00Z")
        );
        // Received on a Saturday: the first working day is Monday.
        assert_eq!(
            reaction_deadline(State::Berlin, utc("2026-01-17T10:00:00Z"), 1),
            utc("2026-01-19T23:00:00Z")
        );
    }

    #[test]
    fn deadline_across_dst_changes() {
        // Received Thu 2026-03-26 in CET; 2 working days: Fri 27, Mon 30 Mar. The deadline,
        // 24:00 on Monday, is in CEST: 22:00 UTC.
        assert_eq!(
            reaction_deadline(State::Berlin, utc("2026-03-26T09:00:00Z"), 2),
            utc("2026-03-30T22:00:00Z")
        );
        // Received Fri 2026-10-23 in CEST; 1 working day: Mon 26 Oct, now CET: 23:00 UTC.
        assert_eq!(
            reaction_deadline(State::Berlin, utc("2026-10-23T09:00:00Z"), 1),
            utc("2026-10-26T23:00:00Z")
        );
    }

    #[test]
    fn deadline_differs_by_state() {
        // Received Thu 2025-10-30; 1 working day. Berlin: Fri 31 Oct. BB/MV: Reformation Day,
        // so Mon 3 Nov (after the switch to CET on 26 Oct: 24:00 = 23:00 UTC).
        let received = utc("2025-10-30T09:00:00Z");
        assert_eq!(
            reaction_deadline(State::Berlin, received, 1),
            utc("2025-10-31T23:00:00Z")
        );
        assert_eq!(
            reaction_deadline(State::Brandenburg, received, 1),
            utc("2025-11-03T23:00:00Z")
        );
        assert_eq!(
            reaction_deadline(State::MecklenburgVorpommern, received, 1),
            utc("2025-11-03T23:00:00Z")
        );
        // Received Fri 2027-03-05; 1 working day. Brandenburg: Mon 8 Mar. Berlin and MV:
        // Women's Day, so Tue 9 Mar.
        let received = utc("2027-03-05T09:00:00Z");
        assert_eq!(
            reaction_deadline(State::Brandenburg, received, 1),
            utc("2027-03-08T23:00:00Z")
        );
        assert_eq!(
            reaction_deadline(State::Berlin, received, 1),
            utc("2027-03-09T23:00:00Z")
        );
        assert_eq!(
            reaction_deadline(State::MecklenburgVorpommern, received, 1),
            utc("2027-03-09T23:00:00Z")
        );
    }
}
