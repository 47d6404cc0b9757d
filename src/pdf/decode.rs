//! Stream filters: FlateDecode with PNG predictors, each decoded with a
//! limit, never in full first (a kilobyte of deflate can expand to a
//! gigabyte).

use std::io::Read;

use super::PdfReadError;
use super::object::{Dictionary, Object};

/// Decodes `data` by the filters `dict` names, to at most `limit` bytes.
pub(crate) fn decode(
    dict: &Dictionary,
    data: &[u8],
    limit: usize,
) -> Result<Vec<u8>, PdfReadError> {
    let filter = match dict.get(b"Filter") {
        None => None,
        Some(Object::Name(name)) => Some(name.as_slice()),
        Some(Object::Array(items)) => match items.as_slice() {
            [] => None,
            [Object::Name(name)] => Some(name.as_slice()),
            _ => {
                return Err(PdfReadError::Filter {
                    what: "a chain of filters",
                });
            }
        },
        Some(_) => {
            return Err(PdfReadError::Filter {
                what: "/Filter is not a name",
            });
        }
    };
    let params = match dict.get(b"DecodeParms") {
        None | Some(Object::Null) => None,
        Some(Object::Dictionary(d)) => Some(d),
        Some(Object::Array(items)) => match items.as_slice() {
            [] | [Object::Null] => None,
            [Object::Dictionary(d)] => Some(d),
            _ => {
                return Err(PdfReadError::Filter {
                    what: "unusable /DecodeParms",
                });
            }
        },
        Some(_) => {
            return Err(PdfReadError::Filter {
                what: "unusable /DecodeParms",
            });
        }
    };
    match filter {
        None => {
            if params.is_some() {
                return Err(PdfReadError::Filter {
                    what: "/DecodeParms without a filter",
                });
            }
            if data.len() > limit {
                return Err(PdfReadError::LimitExceeded {
                    limit: "bytes decoded from one stream",
                    max: limit,
                });
            }
            Ok(data.to_vec())
        }
        Some(b"FlateDecode") => {
            let inflated = inflate(data, limit)?;
            match params {
                None => Ok(inflated),
                Some(params) => unpredict(params, inflated),
            }
        }
        Some(_) => Err(PdfReadError::Filter {
            what: "a filter other than /FlateDecode",
        }),
    }
}

/// Inflates zlib data to at most `limit` bytes.
fn inflate(data: &[u8], limit: usize) -> Result<Vec<u8>, PdfReadError> {
    let mut out = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    flate2::read::ZlibDecoder::new(data)
        .take(cap)
        .read_to_end(&mut out)
        .map_err(|_| PdfReadError::Decode {
            what: "the deflate data is corrupt",
        })?;
    if out.len() > limit {
        return Err(PdfReadError::LimitExceeded {
            limit: "bytes decoded from one stream",
            max: limit,
        });
    }
    Ok(out)
}

fn int_param(params: &Dictionary, key: &[u8], default: i64) -> Result<i64, PdfReadError> {
    match params.get(key) {
        None => Ok(default),
        Some(Object::Integer(n)) => Ok(*n),
        Some(_) => Err(PdfReadError::Filter {
            what: "a /DecodeParms entry is not an integer",
        }),
    }
}

/// Undoes a predictor: none (1) or PNG (10–15), one byte per sample.
fn unpredict(params: &Dictionary, data: Vec<u8>) -> Result<Vec<u8>, PdfReadError> {
    let predictor = int_param(params, b"Predictor", 1)?;
    if predictor == 1 {
        return Ok(data);
    }
    if !(10..=15).contains(&predictor) {
        return Err(PdfReadError::Filter {
            what: "a predictor other than PNG",
        });
    }
    let colors = int_param(params, b"Colors", 1)?;
    let bits = int_param(params, b"BitsPerComponent", 8)?;
    let columns = int_param(params, b"Columns", 1)?;
    if bits != 8 || !(1..=4).contains(&colors) || !(1..=65_536).contains(&columns) {
        return Err(PdfReadError::Filter {
            what: "PNG predictor parameters not supported",
        });
    }
    let bpp = usize::try_from(colors).unwrap_or(1);
    let row_len = bpp * usize::try_from(columns).unwrap_or(1);
    if !data.len().is_multiple_of(row_len + 1) {
        return Err(PdfReadError::Decode {
            what: "PNG-predicted data is not whole rows",
        });
    }
    let mut out = Vec::with_capacity(data.len() / (row_len + 1) * row_len);
    let mut previous = vec![0u8; row_len];
    for row in data.chunks_exact(row_len + 1) {
        let Some((&kind, encoded)) = row.split_first() else {
            continue;
        };
        let mut current = vec![0u8; row_len];
        for i in 0..row_len {
            let raw = encoded.get(i).copied().unwrap_or(0);
            let left = if i >= bpp {
                current.get(i - bpp).copied().unwrap_or(0)
            } else {
                0
            };
            let up = previous.get(i).copied().unwrap_or(0);
            let up_left = if i >= bpp {
                previous.get(i - bpp).copied().unwrap_or(0)
            } else {
                0
            };
            let predicted = match kind {
                0 => 0,
                1 => left,
                2 => up,
                3 => ((u16::from(left) + u16::from(up)) / 2) as u8,
                4 => paeth(left, up, up_left),
                _ => {
                    return Err(PdfReadError::Decode {
                        what: "unknown PNG filter type",
                    });
                }
            };
            if let Some(slot) = current.get_mut(i) {
                *slot = raw.wrapping_add(predicted);
            }
        }
        out.extend_from_slice(&current);
        previous = current;
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let (ia, ib, ic) = (i16::from(a), i16::from(b), i16::from(c));
    let p = ia + ib - ic;
    let (pa, pb, pc) = ((p - ia).abs(), (p - ib).abs(), (p - ic).abs());
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}
