//! Fallback faces from a font database: which faces to try, in which order,
//! and which of them to keep.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Font, FontBytes, FontError, FontSet, FontSource, read_font_file};

/// What [`FontSet::push_system_fonts`] or [`FontSet::push_fonts_in_dirs`]
/// did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FallbackReport {
    /// The faces added, in the order they are tried: file and face index.
    pub added: Vec<(PathBuf, u32)>,
    /// The faces that could not be used, with the reason.
    pub skipped: Vec<SkippedFont>,
}

/// A face that a font database listed but that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SkippedFont {
    /// The file.
    pub path: PathBuf,
    /// The face index in the file.
    pub index: u32,
    /// Why it was skipped.
    pub error: FontError,
}

/// A face the database found, with its place in the order faces are tried.
struct Candidate<'a> {
    path: &'a Path,
    index: u32,
    /// Smaller is tried first.
    rank: u8,
}

/// Song (serif) faces first, since licences and seals are set in Song and
/// the embedded face is one; among those, faces made for Simplified Chinese
/// first, since their glyph shapes follow the mainland standard.
fn rank(face: &fontdb::FaceInfo) -> u8 {
    let names = || {
        face.families
            .iter()
            .map(|(name, _)| name.as_str())
            .chain(std::iter::once(face.post_script_name.as_str()))
    };
    let any = |needles: &[&str]| names().any(|name| needles.iter().any(|n| name.contains(n)));
    let serif = any(&[
        "Serif", "serif", "Song", "song", "Ming", "Mincho", "宋", "明",
    ]);
    let simplified = any(&[
        " SC",
        "CJKsc",
        "SC-",
        "GB",
        "CN",
        "Simplified",
        "SimSun",
        "简",
    ]);
    u8::from(!serif) * 2 + u8::from(!simplified)
}

/// The regular upright faces of `db` that are files, in the order they are
/// tried. The database lists files in directory order, which differs
/// between machines: the path breaks ties so the order does not.
fn candidates(db: &fontdb::Database) -> Vec<Candidate<'_>> {
    let mut found: Vec<Candidate<'_>> = db
        .faces()
        .filter(|face| {
            face.style == fontdb::Style::Normal
                && face.weight == fontdb::Weight::NORMAL
                && face.stretch == fontdb::Stretch::Normal
                && !face.monospaced
        })
        .filter_map(|face| match &face.source {
            fontdb::Source::File(path) | fontdb::Source::SharedFile(path, _) => Some(Candidate {
                path: path.as_path(),
                index: face.index,
                rank: rank(face),
            }),
            fontdb::Source::Binary(_) => None,
        })
        .collect();
    found.sort_by(|a, b| (a.rank, a.path, a.index).cmp(&(b.rank, b.path, b.index)));
    found.dedup_by(|a, b| a.path == b.path && a.index == b.index);
    found
}

/// Adds to `set`, in order, each candidate face of `db` that has a
/// character the faces before it lack.
pub(super) fn push_covering(
    set: &mut FontSet,
    db: &fontdb::Database,
    source: fn(PathBuf) -> FontSource,
) -> FallbackReport {
    let candidates = candidates(db);
    // A collection's faces may be far apart in the order: read each file
    // once, and let go of its bytes after its last face unless a face kept
    // them.
    let mut faces_left: HashMap<&Path, usize> = HashMap::new();
    for candidate in &candidates {
        *faces_left.entry(candidate.path).or_default() += 1;
    }
    let mut files: HashMap<&Path, Result<Arc<[u8]>, FontError>> = HashMap::new();
    let mut report = FallbackReport::default();
    // Looking each of a CJK face's tens of thousands of characters up in
    // every face before it would cost seconds in a debug build: one set of
    // what the faces so far draw answers the same question.
    let mut covered = HashSet::new();
    for font in &set.fonts {
        cover(&mut covered, font);
    }
    for Candidate { path, index, .. } in candidates {
        let bytes = files
            .entry(path)
            .or_insert_with(|| read_font_file(path))
            .clone();
        if let Some(left) = faces_left.get_mut(path) {
            *left = left.saturating_sub(1);
            if *left == 0 {
                files.remove(path);
            }
        }
        let font = bytes.and_then(|bytes| {
            Font::parse(FontBytes::Shared(bytes), index, source(path.to_path_buf()))
        });
        match font {
            Ok(font) if adds_to(&covered, &font) => {
                cover(&mut covered, &font);
                set.fonts.push(font);
                report.added.push((path.to_path_buf(), index));
            }
            Ok(_) => {}
            Err(error) => report.skipped.push(SkippedFont {
                path: path.to_path_buf(),
                index,
                error,
            }),
        }
    }
    report
}

/// Calls `visit` with the Unicode code points of `font`'s character map
/// (and the subtable mapping it) until it returns `true`; returns whether it
/// did.
fn any_code_point(
    font: &Font,
    mut visit: impl FnMut(u32, &ttf_parser::cmap::Subtable<'_>) -> bool,
) -> bool {
    let Some(face) = font.face() else {
        return false;
    };
    let Some(cmap) = face.tables().cmap else {
        return false;
    };
    cmap.subtables
        .into_iter()
        .filter(|subtable| subtable.is_unicode())
        .any(|subtable| {
            let mut found = false;
            subtable.codepoints(|code| found = found || visit(code, &subtable));
            found
        })
}

/// Whether `code` is a character drawn as a glyph (not whitespace, not a
/// control character: those never make a face worth adding) that `subtable`
/// maps to a real glyph, not `.notdef`.
fn draws(code: u32, subtable: &ttf_parser::cmap::Subtable<'_>) -> bool {
    char::from_u32(code).is_some_and(|ch| !ch.is_whitespace() && !ch.is_control())
        && subtable.glyph_index(code).is_some_and(|g| g.0 != 0)
}

/// Whether `font` draws a character outside `covered`.
fn adds_to(covered: &HashSet<u32>, font: &Font) -> bool {
    // The set first: it answers most look-ups, and more cheaply.
    any_code_point(font, |code, subtable| {
        !covered.contains(&code) && draws(code, subtable)
    })
}

/// Adds the code points `font` draws to `covered`.
fn cover(covered: &mut HashSet<u32>, font: &Font) {
    any_code_point(font, |code, subtable| {
        if draws(code, subtable) {
            covered.insert(code);
        }
        false
    });
}
