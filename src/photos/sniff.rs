//! Recognising the format by content, and walking a JPEG's marker structure.

/// The formats we accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Jpeg,
    Png,
    WebP,
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

/// The format by its magic bytes: JPEG `FF D8 FF`, PNG's 8-byte signature, WebP `RIFF....WEBP`.
pub(crate) fn sniff(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some(Format::Jpeg)
    } else if bytes.starts_with(&PNG_SIGNATURE) {
        Some(Format::Png)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some(Format::WebP)
    } else {
        None
    }
}

/// What the marker walk learnt about a JPEG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct JpegLayout {
    /// Bytes the decoder needs besides the output pixels: a progressive JPEG is decoded into
    /// 16-bit coefficient buffers for every component first. Zero for baseline.
    pub(crate) working_bytes: u64,
}

/// A frame header: progressive?, width, height, components.
type Frame = (bool, u64, u64, Vec<Component>);

/// One component of a frame header: horizontal and vertical sampling factors.
#[derive(Debug, Clone, Copy)]
struct Component {
    h: u64,
    v: u64,
}

/// Walks the segments from SOI to EOI, skipping entropy-coded data, and fails if the file ends
/// before the end-of-image marker (a truncated upload), if a segment overruns the file, or if
/// there is no frame or no scan. Bytes after EOI are allowed: some cameras append data there
/// (motion photos, maker trailers), and it is never decoded or kept.
///
/// Needed because `image`'s JPEG decoder is lenient: it decodes a file cut in half without an
/// error and fills the missing part with grey.
pub(crate) fn jpeg_layout(bytes: &[u8]) -> Result<JpegLayout, String> {
    let truncated = || "the file ends before the JPEG end-of-image marker".to_string();
    let mut pos = 2; // after SOI
    let mut frame: Option<Frame> = None;
    let mut scans = 0usize;
    loop {
        // A marker: one or more 0xFF fill bytes, then the code.
        match bytes.get(pos) {
            None => return Err(truncated()),
            Some(0xff) => {}
            Some(other) => {
                return Err(format!(
                    "expected a marker at byte {pos}, found {other:#04x}"
                ));
            }
        }
        while bytes.get(pos) == Some(&0xff) {
            pos += 1;
        }
        let Some(&marker) = bytes.get(pos) else {
            return Err(truncated());
        };
        pos += 1;
        match marker {
            0xd9 => break,
            // Standalone markers (TEM, RSTn) carry no length.
            0x01 | 0xd0..=0xd7 => continue,
            0xd8 => return Err("a second start-of-image marker".into()),
            0x00 => return Err(format!("a stray 0xFF 0x00 at byte {}", pos - 2)),
            _ => {}
        }
        let (Some(&hi), Some(&lo)) = (bytes.get(pos), bytes.get(pos + 1)) else {
            return Err(truncated());
        };
        let length = usize::from(u16::from_be_bytes([hi, lo]));
        if length < 2 {
            return Err(format!("segment {marker:#04x} has length {length}"));
        }
        let Some(segment) = bytes.get(pos + 2..pos + length) else {
            return Err(truncated());
        };
        pos += length;
        match marker {
            // SOFn, except DHT (C4), JPG (C8) and DAC (CC).
            0xc0..=0xcf if !matches!(marker, 0xc4 | 0xc8 | 0xcc) => {
                if frame.is_some() {
                    return Err("more than one frame header".into());
                }
                frame = Some(parse_frame(marker, segment)?);
            }
            0xda => {
                if frame.is_none() {
                    return Err("a scan before the frame header".into());
                }
                scans += 1;
                pos = skip_entropy_coded(bytes, pos).ok_or_else(truncated)?;
            }
            _ => {}
        }
    }
    let Some((progressive, width, height, components)) = frame else {
        return Err("no frame header".into());
    };
    if scans == 0 {
        return Err("no image data".into());
    }
    let working_bytes = if progressive {
        coefficient_bytes(width, height, &components)
    } else {
        0
    };
    Ok(JpegLayout { working_bytes })
}

fn parse_frame(marker: u8, segment: &[u8]) -> Result<Frame, String> {
    let bad = || "malformed frame header".to_string();
    let header = segment.get(..6).ok_or_else(bad)?;
    let height = u64::from(u16::from_be_bytes([header[1], header[2]]));
    let width = u64::from(u16::from_be_bytes([header[3], header[4]]));
    let count = usize::from(header[5]);
    let specs = segment.get(6..6 + 3 * count).ok_or_else(bad)?;
    let components: Vec<Component> = specs
        .chunks_exact(3)
        .map(|spec| Component {
            h: u64::from(spec[1] >> 4),
            v: u64::from(spec[1] & 0x0f),
        })
        .collect();
    if components.is_empty() || components.iter().any(|c| c.h == 0 || c.v == 0) {
        return Err(bad());
    }
    let progressive = matches!(marker, 0xc2 | 0xc6 | 0xca | 0xce);
    Ok((progressive, width, height, components))
}

/// 16-bit coefficients for every 8×8 block of every component, over whole MCUs.
fn coefficient_bytes(width: u64, height: u64, components: &[Component]) -> u64 {
    let h_max = components.iter().map(|c| c.h).max().unwrap_or(1);
    let v_max = components.iter().map(|c| c.v).max().unwrap_or(1);
    let mcus_x = width.div_ceil(8 * h_max);
    let mcus_y = height.div_ceil(8 * v_max);
    components
        .iter()
        .map(|c| mcus_x * c.h * 8 * mcus_y * c.v * 8 * 2)
        .sum()
}

/// From the start of entropy-coded data to the next marker (not a stuffed `FF 00`, a restart
/// marker or fill bytes). `None` if the file ends first.
fn skip_entropy_coded(bytes: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        let ff = pos + bytes.get(pos..)?.iter().position(|&b| b == 0xff)?;
        match *bytes.get(ff + 1)? {
            0x00 | 0xd0..=0xd7 => pos = ff + 2,
            0xff => pos = ff + 1,
            _ => return Some(ff),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_magic_bytes() {
        assert_eq!(sniff(&[0xff, 0xd8, 0xff, 0xe0]), Some(Format::Jpeg));
        assert_eq!(sniff(&PNG_SIGNATURE), Some(Format::Png));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some(Format::WebP));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b"%PDF-1.7"), None);
        assert_eq!(sniff(&[0xff, 0xd8]), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn walks_a_minimal_jpeg_and_finds_truncation() {
        // SOI, SOF0 (8x8, one component), SOS, two entropy bytes incl. a stuffed FF, EOI.
        let mut jpeg = vec![0xff, 0xd8];
        jpeg.extend([0xff, 0xc0, 0, 11, 8, 0, 8, 0, 8, 1, 1, 0x11, 0]);
        jpeg.extend([0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0]);
        jpeg.extend([0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56]);
        jpeg.extend([0xff, 0xd9]);
        assert_eq!(jpeg_layout(&jpeg), Ok(JpegLayout { working_bytes: 0 }));
        // Trailing data after EOI is fine.
        let mut trailer = jpeg.clone();
        trailer.extend(b"motion photo trailer");
        assert!(jpeg_layout(&trailer).is_ok());
        // Every cut before EOI is refused.
        for cut in 2..jpeg.len() {
            assert!(jpeg_layout(&jpeg[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn counts_progressive_coefficients() {
        // 4:2:0, 16x16: one MCU, 4 Y blocks + 1 Cb + 1 Cr, 64 coefficients of 2 bytes each.
        let components = [
            Component { h: 2, v: 2 },
            Component { h: 1, v: 1 },
            Component { h: 1, v: 1 },
        ];
        assert_eq!(coefficient_bytes(16, 16, &components), 6 * 64 * 2);
        // 12 MP 4:2:0 needs 36 MB of coefficients.
        assert_eq!(coefficient_bytes(4000, 3000, &components), 36_096_000);
    }
}
