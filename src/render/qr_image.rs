//! A QR code as a matrix of modules, and that matrix drawn as pixels (PNG),
//! as an SVG document, or as runs of dark modules for vector output (PDF).
//!
//! Module coordinates always include the quiet zone: `(0, 0)` is the top-left
//! corner of the quiet zone, and the first module of the code itself is at
//! `(QUIET_ZONE, QUIET_ZONE)`. Pixels are whole multiples of a module, with no
//! antialiasing, because a scanner reading a blurred module edge from a screen
//! or a cheap printer is the usual reason a large code fails to scan.

use core::fmt;
use core::str::FromStr;

use thiserror::Error;

/// The eight data masks of ISO/IEC 18004, in mask-reference order (so ties
/// go to the lowest reference, as in the qrcode crate).
const MASKS: [qrcode::canvas::MaskPattern; 8] = [
    qrcode::canvas::MaskPattern::Checkerboard,
    qrcode::canvas::MaskPattern::HorizontalLines,
    qrcode::canvas::MaskPattern::VerticalLines,
    qrcode::canvas::MaskPattern::DiagonalLines,
    qrcode::canvas::MaskPattern::LargeCheckerboard,
    qrcode::canvas::MaskPattern::Fields,
    qrcode::canvas::MaskPattern::Diamonds,
    qrcode::canvas::MaskPattern::Meadow,
];

/// The mask penalty of ISO/IEC 18004:2015 §7.8.3, over the whole symbol:
/// N1 runs of five or more modules of one colour in a row or column
/// (3 + excess), N2 2×2 blocks of one colour (3 each), N3 finder-like
/// 1:1:3:1:1 patterns with four light modules on one side (40 each), N4 the
/// dark share's distance from half (10 per 5 %). Rows and columns are scanned
/// once each with a rolling 11-module window, so it is linear in the area.
pub(crate) fn penalty(dark: &[bool], n: usize) -> u32 {
    const FINDER_THEN_LIGHT: u16 = 0b101_1101_0000;
    const LIGHT_THEN_FINDER: u16 = 0b000_0101_1101;
    const WINDOW: u16 = 0x7ff;
    let at = |x: usize, y: usize| dark.get(y * n + x).copied().unwrap_or(false);
    let mut score = 0u32;
    for transposed in [false, true] {
        for line in 0..n {
            let mut run = 0u32;
            let mut previous = None;
            let mut window = 0u16;
            for i in 0..n {
                let module = if transposed { at(line, i) } else { at(i, line) };
                if Some(module) == previous {
                    run += 1;
                } else {
                    if run >= 5 {
                        score += run - 2;
                    }
                    run = 1;
                    previous = Some(module);
                }
                window = ((window << 1) | u16::from(module)) & WINDOW;
                if i >= 10 && (window == FINDER_THEN_LIGHT || window == LIGHT_THEN_FINDER) {
                    score += 40;
                }
            }
            if run >= 5 {
                score += run - 2;
            }
        }
    }
    for y in 1..n {
        for x in 1..n {
            let c = at(x, y);
            if c == at(x - 1, y) && c == at(x, y - 1) && c == at(x - 1, y - 1) {
                score += 3;
            }
        }
    }
    let total = (n * n).max(1);
    let dark_count = dark.iter().filter(|&&d| d).count();
    let percent = dark_count * 100 / total;
    let steps = percent.abs_diff(50) / 5;
    score + 10 * u32::try_from(steps).unwrap_or(u32::MAX / 10)
}

#[cfg(test)]
mod tests;

/// How much of a QR code can be damaged and still read.
///
/// [`EcLevel::M`] (the default) suits codes shown on a screen; [`EcLevel::Q`]
/// suits print, where scuffs, folds and stamps cover modules. Each step up
/// costs a larger version (more modules) for the same text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EcLevel {
    /// About 7% of codewords recoverable.
    L,
    /// About 15% of codewords recoverable.
    #[default]
    M,
    /// About 25% of codewords recoverable.
    Q,
    /// About 30% of codewords recoverable.
    H,
}

impl EcLevel {
    /// The level's letter: `"L"`, `"M"`, `"Q"` or `"H"`.
    pub fn as_str(self) -> &'static str {
        match self {
            EcLevel::L => "L",
            EcLevel::M => "M",
            EcLevel::Q => "Q",
            EcLevel::H => "H",
        }
    }

    fn to_qrcode(self) -> qrcode::EcLevel {
        match self {
            EcLevel::L => qrcode::EcLevel::L,
            EcLevel::M => qrcode::EcLevel::M,
            EcLevel::Q => qrcode::EcLevel::Q,
            EcLevel::H => qrcode::EcLevel::H,
        }
    }
}

impl fmt::Display for EcLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EcLevel {
    type Err = QrImageError;

    /// Reads `L`, `M`, `Q` or `H`, in either case, as a command line would give it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "L" | "l" => Ok(EcLevel::L),
            "M" | "m" => Ok(EcLevel::M),
            "Q" | "q" => Ok(EcLevel::Q),
            "H" | "h" => Ok(EcLevel::H),
            _ => Err(QrImageError::UnknownLevel {
                given: s.chars().take(16).collect(),
            }),
        }
    }
}

/// Why a QR image could not be made.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum QrImageError {
    /// The text does not fit in a version 40 code at this level.
    #[error("{bytes} bytes of text do not fit in a QR code at level {level}")]
    TooLong {
        /// The text's length in bytes.
        bytes: usize,
        /// The error correction level asked for.
        level: EcLevel,
    },
    /// The encoder refused the text for a reason other than its length.
    #[error("QR encoder refused {bytes} bytes at level {level}: {reason}")]
    Encoder {
        /// The text's length in bytes.
        bytes: usize,
        /// The error correction level asked for.
        level: EcLevel,
        /// The encoder's message.
        reason: String,
    },
    /// The encoder produced a Micro QR code, which phone cameras do not read.
    #[error("the encoder produced Micro QR version M{version}")]
    MicroQr {
        /// The Micro QR version.
        version: i16,
    },
    /// Zero pixels per module.
    #[error("pixels per module must be at least 1")]
    ZeroScale,
    /// The image would be wider than [`QrImage::MAX_SIDE_PX`].
    #[error("{side_px} px at {px_per_module} px per module is over the {max} px limit")]
    TooLarge {
        /// The pixels per module asked for.
        px_per_module: u32,
        /// The side the image would have, quiet zone included.
        side_px: u64,
        /// The limit.
        max: u32,
    },
    /// PNG encoding failed.
    #[error("PNG encoding failed: {reason}")]
    Png {
        /// The encoder's message.
        reason: String,
    },
    /// An error correction level other than L, M, Q or H.
    #[error("unknown QR error correction level {given:?}; expected L, M, Q or H")]
    UnknownLevel {
        /// What was given (cut to 16 characters).
        given: String,
    },
}

/// A horizontal run of dark modules, in module coordinates with the quiet zone
/// included (see [`QrImage::is_dark`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModuleRun {
    /// Column of the run's leftmost module.
    pub x: usize,
    /// Row of the run.
    pub y: usize,
    /// Number of modules in the run, at least 1.
    pub len: usize,
}

/// The most bytes any QR code holds: 7089 digits in numeric mode at version 40-L.
/// Longer texts are turned away before the encoder spends time on them.
const MAX_QR_TEXT_BYTES: usize = 7089;

const WHITE: [u8; 4] = [255, 255, 255, 255];
// Opaque, so premultiplied and straight RGBA are the same bytes.
const BLACK: [u8; 4] = [0, 0, 0, 255];

/// An encoded QR code: its modules, version and error correction level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrImage {
    /// Row-major, `modules * modules`, quiet zone excluded; `true` is dark.
    dark: Vec<bool>,
    modules: usize,
    version: u8,
    level: EcLevel,
}

impl QrImage {
    /// Light modules left around the code on each side, as ISO/IEC 18004 asks.
    pub const QUIET_ZONE: usize = 4;

    /// Largest image side, in pixels, that [`QrImage::to_pixmap`] draws.
    pub const MAX_SIDE_PX: u32 = 16384;

    /// Encodes `text` at `level` in the smallest version that holds it. The
    /// encoder splits the text into segments by itself, so the digits of QR
    /// text go in numeric mode and the base URL in byte mode.
    pub fn new(text: &str, level: EcLevel) -> Result<QrImage, QrImageError> {
        let bytes = text.len();
        if bytes > MAX_QR_TEXT_BYTES {
            return Err(QrImageError::TooLong { bytes, level });
        }
        let encoder_error = |e: qrcode::types::QrError| match e {
            qrcode::types::QrError::DataTooLong => QrImageError::TooLong { bytes, level },
            other => QrImageError::Encoder {
                bytes,
                level,
                reason: other.to_string(),
            },
        };
        // What `QrCode::with_error_correction_level` does, except the mask
        // choice: its penalty scoring costs several milliseconds on the large
        // codes licences need, ours a fraction of one (see `penalty`).
        let bits =
            qrcode::bits::encode_auto(text.as_bytes(), level.to_qrcode()).map_err(encoder_error)?;
        let qr_version = bits.version();
        let version = match qr_version {
            qrcode::Version::Normal(v) => u8::try_from(v).map_err(|_| QrImageError::Encoder {
                bytes,
                level,
                reason: format!("version {v} out of range"),
            })?,
            qrcode::Version::Micro(v) => return Err(QrImageError::MicroQr { version: v }),
        };
        let (data, ec) =
            qrcode::ec::construct_codewords(&bits.into_bytes(), qr_version, level.to_qrcode())
                .map_err(encoder_error)?;
        let mut canvas = qrcode::canvas::Canvas::new(qr_version, level.to_qrcode());
        canvas.draw_all_functional_patterns();
        canvas.draw_data(&data, &ec);
        let modules = usize::try_from(qr_version.width()).map_err(|_| QrImageError::Encoder {
            bytes,
            level,
            reason: "negative width".into(),
        })?;
        let (dark, _) = MASKS
            .iter()
            .map(|&mask| {
                let mut masked = canvas.clone();
                masked.apply_mask(mask);
                let dark: Vec<bool> = masked
                    .into_colors()
                    .into_iter()
                    .map(|c| c == qrcode::Color::Dark)
                    .collect();
                let score = penalty(&dark, modules);
                (dark, score)
            })
            .min_by_key(|(_, score)| *score)
            .ok_or_else(|| QrImageError::Encoder {
                bytes,
                level,
                reason: "no mask".into(),
            })?;
        if dark.len() != modules * modules {
            return Err(QrImageError::Encoder {
                bytes,
                level,
                reason: format!("{} modules for a side of {modules}", dark.len()),
            });
        }
        Ok(QrImage {
            dark,
            modules,
            version,
            level,
        })
    }

    /// The QR version, 1–40.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// The error correction level.
    pub fn level(&self) -> EcLevel {
        self.level
    }

    /// Modules on a side of the code itself, quiet zone excluded (`17 + 4 × version`).
    pub fn modules(&self) -> usize {
        self.modules
    }

    /// Modules on a side with the quiet zone on both sides.
    pub fn side_with_quiet_zone(&self) -> usize {
        self.modules + 2 * Self::QUIET_ZONE
    }

    /// Whether the module at column `x`, row `y` is dark. Coordinates include
    /// the quiet zone, so `(0, 0)` is the quiet zone's top-left corner; the
    /// quiet zone and anything beyond it are light.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        let (Some(mx), Some(my)) = (
            x.checked_sub(Self::QUIET_ZONE),
            y.checked_sub(Self::QUIET_ZONE),
        ) else {
            return false;
        };
        mx < self.modules
            && my < self.modules
            && self.dark.get(my * self.modules + mx).copied() == Some(true)
    }

    /// The dark modules as horizontal runs, top to bottom and left to right,
    /// in coordinates that include the quiet zone. Drawing one rectangle per
    /// run takes about a third as many shapes as one per module.
    pub fn dark_runs(&self) -> Vec<ModuleRun> {
        let mut runs = Vec::new();
        for (my, row) in self.rows().enumerate() {
            let mut start = None;
            // A light sentinel at the end closes a run that reaches the right edge.
            for (mx, dark) in row.iter().copied().chain([false]).enumerate() {
                match (dark, start) {
                    (true, None) => start = Some(mx),
                    (false, Some(s)) => {
                        runs.push(ModuleRun {
                            x: s + Self::QUIET_ZONE,
                            y: my + Self::QUIET_ZONE,
                            len: mx - s,
                        });
                        start = None;
                    }
                    _ => {}
                }
            }
        }
        runs
    }

    /// The largest whole number of pixels per module at which the image, quiet
    /// zone included, fits in `max_side_px` (and in [`QrImage::MAX_SIDE_PX`]);
    /// `None` if not even one pixel per module fits.
    pub fn pixels_per_module_for(&self, max_side_px: u32) -> Option<u32> {
        let side = u32::try_from(self.side_with_quiet_zone()).ok()?;
        let ppm = max_side_px.min(Self::MAX_SIDE_PX).checked_div(side)?;
        (ppm >= 1).then_some(ppm)
    }

    /// Side of the image in pixels at `px_per_module`, checked against the limits.
    fn side_px(&self, px_per_module: u32) -> Result<u32, QrImageError> {
        if px_per_module == 0 {
            return Err(QrImageError::ZeroScale);
        }
        let side = u64::try_from(self.side_with_quiet_zone())
            .unwrap_or(u64::MAX)
            .saturating_mul(u64::from(px_per_module));
        u32::try_from(side)
            .ok()
            .filter(|&s| s <= Self::MAX_SIDE_PX)
            .ok_or(QrImageError::TooLarge {
                px_per_module,
                side_px: side,
                max: Self::MAX_SIDE_PX,
            })
    }

    /// Draws the code, quiet zone included, black on opaque white, each module
    /// exactly `px_per_module` pixels square.
    pub fn to_pixmap(&self, px_per_module: u32) -> Result<tiny_skia::Pixmap, QrImageError> {
        let side_px = self.side_px(px_per_module)?;
        let mut pixmap =
            tiny_skia::Pixmap::new(side_px, side_px).ok_or(QrImageError::TooLarge {
                px_per_module,
                side_px: u64::from(side_px),
                max: Self::MAX_SIDE_PX,
            })?;
        // Both fit in u32 (checked above), so they fit in usize on every target Rust supports here.
        let ppm = px_per_module as usize;
        let row_bytes = side_px as usize * 4;
        let mut line = vec![0u8; row_bytes];
        for (y, band) in pixmap
            .data_mut()
            .chunks_exact_mut(row_bytes * ppm)
            .enumerate()
        {
            // Every pixel row of a module row is the same, so draw it once and copy it.
            for (x, px) in line.chunks_exact_mut(4 * ppm).enumerate() {
                let colour = if self.is_dark(x, y) { BLACK } else { WHITE };
                for p in px.chunks_exact_mut(4) {
                    p.copy_from_slice(&colour);
                }
            }
            for out in band.chunks_exact_mut(row_bytes) {
                out.copy_from_slice(&line);
            }
        }
        Ok(pixmap)
    }

    /// The image of [`QrImage::to_pixmap`] as a PNG file.
    pub fn to_png(&self, px_per_module: u32) -> Result<Vec<u8>, QrImageError> {
        self.to_pixmap(px_per_module)?
            .encode_png()
            .map_err(|e| QrImageError::Png {
                reason: e.to_string(),
            })
    }

    /// A standalone SVG document: a white square, quiet zone included, and one
    /// black path of the dark runs. The `viewBox` is in modules, and `width` and
    /// `height` are the side times `module_px` (0 is taken as 1). The same code
    /// always gives the same bytes.
    pub fn to_svg(&self, module_px: u32) -> String {
        use fmt::Write as _;

        let side = self.side_with_quiet_zone();
        let px = u64::try_from(side)
            .unwrap_or(u64::MAX)
            .saturating_mul(u64::from(module_px.max(1)));
        let runs = self.dark_runs();
        let mut svg = String::with_capacity(300 + runs.len() * 20);
        // Writing to a String cannot fail, so the results are ignored.
        let _ = write!(
            svg,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" \
             width=\"{px}\" height=\"{px}\" viewBox=\"0 0 {side} {side}\">\
             <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/>\
             <path fill=\"#000\" shape-rendering=\"crispEdges\" d=\""
        );
        for r in &runs {
            let _ = write!(svg, "M{} {}h{}v1h-{}z", r.x, r.y, r.len, r.len);
        }
        svg.push_str("\"/></svg>\n");
        svg
    }

    fn rows(&self) -> impl Iterator<Item = &[bool]> {
        // `modules` is never 0 for a code the encoder made; max(1) keeps chunks_exact from panicking anyway.
        self.dark.chunks_exact(self.modules.max(1))
    }
}
