//! A compact binary form of a multipolygon for the database: far smaller and about ten times
//! faster to read at start-up than GeoJSON text.
//!
//! Layout (little-endian): `u32` polygon count; per polygon `u32` ring count (exterior first);
//! per ring `u32` point count, then `f64` x, `f64` y per point.

use geo::{Coord, LineString, MultiPolygon, Polygon};

/// Why stored bytes could not be read back as a multipolygon.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("corrupt stored geometry: {0}")]
pub struct DecodeError(&'static str);

/// Encodes a multipolygon.
pub fn encode(shape: &MultiPolygon<f64>) -> Vec<u8> {
    let points: usize = shape
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .map(|r| r.0.len())
        .sum();
    let mut out = Vec::with_capacity(4 + points * 16 + shape.0.len() * 16);
    put_len(&mut out, shape.0.len());
    for polygon in shape {
        put_len(&mut out, 1 + polygon.interiors().len());
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            put_len(&mut out, ring.0.len());
            for c in &ring.0 {
                out.extend_from_slice(&c.x.to_le_bytes());
                out.extend_from_slice(&c.y.to_le_bytes());
            }
        }
    }
    out
}

/// Decodes what [`encode`] wrote; refuses truncated or trailing bytes.
pub fn decode(bytes: &[u8]) -> Result<MultiPolygon<f64>, DecodeError> {
    let mut reader = Reader { bytes, at: 0 };
    let polygons = reader.len()?;
    let mut out = Vec::with_capacity(polygons.min(10_000));
    for _ in 0..polygons {
        let rings = reader.len()?;
        if rings == 0 {
            return Err(DecodeError("polygon without rings"));
        }
        let mut exterior = None;
        let mut interiors = Vec::with_capacity(rings - 1);
        for _ in 0..rings {
            let n = reader.len()?;
            let mut coords = Vec::with_capacity(n.min(reader.remaining() / 16));
            for _ in 0..n {
                coords.push(Coord {
                    x: reader.f64()?,
                    y: reader.f64()?,
                });
            }
            match exterior {
                None => exterior = Some(LineString(coords)),
                Some(_) => interiors.push(LineString(coords)),
            }
        }
        if let Some(exterior) = exterior {
            out.push(Polygon::new(exterior, interiors));
        }
    }
    if reader.remaining() != 0 {
        return Err(DecodeError("trailing bytes"));
    }
    Ok(MultiPolygon(out))
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let slice = self
            .bytes
            .get(self.at..self.at + N)
            .ok_or(DecodeError("truncated"))?;
        self.at += N;
        let mut out = [0; N];
        out.copy_from_slice(slice);
        Ok(out)
    }

    fn len(&mut self) -> Result<usize, DecodeError> {
        Ok(u32::from_le_bytes(self.take()?) as usize)
    }

    fn f64(&mut self) -> Result<f64, DecodeError> {
        Ok(f64::from_le_bytes(self.take()?))
    }

    fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn round_trips_polygons_with_holes() {
        let shape = MultiPolygon(vec![
            polygon!(
                exterior: [(x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 4.0), (x: 0.0, y: 0.0)],
                interiors: [[(x: 1.0, y: 1.0), (x: 2.0, y: 1.0), (x: 2.0, y: 1.5), (x: 1.0, y: 1.0)]],
            ),
            polygon![(x: 13.4, y: 52.5), (x: 13.5, y: 52.5), (x: 13.5, y: 52.6), (x: 13.4, y: 52.5)],
        ]);
        assert_eq!(decode(&encode(&shape)).unwrap(), shape);
    }

    #[test]
    fn refuses_truncated_and_trailing_bytes() {
        let shape = MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 0.0)],
        ]);
        let bytes = encode(&shape);
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).is_err());
        assert!(decode(&[255, 255, 255, 255]).is_err());
    }
}
