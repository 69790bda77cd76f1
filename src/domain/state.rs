use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::InvalidValue;

/// The three federal states the service covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum State {
    /// Berlin (Land key 11).
    #[serde(rename = "BE")]
    Berlin,
    /// Brandenburg (Land key 12).
    #[serde(rename = "BB")]
    Brandenburg,
    /// Mecklenburg-Vorpommern (Land key 13).
    #[serde(rename = "MV")]
    MecklenburgVorpommern,
}

impl State {
    /// All states, in key order.
    pub const ALL: [State; 3] = [
        State::Berlin,
        State::Brandenburg,
        State::MecklenburgVorpommern,
    ];

    /// The two-letter code used in the API and the database (`BE`, `BB`, `MV`).
    pub fn code(self) -> &'static str {
        match self {
            State::Berlin => "BE",
            State::Brandenburg => "BB",
            State::MecklenburgVorpommern => "MV",
        }
    }

    /// The official two-digit Land key (first two digits of every AGS).
    pub fn land_key(self) -> &'static str {
        match self {
            State::Berlin => "11",
            State::Brandenburg => "12",
            State::MecklenburgVorpommern => "13",
        }
    }

    /// The state's German name.
    pub fn name_de(self) -> &'static str {
        match self {
            State::Berlin => "Berlin",
            State::Brandenburg => "Brandenburg",
            State::MecklenburgVorpommern => "Mecklenburg-Vorpommern",
        }
    }

    /// The state an official key (AGS, ARS, Kreis or Verband key) belongs to.
    pub fn from_land_key(key: &str) -> Result<Self, InvalidValue> {
        State::ALL
            .into_iter()
            .find(|s| key.starts_with(s.land_key()))
            .ok_or_else(|| {
                InvalidValue::new("key", format!("{key:?} is not a key of BE, BB or MV"))
            })
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for State {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        State::ALL
            .into_iter()
            .find(|state| state.code() == s)
            .ok_or_else(|| InvalidValue::new("state", format!("{s:?} is not one of BE, BB, MV")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for state in State::ALL {
            assert_eq!(state.code().parse::<State>(), Ok(state));
        }
        assert!("HH".parse::<State>().is_err());
    }

    #[test]
    fn land_key_decides_the_state() {
        assert_eq!(State::from_land_key("12067072"), Ok(State::Brandenburg));
        assert_eq!(
            State::from_land_key("13003000"),
            Ok(State::MecklenburgVorpommern)
        );
        assert_eq!(State::from_land_key("11000001"), Ok(State::Berlin));
        assert!(State::from_land_key("02000000").is_err());
    }
}
