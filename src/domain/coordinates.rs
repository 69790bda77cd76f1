use serde::Serialize;

/// Why a pair of coordinates was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CoordinatesError {
    /// Not a finite number.
    #[error("{field} must be a finite number")]
    NotFinite {
        /// `lat` or `lon`.
        field: &'static str,
    },
    /// Outside the WGS84 range of the axis.
    #[error("{field} must be between {min} and {max}, got {value}")]
    OutOfRange {
        /// `lat` or `lon`.
        field: &'static str,
        /// The value received.
        value: f64,
        /// Smallest allowed value.
        min: f64,
        /// Largest allowed value.
        max: f64,
    },
}

impl CoordinatesError {
    /// The field the error concerns.
    pub fn field(&self) -> &'static str {
        match self {
            CoordinatesError::NotFinite { field } | CoordinatesError::OutOfRange { field, .. } => {
                field
            }
        }
    }
}

/// A valid WGS84 position (EPSG:4326), latitude and longitude in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Coordinates {
    lat: f64,
    lon: f64,
}

impl Coordinates {
    /// Validates latitude (−90…90) and longitude (−180…180).
    pub fn new(lat: f64, lon: f64) -> Result<Self, CoordinatesError> {
        check("lat", lat, 90.0)?;
        check("lon", lon, 180.0)?;
        Ok(Self { lat, lon })
    }

    /// Latitude in degrees.
    pub fn lat(self) -> f64 {
        self.lat
    }

    /// Longitude in degrees.
    pub fn lon(self) -> f64 {
        self.lon
    }
}

fn check(field: &'static str, value: f64, limit: f64) -> Result<(), CoordinatesError> {
    if !value.is_finite() {
        return Err(CoordinatesError::NotFinite { field });
    }
    if !(-limit..=limit).contains(&value) {
        return Err(CoordinatesError::OutOfRange {
            field,
            value,
            min: -limit,
            max: limit,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_full_range() {
        assert!(Coordinates::new(90.0, 180.0).is_ok());
        assert!(Coordinates::new(-90.0, -180.0).is_ok());
        assert!(Coordinates::new(52.52, 13.41).is_ok());
    }

    #[test]
    fn refuses_out_of_range_and_non_finite() {
        assert_eq!(Coordinates::new(90.5, 0.0).unwrap_err().field(), "lat");
        assert_eq!(Coordinates::new(0.0, -180.1).unwrap_err().field(), "lon");
        assert_eq!(
            Coordinates::new(f64::NAN, 0.0).unwrap_err(),
            CoordinatesError::NotFinite { field: "lat" }
        );
        assert!(Coordinates::new(0.0, f64::INFINITY).is_err());
    }
}
