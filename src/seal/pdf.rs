//! Sealing licence PDFs (加盖电子印章) and checking sealed ones.
//!
//! A seal on a PDF is a PAdES baseline B-B signature (ETSI EN 319 142-1):
//! `/SubFilter /ETSI.CAdES.detached`, a detached CMS SignedData with Ed25519
//! (see [`cms`](self) below), written as an incremental update whose
//! `/ByteRange` covers the whole file but the `/Contents` hole. The visible
//! appearance is the registered seal's own picture at the template's seal
//! place, drawn with a multiply blend like ink. The seal record travels in the
//! signature dictionary (`/ElicenceSeal`, a string inside the signed range), so
//! a verifier needs nothing but the PDF and its roots. Several seals (joint
//! issuance, 联合发证) are several signatures, each in its own revision and
//! covering the ones before.
//!
//! Every PDF is read by the strict reader ([`crate::pdf`]). [`PdfVerifier`]
//! holds the whole policy for a licence PDF (its licence, every seal, and
//! the binding between them); [`check_sealed_pdf`] is its seal part alone:
//! every revision that holds anything of a signature is a seal whose
//! revision must be exactly what [`PdfSealer`] writes (checked by structure,
//! its appearance regenerated from the seal record), then byte range,
//! digest, CMS signature, the signer's chain, the seal record and its maker,
//! the seal's validity at signing time, whether the seal allows this signer,
//! and whether later revisions are seals too. FORMAT.md §10 is the normative
//! text.

mod cms;
mod revision;
mod verdict;
mod write;

pub use verdict::{
    LicencePdfReason, LicencePdfVerdict, PdfVerifier, TrustAnchorError, verify_licence_pdf,
};

use sha2::{Digest, Sha512};
use thiserror::Error;

use super::record::{SealFailure, SignedSeal};
use crate::date::UnixTime;
use crate::keys::Signer;
use crate::pdf::{Document, Object, PdfReadError};
use crate::trust::{Certificate, TrustFailure, TrustStore};

/// Largest PDF sealed or checked.
pub const MAX_PDF_LEN: usize = crate::pdf::MAX_PDF_LEN;
/// Bytes reserved for the CMS signature in each seal's `/Contents` hole.
pub const CONTENTS_LEN: usize = 8192;
/// Most signatures a checked PDF may carry.
pub const MAX_SEALS: usize = 16;
/// Gap between seals placed side by side, in millimetres: GB/T 9704 keeps
/// joint issuers' seals in one row, neither overlapping nor touching.
const SEAL_GAP_MM: f32 = 3.0;
/// Smallest diameter a seal is set to on a page, in millimetres: below it
/// the authority's name on the rim stops being legible in print.
pub const MIN_PLACED_DIAMETER_MM: f32 = 15.0;
/// Largest diameter a seal is set to on a page, in millimetres, as the
/// largest seal the stamp renderer draws.
pub const MAX_PLACED_DIAMETER_MM: f32 = 60.0;
/// Smallest scale of the registered picture: a seal shrunk further is no
/// longer the seal that was registered, only a likeness of it.
pub const MIN_PICTURE_SCALE: f32 = 0.4;
/// Largest scale of the registered picture: beyond it the picture's pixels
/// show (a 10 px/mm picture is 6.7 px/mm at 1.5×, about 170 dpi).
pub const MAX_PICTURE_SCALE: f32 = 1.5;
const PT_PER_MM: f32 = 72.0 / 25.4;
/// The signature dictionary key that holds the seal record.
const SEAL_KEY: &[u8] = b"ElicenceSeal";

/// What [`SealPdfError::NotValidAt`] found out of its validity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotValidPart {
    /// The seal record.
    Seal,
    /// The certificate of the signer applying it.
    SignerCertificate,
}

impl core::fmt::Display for NotValidPart {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            NotValidPart::Seal => "the seal",
            NotValidPart::SignerCertificate => "the signer's certificate",
        })
    }
}

/// Why a PDF could not be sealed or read.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SealPdfError {
    /// The PDF is larger than [`MAX_PDF_LEN`].
    #[error("PDF is {len} bytes, more than {MAX_PDF_LEN}")]
    TooLarge {
        /// Its length.
        len: usize,
    },
    /// The PDF could not be parsed.
    #[error("cannot read the PDF: {0}")]
    Parse(String),
    /// The strict reader refused the PDF.
    #[error("cannot read the PDF: {0}")]
    Read(#[from] PdfReadError),
    /// The PDF uses something this sealer does not write updates for.
    #[error("cannot seal this PDF: {0}")]
    Unsupported(&'static str),
    /// The requested page does not exist.
    #[error("the PDF has {pages} pages; there is no page {page}")]
    NoSuchPage {
        /// The page asked for (from 1).
        page: usize,
        /// How many there are.
        pages: usize,
    },
    /// The seal's diameter on the page is outside
    /// [`MIN_PLACED_DIAMETER_MM`]`..=`[`MAX_PLACED_DIAMETER_MM`], or scales
    /// the registered picture outside
    /// [`MIN_PICTURE_SCALE`]`..=`[`MAX_PICTURE_SCALE`].
    #[error(
        "a seal {diameter_mm} mm across is outside {MIN_PLACED_DIAMETER_MM}..={MAX_PLACED_DIAMETER_MM} mm \
         or scales its {registered_mm} mm picture outside {MIN_PICTURE_SCALE}..={MAX_PICTURE_SCALE}×"
    )]
    SealSize {
        /// The diameter asked for.
        diameter_mm: f32,
        /// The registered picture's width.
        registered_mm: f32,
    },
    /// The seal's owner is neither the licence's issuer nor one of its
    /// co-issuers: a licence PDF carries only the seals of the authorities
    /// it names.
    #[error("the seal's owner {owner} is neither the licence's issuer nor a co-issuer")]
    NotAnIssuer {
        /// The seal's owner.
        owner: String,
    },
    /// The seal's owner is a co-issuer of the licence but the template has
    /// no seal place for it.
    #[error(
        "the seal's owner {owner} is co-issuer {index} of the licence, \
         but the template {template} has seal places for {places} co-issuers"
    )]
    NoSealPlace {
        /// The seal's owner.
        owner: String,
        /// Its place among the licence's co-issuers, from 0.
        index: usize,
        /// The template's name.
        template: String,
        /// How many co-issuer seal places the template has.
        places: usize,
    },
    /// The seal's centre is not on the page.
    #[error("the seal's centre ({cx} mm, {cy} mm) is not on the page")]
    OffPage {
        /// From the left edge.
        cx: f32,
        /// From the top edge.
        cy: f32,
    },
    /// More signature fields than [`MAX_SEALS`].
    #[error("{count} signature fields; at most {MAX_SEALS} are checked or written")]
    TooManySeals {
        /// How many there are (or would be).
        count: usize,
    },
    /// The signer's certificate is not one the seal allows.
    #[error("the seal {seal_id} does not allow certificate {subject} to apply it")]
    SignerNotAllowed {
        /// The seal's id.
        seal_id: String,
        /// The certificate's subject.
        subject: String,
    },
    /// The seal, or the signer's certificate, is not valid at the signing time.
    #[error("{what} is not valid at {at}")]
    NotValidAt {
        /// The seal or the certificate.
        what: NotValidPart,
        /// The signing time.
        at: String,
    },
    /// The signing key is not the certificate's.
    #[error("the signing key does not match the signer certificate")]
    KeyMismatch,
    /// No certificate was given.
    #[error("no signer certificate")]
    NoCertificate,
    /// A certificate could not be re-read for the CMS encoder.
    #[error("certificate cannot be encoded: {0}")]
    Certificate(String),
    /// The seal picture cannot be drawn.
    #[error("seal picture: {0}")]
    Picture(String),
    /// The CMS signature does not fit [`CONTENTS_LEN`].
    #[error("CMS signature is {len} bytes, more than the {CONTENTS_LEN} reserved")]
    SignatureTooLarge {
        /// Its length.
        len: usize,
    },
    /// The key refused to sign.
    #[error(transparent)]
    Sign(#[from] crate::keys::SignError),
    /// The signature could not be encoded.
    #[error("CMS encoding failed: {0}")]
    Encoding(String),
}

impl SealPdfError {
    fn from_read(e: PdfReadError) -> SealPdfError {
        match e {
            PdfReadError::TooLarge { len, .. } => SealPdfError::TooLarge { len },
            other => SealPdfError::Read(other),
        }
    }
}

/// Where a seal goes: a page (from 1), the seal's centre in millimetres
/// from the page's top-left corner, as templates give it, and the diameter
/// it is set to.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Placement {
    /// Page number, from 1.
    pub page: usize,
    /// Centre from the left edge, mm.
    pub cx: f32,
    /// Centre from the top edge, mm.
    pub cy: f32,
    /// The width the seal's picture is scaled to, its aspect kept, in mm:
    /// the template's seal diameter. `None` sets the picture at its
    /// registered size.
    pub diameter_mm: Option<f32>,
}

impl Placement {
    /// A seal centred at (`cx`, `cy`) mm on `page` (from 1), at its
    /// picture's registered size.
    pub const fn at(page: usize, cx: f32, cy: f32) -> Placement {
        Placement {
            page,
            cx,
            cy,
            diameter_mm: None,
        }
    }

    /// The same place with the seal's picture scaled to `diameter_mm`
    /// (checked when the seal is applied, see [`SealPdfError::SealSize`]).
    #[must_use]
    pub const fn with_diameter_mm(mut self, diameter_mm: f32) -> Placement {
        self.diameter_mm = Some(diameter_mm);
        self
    }

    /// Where `seal` goes on a licence PDF, on page 1: the template that
    /// draws the licence inside it gives the place by the seal's owner,
    /// [`Template::seal`](crate::render::Template::seal) for the licence's
    /// issuer and [`Template::co_issuer_seals`](crate::render::Template::co_issuer_seals)`[i]`
    /// for its co-issuer `i`.
    ///
    /// # Errors
    /// [`SealPdfError::Parse`] if the PDF carries no licence envelope that
    /// reads, [`SealPdfError::NotAnIssuer`] if the licence does not name
    /// the seal's owner, [`SealPdfError::NoSealPlace`] if the template has
    /// no place for that co-issuer.
    #[cfg(feature = "render")]
    pub fn for_licence_pdf(
        pdf: &[u8],
        templates: &crate::render::TemplateSet,
        seal: &super::record::SealInfo,
    ) -> Result<Placement, SealPdfError> {
        let envelope = crate::render::envelope_from_pdf(pdf)
            .map_err(|e| SealPdfError::Parse(format!("no licence in the PDF: {e}")))?;
        let licence = crate::SignedLicence::from_slice(&envelope)
            .map_err(|e| SealPdfError::Parse(format!("the licence in the PDF: {e}")))?;
        let licence = licence.licence();
        let template = templates.for_type(licence.type_code());
        let owner = seal.owner();
        if licence.issuer().code() == owner {
            return Ok(Placement::from_template(&template.seal));
        }
        let index = licence
            .co_issuers()
            .iter()
            .position(|c| c.code() == owner)
            .ok_or_else(|| SealPdfError::NotAnIssuer {
                owner: owner.to_string(),
            })?;
        let place =
            template
                .co_issuer_seals
                .get(index)
                .ok_or_else(|| SealPdfError::NoSealPlace {
                    owner: owner.to_string(),
                    index,
                    template: template.name.clone(),
                    places: template.co_issuer_seals.len(),
                })?;
        Ok(Placement::from_template(place))
    }

    /// The template's seal place, on page 1, at its diameter.
    #[cfg(feature = "render")]
    pub fn from_template(place: &crate::render::template::SealPlace) -> Placement {
        Placement::at(1, place.cx, place.cy).with_diameter_mm(place.diameter)
    }
}

/// The seal's width and height on the page, in millimetres: the picture's
/// registered size, or scaled to `diameter_mm` with its aspect kept.
///
/// # Errors
/// [`SealPdfError::SealSize`] for a diameter out of range.
pub(crate) fn placed_size(
    picture: &super::record::SealPicture,
    diameter_mm: Option<f32>,
) -> Result<(f32, f32), SealPdfError> {
    let (w, h) = (
        f32::from(picture.width_mm()),
        f32::from(picture.height_mm()),
    );
    let Some(d) = diameter_mm else {
        return Ok((w, h));
    };
    if !size_allowed(w, d, 0.0) {
        return Err(SealPdfError::SealSize {
            diameter_mm: d,
            registered_mm: w,
        });
    }
    Ok((d, h * d / w))
}

/// Whether a picture registered `registered` mm wide may be set `width` mm
/// wide, allowing `slack` mm for rounding: at its own size, or within the
/// diameter and scale limits.
pub(crate) fn size_allowed(registered: f32, width: f32, slack: f32) -> bool {
    if (width - registered).abs() <= slack {
        return true;
    }
    let scale = width / registered;
    let within = |v: f32, lo: f32, hi: f32, slack: f32| v >= lo - slack && v <= hi + slack;
    width.is_finite()
        && within(width, MIN_PLACED_DIAMETER_MM, MAX_PLACED_DIAMETER_MM, slack)
        && within(
            scale,
            MIN_PICTURE_SCALE,
            MAX_PICTURE_SCALE,
            slack / registered,
        )
}

/// A seal ready to be applied: the record, the signer's certificate chain and
/// the appearance prepared once, so that sealing many licences with one seal
/// only signs.
#[derive(Debug, Clone)]
pub struct PdfSealer {
    seal: SignedSeal,
    chain: Vec<x509_cert::Certificate>,
    signer: Certificate,
    appearance: write::Appearance,
}

impl PdfSealer {
    /// Prepares `seal` for the signer whose certificate is `chain[0]` (its
    /// intermediates may follow; they are carried in each signature).
    ///
    /// # Errors
    /// [`SealPdfError::SignerNotAllowed`] if the seal does not list the
    /// certificate, [`SealPdfError::Picture`] if its picture cannot be drawn.
    pub fn new(seal: SignedSeal, chain: &[Certificate]) -> Result<PdfSealer, SealPdfError> {
        use der::Decode;
        let signer = chain.first().ok_or(SealPdfError::NoCertificate)?.clone();
        if !seal.info().allows(&signer) {
            return Err(SealPdfError::SignerNotAllowed {
                seal_id: seal.info().id().to_owned(),
                subject: signer.display_name(),
            });
        }
        let chain = chain
            .iter()
            .map(|c| x509_cert::Certificate::from_der(c.der()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| SealPdfError::Certificate(e.to_string()))?;
        let appearance = write::Appearance::from_picture(seal.info().picture())?;
        Ok(PdfSealer {
            seal,
            chain,
            signer,
            appearance,
        })
    }

    /// As [`PdfSealer::new`], with the chain taken from a certificate
    /// bundle (PEM or one DER certificate) as [`crate::trust::chain_for_key`]
    /// takes it for `key` at `at`.
    ///
    /// # Errors
    /// [`SealPdfError::NoCertificate`] if no certificate in the bundle is
    /// for `key`; as [`PdfSealer::new`].
    pub fn from_bundle(
        seal: SignedSeal,
        bundle: &[u8],
        key: &crate::keys::PublicKey,
        at: UnixTime,
    ) -> Result<PdfSealer, SealPdfError> {
        let (certs, _) = crate::trust::parse_bundle(bundle);
        let chain =
            crate::trust::chain_for_key(&certs, key, at).ok_or(SealPdfError::NoCertificate)?;
        PdfSealer::new(seal, &chain)
    }

    /// The seal this sealer applies.
    pub fn seal(&self) -> &SignedSeal {
        &self.seal
    }

    /// Seals `pdf`: appends a revision with the seal's signature field, its
    /// appearance at `place` (moved along the row if seals are already
    /// there), and the signature by `key` at time `at`.
    ///
    /// # Errors
    /// [`SealPdfError::NotValidAt`] if the seal or the signer's certificate
    /// is not valid at `at` (such a seal would only ever be refused), and
    /// [`SealPdfError`] if the PDF cannot be read or updated, or the key does
    /// not match the certificate.
    pub fn apply(
        &self,
        pdf: &[u8],
        key: &dyn Signer,
        place: Placement,
        at: UnixTime,
    ) -> Result<Vec<u8>, SealPdfError> {
        let info = self.seal.info();
        if !info.is_valid_at(at) || at < info.created() {
            return Err(SealPdfError::NotValidAt {
                what: NotValidPart::Seal,
                at: at.to_rfc3339_utc(),
            });
        }
        if !self.signer.is_valid_at(at) {
            return Err(SealPdfError::NotValidAt {
                what: NotValidPart::SignerCertificate,
                at: at.to_rfc3339_utc(),
            });
        }
        self.apply_unchecked(pdf, key, place, at)
    }

    /// [`PdfSealer::apply`] without the validity checks, to make refused
    /// seals for tests and vectors. Not for use.
    #[doc(hidden)]
    pub fn apply_unchecked(
        &self,
        pdf: &[u8],
        key: &dyn Signer,
        place: Placement,
        at: UnixTime,
    ) -> Result<Vec<u8>, SealPdfError> {
        if key.public_key() != *self.signer.public_key() {
            return Err(SealPdfError::KeyMismatch);
        }
        if pdf.len() > MAX_PDF_LEN {
            return Err(SealPdfError::TooLarge { len: pdf.len() });
        }
        let doc = Document::read(pdf).map_err(SealPdfError::from_read)?;
        // What is sealed must be what the checker reads: the whole file,
        // strictly, with nothing after its last revision.
        let bodies = doc
            .bodies()
            .map_err(|e| SealPdfError::Parse(e.to_string()))?;
        if !doc.tail_is_white() {
            return Err(SealPdfError::Unsupported("bytes after the last %%EOF"));
        }
        let existing = bodies
            .iter()
            .filter(|body| body.iter().any(|o| is_signature_like(&o.object)))
            .count();
        let mut update = write::Update::new(pdf, &doc)?;
        let view = doc.latest();
        let pages = write::pages(&doc, view)?;
        let page_id = *pages
            .get(place.page.wrapping_sub(1))
            .ok_or(SealPdfError::NoSuchPage {
                page: place.page,
                pages: pages.len(),
            })?;
        let media_box = write::media_box(&doc, view, page_id)?;
        let on_page = |v: f32, max: f32| v.is_finite() && (0.0..=max).contains(&v);
        if !on_page(place.cx, media_box.width_mm()) || !on_page(place.cy, media_box.height_mm()) {
            return Err(SealPdfError::OffPage {
                cx: place.cx,
                cy: place.cy,
            });
        }
        if existing >= MAX_SEALS {
            return Err(SealPdfError::TooManySeals {
                count: existing + 1,
            });
        }
        let (w, h) = placed_size(self.seal.info().picture(), place.diameter_mm)?;
        let (x0, y1) = (media_box.x0 as f32, media_box.y1 as f32);
        // Joint issuers' seals each have their own place; only a seal put
        // where another already is moves along the row.
        let taken = seal_rects(&doc, view, page_id)?;
        let rect_at = |cx: f32| {
            write::round_rect([
                x0 + (cx - w / 2.0) * PT_PER_MM,
                y1 - (place.cy + h / 2.0) * PT_PER_MM,
                x0 + (cx + w / 2.0) * PT_PER_MM,
                y1 - (place.cy - h / 2.0) * PT_PER_MM,
            ])
        };
        let cx = (0..=taken.len())
            .map(|n| row_position(place.cx, w, n, media_box.width_mm()))
            .find(|&cx| {
                let rect = rect_at(cx);
                !taken.iter().any(|t| overlaps(&rect, t))
            })
            .unwrap_or(place.cx);
        let rect = rect_at(cx);
        let field_name = format!("Seal{}", existing + 1);
        let info = self.seal.info();
        let reason = match info.purpose() {
            Some(purpose) => format!("{} {purpose}", info.name()),
            None => info.name().to_owned(),
        };
        let (mut out, hole) = update.write_seal(write::SealObjects {
            page_id,
            rect,
            field_name: &field_name,
            signer_name: &self.signer.display_name(),
            reason: &reason,
            signed_at: at,
            record: self.seal.as_bytes(),
            appearance: &self.appearance,
        })?;
        self.sign_hole(&mut out, hole, key)?;
        Ok(out)
    }

    /// Signs the whole of `pdf` but the `/Contents` hole and writes the CMS
    /// into the hole.
    fn sign_hole(
        &self,
        pdf: &mut [u8],
        hole: std::ops::Range<usize>,
        key: &dyn Signer,
    ) -> Result<(), SealPdfError> {
        let digest = signed_digest(pdf, hole.start, hole.end, pdf.len());
        let signature = cms::sign(&digest, key, &self.chain).map_err(|e| match e {
            cms::BuildError::Der(e) => SealPdfError::Encoding(e.to_string()),
            cms::BuildError::Sign(e) => SealPdfError::Sign(e),
        })?;
        write::fill_hole(pdf, hole, &signature)
    }
}

impl PdfSealer {
    /// Signs a revision written by hand, as an attacker holding this
    /// sealer's key would: `pdf`'s last signature dictionary must hold
    /// `/ByteRange[0 ` and 32 spaces `]` and a `/Contents` hole of zeros, as
    /// the sealer writes them. Fills in the byte range and the CMS. For
    /// attack corpora and tests only: a real seal is [`PdfSealer::apply`].
    #[doc(hidden)]
    pub fn sign_prepared(
        &self,
        mut pdf: Vec<u8>,
        key: &dyn Signer,
    ) -> Result<Vec<u8>, SealPdfError> {
        let unprepared = SealPdfError::Unsupported("no prepared signature dictionary");
        let slot = pdf
            .windows(13)
            .rposition(|w| w == b"/ByteRange[0 ")
            .map(|at| at + 13)
            .ok_or(unprepared)?;
        let start = slot + write::BYTE_RANGE_SLOT + b"]/Contents".len();
        let hole = start..start + 2 * CONTENTS_LEN + 2;
        if pdf.get(hole.clone()).is_none() {
            return Err(SealPdfError::Unsupported(
                "no prepared signature dictionary",
            ));
        }
        let byte_range = format!(
            "{:<10} {:<10} {:<10}",
            hole.start,
            hole.end,
            pdf.len() - hole.end
        );
        if let Some(slot) = pdf.get_mut(slot..slot + write::BYTE_RANGE_SLOT) {
            slot.copy_from_slice(byte_range.as_bytes());
        }
        self.sign_hole(&mut pdf, hole, key)?;
        Ok(pdf)
    }
}

/// The rectangles (points: left, bottom, right, top) of the signature
/// widgets already on the page.
fn seal_rects(
    doc: &Document<'_>,
    view: usize,
    page: crate::pdf::ObjRef,
) -> Result<Vec<[f64; 4]>, SealPdfError> {
    let read = |e: PdfReadError| SealPdfError::Parse(e.to_string());
    let Some(page) = doc.get(view, page).map_err(read)? else {
        return Ok(Vec::new());
    };
    let Some(annots) = page.as_dict().and_then(|d| d.get(b"Annots")) else {
        return Ok(Vec::new());
    };
    let annots = doc.resolve(view, annots).map_err(read)?;
    let mut rects = Vec::new();
    for annot in annots.as_array().unwrap_or_default() {
        let annot = doc.resolve(view, annot).map_err(read)?;
        let Some(dict) = annot.as_dict().filter(|d| d.name(b"FT") == Some(b"Sig")) else {
            continue;
        };
        let values: Option<Vec<f64>> = dict
            .get(b"Rect")
            .and_then(Object::as_array)
            .and_then(|a| a.iter().map(Object::as_f64).collect());
        if let Some(&[a, b, c, d]) = values.as_deref() {
            rects.push([a.min(c), b.min(d), a.max(c), b.max(d)]);
        }
    }
    Ok(rects)
}

/// Whether two rectangles (left, bottom, right, top) share more than an
/// edge.
fn overlaps(a: &[f64; 4], b: &[f64; 4]) -> bool {
    let ([al, ab, ar, at], [bl, bb, br, bt]) = (*a, *b);
    al < br && bl < ar && ab < bt && bb < at
}

/// Where the `n`th seal (from 0) goes along the row through `cx`: to the
/// left of the ones before while it fits on the page, then to the right.
fn row_position(cx: f32, width: f32, n: usize, page_width: f32) -> f32 {
    let step = width + SEAL_GAP_MM;
    let n = n as f32;
    let left = cx - n * step;
    if left - width / 2.0 >= 0.0 {
        return left;
    }
    let fit_left = ((cx - width / 2.0) / step).floor().max(0.0);
    let right = cx + (n - fit_left) * step;
    if right + width / 2.0 <= page_width {
        right
    } else {
        cx
    }
}

// ---- checking -------------------------------------------------------------

/// Why one seal on a PDF does not hold. Each has a stable [`code`](Self::code).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SealCheckFailure {
    /// The /ByteRange is not the file minus exactly the /Contents hole, or
    /// does not end at the end of a revision.
    #[error("byte range {byte_range:?} does not cover its revision except /Contents: {detail}")]
    ByteRange {
        /// The range as found.
        byte_range: Vec<i64>,
        /// What is wrong with it.
        detail: &'static str,
    },
    /// The signature dictionary is not what a seal writes.
    #[error("signature dictionary: {detail}")]
    Dictionary {
        /// What is wrong.
        detail: &'static str,
    },
    /// The /Contents is not a well-formed detached SignedData.
    #[error("CMS signature is malformed: {detail}")]
    MalformedCms {
        /// What is wrong.
        detail: String,
    },
    /// An algorithm other than Ed25519 with SHA-512.
    #[error("unsupported algorithm {oid}")]
    UnsupportedAlgorithm {
        /// Its object identifier.
        oid: String,
    },
    /// A carried certificate cannot be parsed.
    #[error("certificate in the signature: {detail}")]
    BadCertificate {
        /// Why.
        detail: String,
    },
    /// The certificate the signer info names is not in the signature.
    #[error("the signer's certificate is not in the signature")]
    SignerCertificateMissing,
    /// The signing-certificate-v2 attribute names another certificate.
    #[error("signing-certificate-v2 does not match the signer's certificate")]
    SigningCertificateMismatch,
    /// The signed bytes' digest is not the one signed: the PDF was changed.
    #[error("the signed bytes were changed (message digest differs)")]
    DigestMismatch,
    /// The CMS signature does not verify.
    #[error("the signature does not verify")]
    BadSignature,
    /// The signer's certificate does not chain to a trusted root.
    #[error("signer not trusted: {failure}")]
    SignerUntrusted {
        /// Why.
        failure: TrustFailure,
    },
    /// The signer's chain was not valid when the seal was applied.
    #[error("the signer's certificate chain was not valid at {signed_at}")]
    SignerNotValidAtSigning {
        /// The signing time (/M).
        signed_at: String,
    },
    /// No seal record, or one that cannot be decoded.
    #[error("seal record: {detail}")]
    SealRecord {
        /// Why.
        detail: String,
    },
    /// The seal record's maker is not trusted, or its signature is bad.
    #[error("seal record not trusted: {failure}")]
    SealUntrusted {
        /// Why.
        failure: SealFailure,
    },
    /// The seal was not valid when it was applied.
    #[error("the seal is valid from {valid_from} to {valid_until}, not at {signed_at}")]
    SealNotValidAtSigning {
        /// The signing time.
        signed_at: String,
        /// The seal's first valid moment.
        valid_from: String,
        /// The seal's last valid moment.
        valid_until: String,
    },
    /// The seal does not list the signer's certificate.
    #[error("the seal does not allow {subject} to apply it")]
    SignerNotAllowed {
        /// The signer.
        subject: String,
    },
    /// A later revision changes more than adding seals does.
    #[error("changed after sealing: {detail}")]
    ChangedAfterSealing {
        /// What changed.
        detail: String,
    },
    /// The seal's own revision is not what a sealer writes (named object).
    #[error("the seal's revision is not a seal's: {detail}")]
    MalformedSealRevision {
        /// What is wrong.
        detail: String,
    },
    /// The seal's appearance is not its registered picture.
    #[error("the seal's appearance is not its picture: {detail}")]
    AppearanceMismatch {
        /// What differs.
        detail: String,
    },
    /// The signer belongs to another organisation than the seal's owner.
    #[error("the signer's authority {signer} is not the seal's owner {owner}")]
    OwnerMismatch {
        /// The signer certificate's authority code.
        signer: String,
        /// The seal's owner.
        owner: String,
    },
}

impl SealCheckFailure {
    /// A stable code for logs and the command line.
    pub fn code(&self) -> &'static str {
        match self {
            SealCheckFailure::ByteRange { .. } => "byte_range",
            SealCheckFailure::Dictionary { .. } => "bad_signature_dictionary",
            SealCheckFailure::MalformedCms { .. } => "malformed_cms",
            SealCheckFailure::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
            SealCheckFailure::BadCertificate { .. } => "bad_certificate",
            SealCheckFailure::SignerCertificateMissing => "signer_certificate_missing",
            SealCheckFailure::SigningCertificateMismatch => "signing_certificate_mismatch",
            SealCheckFailure::DigestMismatch => "digest_mismatch",
            SealCheckFailure::BadSignature => "bad_signature",
            SealCheckFailure::SignerUntrusted { .. } => "signer_untrusted",
            SealCheckFailure::SignerNotValidAtSigning { .. } => "signer_not_valid_at_signing",
            SealCheckFailure::SealRecord { .. } => "bad_seal_record",
            SealCheckFailure::SealUntrusted { .. } => "seal_untrusted",
            SealCheckFailure::SealNotValidAtSigning { .. } => "seal_not_valid_at_signing",
            SealCheckFailure::SignerNotAllowed { .. } => "signer_not_allowed",
            SealCheckFailure::OwnerMismatch { .. } => "owner_mismatch",
            SealCheckFailure::ChangedAfterSealing { .. } => "changed_after_sealing",
            SealCheckFailure::MalformedSealRevision { .. } => "malformed_seal_revision",
            SealCheckFailure::AppearanceMismatch { .. } => "appearance_mismatch",
        }
    }
}

/// One seal found on a PDF, with what checking it found.
#[derive(Debug, Clone)]
pub struct AppliedSeal {
    /// The signature field's name.
    pub field: String,
    /// The revision (from 0) that holds it.
    pub revision: usize,
    /// Bytes of the file this signature covers (its revision's end).
    pub covered_len: usize,
    /// The signing time the signature dictionary states (/M), if readable.
    pub signed_at: Option<UnixTime>,
    /// The seal record, if it could be decoded.
    pub seal: Option<SignedSeal>,
    /// The signer's certificate, if the CMS named one.
    pub signer: Option<Certificate>,
    /// Every certificate the signature carries, the signer's among them.
    /// They only complete this seal's own chain: [`PdfVerifier`] lets the
    /// signer of a valid seal of the licence's issuer sign the licence, and
    /// no other carried certificate.
    pub certificates: Vec<Certificate>,
    /// `Ok` if every check passed, else the first that failed.
    pub status: Result<(), SealCheckFailure>,
}

/// What checking a PDF's seals found.
#[derive(Debug, Clone)]
pub struct SealedPdf {
    /// The seals, in the order they were applied.
    pub seals: Vec<AppliedSeal>,
    /// The file's length.
    pub file_len: usize,
    /// Bytes after the last seal's revision that no seal covers: content
    /// added after sealing. Zero for a PDF left as sealed.
    pub unsealed_tail: usize,
}

impl SealedPdf {
    /// Whether the PDF has at least one seal, every seal holds, and nothing
    /// was added after the last one.
    pub fn is_intact(&self) -> bool {
        !self.seals.is_empty()
            && self.unsealed_tail == 0
            && self.seals.iter().all(|s| s.status.is_ok())
    }
}

/// Whether an object is, or holds, anything of a signature: a signature
/// or time-stamp dictionary, a signature field, or a byte range. Every such
/// object must belong to a seal that is checked, or the file is refused.
pub(crate) fn is_signature_like(object: &Object) -> bool {
    let mut found = false;
    object.walk(&mut |o| {
        if let Object::Dictionary(d) = o {
            found |= matches!(d.name(b"Type"), Some(b"Sig" | b"DocTimeStamp"))
                || d.name(b"FT") == Some(b"Sig")
                || d.has(b"ByteRange");
        }
    });
    if let Object::Stream(s) = object {
        found |= s.dict.has(b"ByteRange") || s.dict.name(b"FT") == Some(b"Sig");
    }
    found
}

/// Checks every seal on `pdf` against the roots (and intermediates) in
/// `store`: every revision that holds anything of a signature is a seal,
/// checked in full (see the module's policy). The licence envelope inside
/// is not judged here: [`PdfVerifier`] judges the licence and its seals
/// together.
///
/// # Errors
/// [`SealPdfError`] only if the file cannot be read as a PDF at all; a seal
/// that does not hold is an [`AppliedSeal::status`].
pub fn check_sealed_pdf(pdf: &[u8], store: &TrustStore) -> Result<SealedPdf, SealPdfError> {
    let doc = Document::read(pdf).map_err(SealPdfError::from_read)?;
    check_document(&doc, store)
}

fn check_document(doc: &Document<'_>, store: &TrustStore) -> Result<SealedPdf, SealPdfError> {
    let pdf = doc.bytes();
    let bodies = doc.bodies().map_err(SealPdfError::from_read)?;
    let seal_revisions: Vec<usize> = bodies
        .iter()
        .enumerate()
        .filter(|(_, body)| body.iter().any(|o| is_signature_like(&o.object)))
        .map(|(i, _)| i)
        .collect();
    if seal_revisions.len() > MAX_SEALS {
        return Err(SealPdfError::TooManySeals {
            count: seal_revisions.len(),
        });
    }
    let structures: Vec<Result<revision::SealRevision, SealCheckFailure>> = seal_revisions
        .iter()
        .map(|&r| revision::check(doc, bodies.get(r).map_or(&[], Vec::as_slice), r))
        .collect();
    let last = seal_revisions.last().copied().unwrap_or(0);
    let mut seals = Vec::with_capacity(seal_revisions.len());
    for (&r, structure) in seal_revisions.iter().zip(&structures) {
        let mut seal = AppliedSeal {
            field: String::new(),
            revision: r,
            covered_len: 0,
            signed_at: None,
            seal: None,
            signer: None,
            certificates: Vec::new(),
            status: Ok(()),
        };
        seal.status = match structure {
            Err(failure) => Err(failure.clone()),
            Ok(structure) => {
                seal.field = crate::pdf::text_from_pdf(&structure.field_name);
                check_steps(doc, r, structure, store, &mut seal)
            }
        };
        // A seal that others follow: every later revision up to the last
        // seal must itself be a well-formed seal revision.
        if seal.status.is_ok() {
            for q in r + 1..=last {
                let detail = match seal_revisions.iter().position(|&x| x == q) {
                    None => Some(format!("revision {q} is not a seal")),
                    Some(k) => match structures.get(k) {
                        Some(Err(failure)) => Some(format!("revision {q}: {failure}")),
                        _ => None,
                    },
                };
                if let Some(detail) = detail {
                    seal.status = Err(SealCheckFailure::ChangedAfterSealing { detail });
                    break;
                }
            }
        }
        seals.push(seal);
    }
    let covered = seals
        .iter()
        .filter(|s| {
            !matches!(
                s.status,
                Err(SealCheckFailure::ByteRange { .. }
                    | SealCheckFailure::Dictionary { .. }
                    | SealCheckFailure::MalformedSealRevision { .. })
            )
        })
        .map(|s| s.covered_len)
        .max()
        .unwrap_or(0);
    Ok(SealedPdf {
        seals,
        file_len: pdf.len(),
        unsealed_tail: pdf.len().saturating_sub(covered),
    })
}

fn check_steps(
    doc: &Document<'_>,
    index: usize,
    structure: &revision::SealRevision,
    store: &TrustStore,
    seal: &mut AppliedSeal,
) -> Result<(), SealCheckFailure> {
    let pdf = doc.bytes();
    let dict = structure
        .signature
        .as_dict()
        .ok_or(SealCheckFailure::Dictionary {
            detail: "not a dictionary",
        })?;
    let bad_dict = |detail| SealCheckFailure::Dictionary { detail };
    if dict.name(b"SubFilter") != Some(b"ETSI.CAdES.detached") {
        return Err(bad_dict("/SubFilter is not /ETSI.CAdES.detached"));
    }
    let byte_range: Vec<i64> = dict
        .get(b"ByteRange")
        .and_then(Object::as_array)
        .ok_or(bad_dict("no /ByteRange"))?
        .iter()
        .map(|o| o.as_i64().unwrap_or(-1))
        .collect();
    let contents = dict
        .get(b"Contents")
        .and_then(Object::as_string)
        .ok_or(bad_dict("/Contents is not a string"))?;
    let revision = doc
        .revisions()
        .get(index)
        .ok_or(bad_dict("no such revision"))?;
    let own = OwnPlace {
        object_start: structure.signature_offset,
        section_start: revision.xref_offset,
        revision_end: revision.end,
    };
    let hole = check_byte_range(pdf, own, &byte_range, contents)?;
    seal.covered_len = hole.2;
    seal.signed_at = dict
        .get(b"M")
        .and_then(Object::as_string)
        .and_then(parse_pdf_date);
    let signed_at = seal
        .signed_at
        .ok_or(bad_dict("no readable signing time /M"))?;

    let digest = signed_digest(pdf, hole.0, hole.1, hole.2);
    let checked = cms::check(contents, &digest)?;
    seal.signer = Some(checked.signer.clone());
    seal.certificates.clone_from(&checked.carried);

    let record = dict
        .get(SEAL_KEY)
        .and_then(Object::as_string)
        .ok_or_else(|| SealCheckFailure::SealRecord {
            detail: "no /ElicenceSeal string in the signature dictionary".into(),
        })?;
    let record = SignedSeal::from_slice(record).map_err(|e| SealCheckFailure::SealRecord {
        detail: e.to_string(),
    })?;
    seal.seal = Some(record.clone());
    revision::check_picture(doc, index, structure, record.info().picture())?;

    // PDF seal signatures are the authority's, made with its document signer.
    let signer = store.certify(
        crate::trust::CertRole::DocumentSigner,
        &checked.signer,
        &checked.carried,
    );
    if let Some(failure) = signer.failure() {
        return Err(SealCheckFailure::SignerUntrusted {
            failure: failure.clone(),
        });
    }
    if !signer.valid_at(signed_at) {
        return Err(SealCheckFailure::SignerNotValidAtSigning {
            signed_at: signed_at.to_rfc3339_utc(),
        });
    }
    record
        .verify(store)
        .map_err(|failure| SealCheckFailure::SealUntrusted { failure })?;
    let info = record.info();
    if !info.is_valid_at(signed_at) || signed_at < info.created() {
        return Err(SealCheckFailure::SealNotValidAtSigning {
            signed_at: signed_at.to_rfc3339_utc(),
            valid_from: info.valid_from().to_rfc3339_utc(),
            valid_until: info.valid_until().to_rfc3339_utc(),
        });
    }
    if !info.allows(&checked.signer) {
        return Err(SealCheckFailure::SignerNotAllowed {
            subject: checked.signer.display_name(),
        });
    }
    let authority = checked.signer.authority_code();
    if authority != Some(info.owner()) {
        return Err(SealCheckFailure::OwnerMismatch {
            signer: authority.map(ToString::to_string).unwrap_or_default(),
            owner: info.owner().to_string(),
        });
    }
    Ok(())
}

/// SHA-512 of the two byte ranges `[0, hole_start)` and `[hole_end, end)`:
/// what a seal's CMS signs, for the sealer and the checker alike.
fn signed_digest(pdf: &[u8], hole_start: usize, hole_end: usize, end: usize) -> [u8; 64] {
    let mut h = Sha512::new();
    h.update(pdf.get(..hole_start).unwrap_or_default());
    h.update(pdf.get(hole_end..end).unwrap_or_default());
    h.finalize().into()
}

/// Where a signature dictionary stands: its object's start, its
/// revision's cross-reference section and end.
#[derive(Debug, Clone, Copy)]
struct OwnPlace {
    object_start: usize,
    section_start: usize,
    revision_end: usize,
}

/// Checks `[0, a, b, len]`: the range starts at 0, the hole between is
/// exactly `<hex of contents>` inside the signature's own object, and it
/// ends where the signature's own revision ends. Returns (hole start, hole
/// end, covered end).
fn check_byte_range(
    pdf: &[u8],
    own: OwnPlace,
    byte_range: &[i64],
    contents: &[u8],
) -> Result<(usize, usize, usize), SealCheckFailure> {
    let fail = |detail| SealCheckFailure::ByteRange {
        byte_range: byte_range.to_vec(),
        detail,
    };
    let &[start, first_len, second_start, second_len] = byte_range else {
        return Err(fail("not four integers"));
    };
    let as_usize = |n: i64| usize::try_from(n).map_err(|_| fail("negative or too large"));
    let (start, first_len, second_start, second_len) = (
        as_usize(start)?,
        as_usize(first_len)?,
        as_usize(second_start)?,
        as_usize(second_len)?,
    );
    if start != 0 {
        return Err(fail("does not start at the beginning of the file"));
    }
    let end = second_start
        .checked_add(second_len)
        .filter(|&end| end <= pdf.len())
        .ok_or(fail("runs past the end of the file"))?;
    let hole = pdf
        .get(first_len..second_start)
        .filter(|h| h.len() >= 2)
        .ok_or(fail("the hole is not inside the file"))?;
    let hex = match hole {
        [b'<', hex @ .., b'>'] => hex,
        _ => return Err(fail("the hole is not exactly the /Contents hex string")),
    };
    if hex.len() != contents.len() * 2
        || hex
            .chunks_exact(2)
            .zip(contents)
            .any(|(pair, &byte)| hex_byte(pair) != Some(byte))
    {
        return Err(fail("the hole is not exactly the /Contents hex string"));
    }
    if end != own.revision_end {
        return Err(fail("does not end where the signature's revision ends"));
    }
    if first_len <= own.object_start || second_start > own.section_start {
        return Err(fail("the hole is not inside the signature dictionary"));
    }
    Ok((first_len, second_start, end))
}

fn hex_byte(pair: &[u8]) -> Option<u8> {
    let digit = |c: u8| (c as char).to_digit(16);
    match pair {
        [hi, lo] => Some(u8::try_from(digit(*hi)? * 16 + digit(*lo)?).ok()?),
        _ => None,
    }
}

/// A PDF date (ISO 32000 §7.9.4) with at least seconds and a time zone,
/// `D:YYYYMMDDHHmmSSZ` or `D:YYYYMMDDHHmmSS+HH'mm'`.
fn parse_pdf_date(raw: &[u8]) -> Option<UnixTime> {
    let text = std::str::from_utf8(raw).ok()?;
    let digits = text.strip_prefix("D:")?;
    let (fields, zone) = (digits.get(..14)?, digits.get(14..)?);
    if !fields.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let zone = match zone {
        "Z" | "Z00'00'" | "Z00'00" => "Z".to_owned(),
        z => {
            let (sign, rest) = z.split_at_checked(1)?;
            let rest = rest.trim_end_matches('\'');
            let (hh, mm) = rest.split_once('\'')?;
            if !matches!(sign, "+" | "-") || hh.len() != 2 || mm.len() != 2 {
                return None;
            }
            format!("{sign}{hh}:{mm}")
        }
    };
    let rfc3339 = format!(
        "{}-{}-{}T{}:{}:{}{zone}",
        fields.get(0..4)?,
        fields.get(4..6)?,
        fields.get(6..8)?,
        fields.get(8..10)?,
        fields.get(10..12)?,
        fields.get(12..14)?,
    );
    UnixTime::parse_rfc3339(&rfc3339).ok()
}

/// `D:YYYYMMDDHHmmSSZ`.
fn pdf_date(at: UnixTime) -> String {
    let rfc = at.to_rfc3339_utc();
    let digits: String = rfc.chars().filter(char::is_ascii_digit).take(14).collect();
    format!("D:{digits}Z")
}

#[cfg(test)]
mod tests;
