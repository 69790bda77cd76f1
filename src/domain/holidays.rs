//! Statutory public holidays of Berlin, Brandenburg and Mecklenburg-Vorpommern.
//!
//! Holidays are derived from the rules of the law (fixed dates, offsets from Easter Sunday,
//! one-off days), never from a per-year table, so the service keeps working in years nobody
//! typed in. Only legal holidays count: 24 and 31 December are ordinary working days.

use chrono::{Datelike, NaiveDate, TimeDelta};
use serde::Serialize;

use super::State;

/// One public holiday of one state in one year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PublicHoliday {
    /// The day of the holiday.
    pub date: NaiveDate,
    /// The official German name.
    pub name_de: &'static str,
    /// An English name for the English interface.
    pub name_en: &'static str,
}

/// Easter Sunday of `year` in the Gregorian calendar (anonymous Gregorian algorithm, also
/// known as Meeus/Jones/Butcher).
///
/// The result is historically meaningful for 1583..=9999. Other years get the same arithmetic
/// applied to the proleptic Gregorian calendar chrono uses, which is well defined and never
/// panics; for a year chrono cannot represent at all the result saturates to
/// [`NaiveDate::MIN`] or [`NaiveDate::MAX`].
pub fn easter_sunday(year: i32) -> NaiveDate {
    easter_sunday_opt(year).unwrap_or(if year < 0 {
        NaiveDate::MIN
    } else {
        NaiveDate::MAX
    })
}

/// Whether `date` is a statutory public holiday in `state`.
///
/// Checks the date against the rules directly instead of building the year's list, because
/// working-day arithmetic calls this for every day it walks over.
pub fn is_public_holiday(state: State, date: NaiveDate) -> bool {
    // Computed once per call; Easter-based rules compare against the distance to it.
    let days_after_easter = easter_sunday_opt(date.year()).map(|easter| (date - easter).num_days());
    rules(state).iter().any(|holiday| match holiday.rule {
        Rule::Fixed {
            month,
            day,
            first_year,
            last_year,
        } => {
            date.month() == month
                && date.day() == day
                && (first_year..=last_year).contains(&date.year())
        }
        Rule::EasterOffset { days } => days_after_easter == Some(days),
        Rule::OneOff { year, month, day } => {
            date.year() == year && date.month() == month && date.day() == day
        }
    })
}

/// All statutory public holidays of `state` in `year`, sorted by date.
///
/// Two holidays falling on the same day (Ascension on 1 May, as in 2008) are both listed,
/// under their own names, in the order the law lists them.
pub fn public_holidays(state: State, year: i32) -> Vec<PublicHoliday> {
    let easter = easter_sunday_opt(year);
    let mut holidays: Vec<PublicHoliday> = rules(state)
        .iter()
        .filter_map(|holiday| {
            let date = match holiday.rule {
                Rule::Fixed {
                    month,
                    day,
                    first_year,
                    last_year,
                } if (first_year..=last_year).contains(&year) => {
                    NaiveDate::from_ymd_opt(year, month, day)
                }
                Rule::Fixed { .. } => None,
                Rule::EasterOffset { days } => {
                    easter.and_then(|easter| easter.checked_add_signed(TimeDelta::days(days)))
                }
                Rule::OneOff {
                    year: only_year,
                    month,
                    day,
                } if only_year == year => NaiveDate::from_ymd_opt(year, month, day),
                Rule::OneOff { .. } => None,
            }?;
            Some(PublicHoliday {
                date,
                name_de: holiday.name.de,
                name_en: holiday.name.en,
            })
        })
        .collect();
    // Stable sort: holidays on the same day keep the order of the law's list.
    holidays.sort_by_key(|holiday| holiday.date);
    holidays
}

/// `None` only for years chrono cannot represent.
fn easter_sunday_opt(year: i32) -> Option<NaiveDate> {
    // Euclidean division keeps the arithmetic correct for negative (proleptic) years too.
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let n = h + l - 7 * m + 114;
    let month = u32::try_from(n.div_euclid(31)).ok()?;
    let day = u32::try_from(n.rem_euclid(31) + 1).ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// How the law fixes the day of a holiday.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// The same calendar day every year from `first_year` to `last_year` (inclusive).
    Fixed {
        month: u32,
        day: u32,
        first_year: i32,
        last_year: i32,
    },
    /// A movable feast: this many days after Easter Sunday (negative: before).
    EasterOffset { days: i64 },
    /// A single day created by a one-off law.
    OneOff { year: i32, month: u32, day: u32 },
}

/// The German and English name of a holiday.
#[derive(Debug, Clone, Copy)]
struct Name {
    de: &'static str,
    en: &'static str,
}

/// One line of a state's holiday law: the rule and the holiday's name.
#[derive(Debug, Clone, Copy)]
struct HolidayRule {
    rule: Rule,
    name: Name,
}

/// A holiday on the same day every year.
const fn every_year(month: u32, day: u32, name: Name) -> HolidayRule {
    since(i32::MIN, month, day, name)
}

/// A holiday on the same day every year since `first_year`.
const fn since(first_year: i32, month: u32, day: u32, name: Name) -> HolidayRule {
    HolidayRule {
        rule: Rule::Fixed {
            month,
            day,
            first_year,
            last_year: i32::MAX,
        },
        name,
    }
}

/// A holiday `days` after Easter Sunday.
const fn easter(days: i64, name: Name) -> HolidayRule {
    HolidayRule {
        rule: Rule::EasterOffset { days },
        name,
    }
}

/// A holiday granted once, by a one-off law.
const fn once(year: i32, month: u32, day: u32, name: Name) -> HolidayRule {
    HolidayRule {
        rule: Rule::OneOff { year, month, day },
        name,
    }
}

const NEUJAHR: Name = Name {
    de: "Neujahr",
    en: "New Year's Day",
};
const FRAUENTAG: Name = Name {
    de: "Internationaler Frauentag",
    en: "International Women's Day",
};
const KARFREITAG: Name = Name {
    de: "Karfreitag",
    en: "Good Friday",
};
const OSTERSONNTAG: Name = Name {
    de: "Ostersonntag",
    en: "Easter Sunday",
};
const OSTERMONTAG: Name = Name {
    de: "Ostermontag",
    en: "Easter Monday",
};
const TAG_DER_ARBEIT: Name = Name {
    de: "Tag der Arbeit",
    en: "Labour Day",
};
const TAG_DER_BEFREIUNG: Name = Name {
    de: "Tag der Befreiung",
    en: "Liberation Day",
};
const HIMMELFAHRT: Name = Name {
    de: "Christi Himmelfahrt",
    en: "Ascension Day",
};
const PFINGSTSONNTAG: Name = Name {
    de: "Pfingstsonntag",
    en: "Whit Sunday",
};
const PFINGSTMONTAG: Name = Name {
    de: "Pfingstmontag",
    en: "Whit Monday",
};
const EINHEIT: Name = Name {
    de: "Tag der Deutschen Einheit",
    en: "German Unity Day",
};
const REFORMATIONSTAG: Name = Name {
    de: "Reformationstag",
    en: "Reformation Day",
};
const WEIHNACHTSTAG_1: Name = Name {
    de: "1. Weihnachtstag",
    en: "Christmas Day",
};
const WEIHNACHTSTAG_2: Name = Name {
    de: "2. Weihnachtstag",
    en: "Boxing Day",
};

/// Berlin: § 1 Feiertagsgesetz Berlin plus the one-off laws.
const BERLIN: &[HolidayRule] = &[
    every_year(1, 1, NEUJAHR),
    since(2019, 3, 8, FRAUENTAG),
    easter(-2, KARFREITAG),
    easter(1, OSTERMONTAG),
    every_year(5, 1, TAG_DER_ARBEIT),
    // 75th and 80th anniversary of the end of the war, each by its own one-off law.
    once(2020, 5, 8, TAG_DER_BEFREIUNG),
    once(2025, 5, 8, TAG_DER_BEFREIUNG),
    easter(39, HIMMELFAHRT),
    easter(50, PFINGSTMONTAG),
    since(1990, 10, 3, EINHEIT),
    // 500th anniversary of the Reformation, a one-off nationwide holiday.
    once(2017, 10, 31, REFORMATIONSTAG),
    every_year(12, 25, WEIHNACHTSTAG_1),
    every_year(12, 26, WEIHNACHTSTAG_2),
];

/// Brandenburg: § 2 Feiertagsgesetz Brandenburg. Easter and Whit Sunday are statutory here;
/// being Sundays they never change a working-day count, but they belong in the list.
const BRANDENBURG: &[HolidayRule] = &[
    every_year(1, 1, NEUJAHR),
    easter(-2, KARFREITAG),
    easter(0, OSTERSONNTAG),
    easter(1, OSTERMONTAG),
    every_year(5, 1, TAG_DER_ARBEIT),
    easter(39, HIMMELFAHRT),
    easter(49, PFINGSTSONNTAG),
    easter(50, PFINGSTMONTAG),
    since(1990, 10, 3, EINHEIT),
    since(1991, 10, 31, REFORMATIONSTAG),
    every_year(12, 25, WEIHNACHTSTAG_1),
    every_year(12, 26, WEIHNACHTSTAG_2),
];

/// Mecklenburg-Vorpommern: § 2 Feiertagsgesetz Mecklenburg-Vorpommern.
const MECKLENBURG_VORPOMMERN: &[HolidayRule] = &[
    every_year(1, 1, NEUJAHR),
    since(2023, 3, 8, FRAUENTAG),
    easter(-2, KARFREITAG),
    easter(1, OSTERMONTAG),
    every_year(5, 1, TAG_DER_ARBEIT),
    easter(39, HIMMELFAHRT),
    easter(50, PFINGSTMONTAG),
    since(1990, 10, 3, EINHEIT),
    since(1991, 10, 31, REFORMATIONSTAG),
    every_year(12, 25, WEIHNACHTSTAG_1),
    every_year(12, 26, WEIHNACHTSTAG_2),
];

/// The holiday law of `state`.
fn rules(state: State) -> &'static [HolidayRule] {
    match state {
        State::Berlin => BERLIN,
        State::Brandenburg => BRANDENBURG,
        State::MecklenburgVorpommern => MECKLENBURG_VORPOMMERN,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::Weekday;

    use super::*;

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    /// Knuth's version of the Gregorian computus (TAOCP 1.3.2, exercise 14): an independent
    /// algorithm to cross-check ours against.
    fn knuth_easter(year: i32) -> NaiveDate {
        let golden = year % 19 + 1;
        let century = year / 100 + 1;
        let x = 3 * century / 4 - 12;
        let z = (8 * century + 5) / 25 - 5;
        let d = 5 * year / 4 - x - 10;
        let mut epact = (11 * golden + 20 + z - x) % 30;
        if (epact == 25 && golden > 11) || epact == 24 {
            epact += 1;
        }
        let mut n = 44 - epact;
        if n < 21 {
            n += 30;
        }
        n = n + 7 - (d + n) % 7;
        if n > 31 {
            date(year, 4, u32::try_from(n - 31).unwrap())
        } else {
            date(year, 3, u32::try_from(n).unwrap())
        }
    }

    #[test]
    fn easter_matches_known_dates() {
        for (year, month, day) in [
            (1583, 4, 10),
            (1818, 3, 22),
            (1943, 4, 25),
            (2000, 4, 23),
            (2008, 3, 23),
            (2017, 4, 16),
            (2019, 4, 21),
            (2020, 4, 12),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2030, 4, 21),
            (2038, 4, 25),
            (2285, 3, 22),
        ] {
            assert_eq!(easter_sunday(year), date(year, month, day), "{year}");
        }
    }

    #[test]
    fn easter_agrees_with_knuth_and_is_a_sunday_in_range() {
        for year in 1583..=9999 {
            let easter = easter_sunday(year);
            assert_eq!(easter, knuth_easter(year), "{year}");
            assert_eq!(easter.weekday(), Weekday::Sun, "{year}");
            assert!(easter >= date(year, 3, 22) && easter <= date(year, 4, 25));
        }
    }

    #[test]
    fn easter_outside_the_valid_range_does_not_panic() {
        // Proleptic years still give a Sunday in the Easter window.
        for year in [-4000, -1, 0, 1, 1000, 1582, 10_000, 200_000] {
            let easter = easter_sunday(year);
            assert_eq!(easter.year(), year);
            assert_eq!(easter.weekday(), Weekday::Sun, "{year}");
        }
        assert_eq!(easter_sunday(i32::MAX), NaiveDate::MAX);
        assert_eq!(easter_sunday(i32::MIN), NaiveDate::MIN);
        assert!(public_holidays(State::Berlin, i32::MAX).is_empty());
        // The extremes are 31 Dec and 1 Jan.
        assert!(!is_public_holiday(State::Berlin, NaiveDate::MAX));
        assert!(is_public_holiday(State::Berlin, NaiveDate::MIN));
    }

    #[test]
    fn movable_feasts_follow_easter() {
        for state in State::ALL {
            // 2026: Easter 5 Apr.
            assert!(is_public_holiday(state, date(2026, 4, 3)));
            assert!(is_public_holiday(state, date(2026, 4, 6)));
            assert!(is_public_holiday(state, date(2026, 5, 14)));
            assert!(is_public_holiday(state, date(2026, 5, 25)));
            assert!(!is_public_holiday(state, date(2026, 4, 2)));
            assert!(!is_public_holiday(state, date(2026, 4, 4)));
            assert!(!is_public_holiday(state, date(2026, 5, 13)));
            // 2024: Easter 31 Mar, so Good Friday is in March and Ascension on 9 May.
            assert!(is_public_holiday(state, date(2024, 3, 29)));
            assert!(is_public_holiday(state, date(2024, 4, 1)));
            assert!(is_public_holiday(state, date(2024, 5, 9)));
            assert!(is_public_holiday(state, date(2024, 5, 20)));
            // 2038: Easter 25 Apr, the latest possible; Whit Monday 14 Jun.
            assert!(is_public_holiday(state, date(2038, 6, 3)));
            assert!(is_public_holiday(state, date(2038, 6, 14)));
        }
        // Ascension is always a Thursday, Whit Monday a Monday.
        for year in 1990..=2100 {
            let holidays = public_holidays(State::Berlin, year);
            let find = |name: &str| holidays.iter().find(|h| h.name_de == name).unwrap().date;
            assert_eq!(find("Christi Himmelfahrt").weekday(), Weekday::Thu);
            assert_eq!(find("Pfingstmontag").weekday(), Weekday::Mon);
            assert_eq!(find("Karfreitag").weekday(), Weekday::Fri);
        }
    }

    #[test]
    fn easter_and_whit_sunday_only_in_brandenburg() {
        assert!(is_public_holiday(State::Brandenburg, date(2025, 4, 20)));
        assert!(is_public_holiday(State::Brandenburg, date(2025, 6, 8)));
        for state in [State::Berlin, State::MecklenburgVorpommern] {
            assert!(!is_public_holiday(state, date(2025, 4, 20)));
            assert!(!is_public_holiday(state, date(2025, 6, 8)));
        }
    }

    #[test]
    fn womens_day_by_state_and_year() {
        assert!(!is_public_holiday(State::Berlin, date(2018, 3, 8)));
        for year in [2019, 2020, 2024, 2025, 2026, 2030] {
            assert!(is_public_holiday(State::Berlin, date(year, 3, 8)));
            assert!(!is_public_holiday(State::Brandenburg, date(year, 3, 8)));
        }
        assert!(!is_public_holiday(
            State::MecklenburgVorpommern,
            date(2022, 3, 8)
        ));
        for year in [2023, 2024, 2026, 2030] {
            assert!(is_public_holiday(
                State::MecklenburgVorpommern,
                date(year, 3, 8)
            ));
        }
    }

    #[test]
    fn reformation_day_by_state() {
        for year in [1991, 2016, 2019, 2024, 2026, 2030] {
            assert!(is_public_holiday(State::Brandenburg, date(year, 10, 31)));
            assert!(is_public_holiday(
                State::MecklenburgVorpommern,
                date(year, 10, 31)
            ));
            assert!(!is_public_holiday(State::Berlin, date(year, 10, 31)));
        }
        assert!(is_public_holiday(State::Berlin, date(2017, 10, 31)));
        assert!(!is_public_holiday(State::Brandenburg, date(1990, 10, 31)));
    }

    #[test]
    fn liberation_day_only_in_berlin_2020_and_2025() {
        for year in [2020, 2025] {
            assert!(is_public_holiday(State::Berlin, date(year, 5, 8)));
            assert!(!is_public_holiday(State::Brandenburg, date(year, 5, 8)));
            assert!(!is_public_holiday(
                State::MecklenburgVorpommern,
                date(year, 5, 8)
            ));
        }
        for year in [2019, 2021, 2024, 2026, 2030] {
            assert!(!is_public_holiday(State::Berlin, date(year, 5, 8)));
        }
    }

    #[test]
    fn unity_day_since_1990_and_no_christmas_or_new_years_eve() {
        for state in State::ALL {
            assert!(is_public_holiday(state, date(1990, 10, 3)));
            assert!(!is_public_holiday(state, date(1989, 10, 3)));
            for year in [2019, 2026] {
                assert!(is_public_holiday(state, date(year, 1, 1)));
                assert!(is_public_holiday(state, date(year, 5, 1)));
                assert!(is_public_holiday(state, date(year, 12, 25)));
                assert!(is_public_holiday(state, date(year, 12, 26)));
                assert!(!is_public_holiday(state, date(year, 12, 24)));
                assert!(!is_public_holiday(state, date(year, 12, 31)));
            }
        }
    }

    #[test]
    fn holiday_counts_per_state_and_year() {
        let count = |state, year| public_holidays(state, year).len();
        // Berlin: 9 before 2019, +8 Mar from 2019, +8 May in 2020 and 2025, +31 Oct in 2017.
        assert_eq!(count(State::Berlin, 2016), 9);
        assert_eq!(count(State::Berlin, 2017), 10);
        assert_eq!(count(State::Berlin, 2018), 9);
        assert_eq!(count(State::Berlin, 2019), 10);
        assert_eq!(count(State::Berlin, 2020), 11);
        assert_eq!(count(State::Berlin, 2024), 10);
        assert_eq!(count(State::Berlin, 2025), 11);
        assert_eq!(count(State::Berlin, 2026), 10);
        assert_eq!(count(State::Berlin, 2027), 10);
        assert_eq!(count(State::Berlin, 2030), 10);
        // Brandenburg: 12 every year (10 weekday-type holidays plus Easter and Whit Sunday).
        for year in [2017, 2019, 2020, 2024, 2025, 2026, 2027, 2030] {
            assert_eq!(count(State::Brandenburg, year), 12, "{year}");
        }
        // Mecklenburg-Vorpommern: 10, and 11 from 2023 with 8 March.
        for year in [2017, 2019, 2020, 2022] {
            assert_eq!(count(State::MecklenburgVorpommern, year), 10, "{year}");
        }
        for year in [2023, 2024, 2025, 2026, 2027, 2030] {
            assert_eq!(count(State::MecklenburgVorpommern, year), 11, "{year}");
        }
    }

    #[test]
    fn berlin_2025_in_full() {
        let listed: Vec<(NaiveDate, &str)> = public_holidays(State::Berlin, 2025)
            .into_iter()
            .map(|h| (h.date, h.name_de))
            .collect();
        assert_eq!(
            listed,
            vec![
                (date(2025, 1, 1), "Neujahr"),
                (date(2025, 3, 8), "Internationaler Frauentag"),
                (date(2025, 4, 18), "Karfreitag"),
                (date(2025, 4, 21), "Ostermontag"),
                (date(2025, 5, 1), "Tag der Arbeit"),
                (date(2025, 5, 8), "Tag der Befreiung"),
                (date(2025, 5, 29), "Christi Himmelfahrt"),
                (date(2025, 6, 9), "Pfingstmontag"),
                (date(2025, 10, 3), "Tag der Deutschen Einheit"),
                (date(2025, 12, 25), "1. Weihnachtstag"),
                (date(2025, 12, 26), "2. Weihnachtstag"),
            ]
        );
    }

    #[test]
    fn list_is_sorted_and_agrees_with_is_public_holiday() {
        for state in State::ALL {
            for year in [
                2008, 2017, 2019, 2020, 2022, 2023, 2024, 2025, 2026, 2027, 2030,
            ] {
                let holidays = public_holidays(state, year);
                assert!(holidays.windows(2).all(|w| w[0].date <= w[1].date));
                let mut day = date(year, 1, 1);
                while day.year() == year {
                    let listed = holidays.iter().any(|h| h.date == day);
                    assert_eq!(listed, is_public_holiday(state, day), "{state:?} {day}");
                    day = day.succ_opt().unwrap();
                }
            }
        }
    }

    #[test]
    fn coinciding_holidays_are_both_listed() {
        // 2008: Ascension fell on 1 May.
        let holidays = public_holidays(State::Berlin, 2008);
        let on_may_day: Vec<&str> = holidays
            .iter()
            .filter(|h| h.date == date(2008, 5, 1))
            .map(|h| h.name_de)
            .collect();
        assert_eq!(on_may_day, vec!["Tag der Arbeit", "Christi Himmelfahrt"]);
    }

    #[test]
    fn serializes_with_iso_date() {
        let holiday = public_holidays(State::Brandenburg, 2026)[0];
        assert_eq!(
            serde_json::to_string(&holiday).unwrap(),
            r#"{"date":"2026-01-01","name_de":"Neujahr","name_en":"New Year's Day"}"#
        );
    }
}
