//! The seal-revision rule: a revision that holds anything of a signature
//! must be exactly what [`PdfSealer`](super::PdfSealer) writes, checked by
//! structure, never by type tags. Its trailer keeps the file's `/Root`,
//! `/Info` and `/ID`; its cross-reference section (of the file's kind)
//! lists exactly the objects written in it, all plain, none freed; it adds
//! one widget-and-field, one signature dictionary and one appearance (form,
//! image, soft mask) whose every key is the sealer's; and the only objects
//! it changes are the page's `/Annots`, the catalog's `/AcroForm` and the
//! form's `/Fields`, each by appending that one widget. Anything else is
//! named in the failure.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::write::{Planes, appearance_objects, widget_dictionary};
use super::{PT_PER_MM, SealCheckFailure};
use crate::pdf::{BodyObject, Dictionary, Document, Entry, ObjRef, Object, XrefKind};
use crate::seal::record::SealPicture;

/// A seal's own revision, as the rule found it.
#[derive(Debug, Clone)]
pub(crate) struct SealRevision {
    pub field_name: Vec<u8>,
    pub signature: Rc<Object>,
    pub signature_offset: usize,
    pub image: ObjRef,
    pub mask: ObjRef,
    /// Width and height of the widget, in points.
    pub size: (f64, f64),
}

fn malformed(detail: String) -> SealCheckFailure {
    SealCheckFailure::MalformedSealRevision { detail }
}

fn appearance(detail: String) -> SealCheckFailure {
    SealCheckFailure::AppearanceMismatch { detail }
}

fn read_error(e: crate::pdf::PdfReadError) -> SealCheckFailure {
    malformed(e.to_string())
}

/// Whether `new` is `old` with `item` appended (an absent array counts as
/// empty).
fn appended(old: Option<&Object>, new: Option<&Object>, item: ObjRef) -> bool {
    let old: &[Object] = match old {
        None => &[],
        Some(Object::Array(items)) => items,
        Some(_) => return false,
    };
    match new {
        Some(Object::Array(items)) => {
            items.len() == old.len() + 1
                && items.starts_with(old)
                && items.last() == Some(&Object::Reference(item))
        }
        _ => false,
    }
}

/// Whether `new` is the form dictionary `old` (absent: none) with the
/// widget appended to a direct `/Fields` and `/SigFlags 3`.
fn form_appended(old: Option<&Dictionary>, new: &Dictionary, widget: ObjRef) -> bool {
    let empty = Dictionary::default();
    let old = old.unwrap_or(&empty);
    let fields_direct = !matches!(old.get(b"Fields"), Some(Object::Reference(_)));
    new.same_except(old, &[b"Fields", b"SigFlags"])
        && new.get(b"SigFlags") == Some(&Object::Integer(3))
        && if fields_direct {
            appended(old.get(b"Fields"), new.get(b"Fields"), widget)
        } else {
            new.get(b"Fields") == old.get(b"Fields")
        }
}

/// Checks revision `index` (whose body is `body`) against the rule.
pub(crate) fn check(
    doc: &Document<'_>,
    body: &[BodyObject],
    index: usize,
) -> Result<SealRevision, SealCheckFailure> {
    if index == 0 {
        return Err(malformed(
            "the original revision holds signature objects".into(),
        ));
    }
    let p = index - 1;
    let (Some(revision), Some(previous)) = (doc.revisions().get(index), doc.revisions().get(p))
    else {
        return Err(malformed("no such revision".into()));
    };

    // The trailer.
    if revision.kind != previous.kind {
        return Err(malformed(
            "its cross-reference section is of another kind than the revision before".into(),
        ));
    }
    let allowed: &[&[u8]] = match revision.kind {
        XrefKind::Table => &[b"Size", b"Root", b"Info", b"ID", b"Prev"],
        XrefKind::Stream => &[
            b"Size", b"Root", b"Info", b"ID", b"Prev", b"Type", b"W", b"Index", b"Length",
        ],
    };
    if let Some(key) = revision.trailer.keys().find(|k| !allowed.contains(k)) {
        return Err(malformed(format!(
            "its trailer adds /{}",
            String::from_utf8_lossy(key)
        )));
    }
    for key in [b"Root".as_slice(), b"Info", b"ID"] {
        if revision.trailer.get(key) != previous.trailer.get(key) {
            return Err(malformed(format!(
                "its trailer changes /{}",
                String::from_utf8_lossy(key)
            )));
        }
    }
    if revision.trailer.get(b"Prev").and_then(Object::as_i64)
        != i64::try_from(previous.xref_offset).ok()
    {
        return Err(malformed(
            "its /Prev is not the revision before's section".into(),
        ));
    }

    // The cross-reference section lists exactly the objects written here.
    for (&number, entry) in &revision.entries {
        let own = matches!(entry, Entry::InUse { offset, .. }
            if *offset >= revision.start && *offset <= revision.xref_offset);
        if !own {
            return Err(malformed(format!(
                "its cross-reference entry for object {number} is not an object written in it"
            )));
        }
    }
    let mut new: BTreeMap<u32, &BodyObject> = BTreeMap::new();
    let mut changed: Vec<&BodyObject> = Vec::new();
    for object in body {
        if object.in_stream.is_some() {
            return Err(malformed(format!(
                "object {} is in an object stream",
                object.id
            )));
        }
        let listed = revision.entries.get(&object.id.number)
            == Some(&Entry::InUse {
                offset: object.offset,
                generation: object.id.generation,
            });
        if !listed {
            return Err(malformed(format!(
                "object {} is written but not listed in the cross-reference section",
                object.id
            )));
        }
        match doc.entry(p, object.id.number) {
            Some((_, Entry::InUse { .. } | Entry::Compressed { .. })) => changed.push(object),
            _ => {
                new.insert(object.id.number, object);
            }
        }
    }
    if new.len() != 5 {
        return Err(malformed(format!(
            "it adds {} objects; a seal adds 5 (widget, signature, form, image, mask)",
            new.len()
        )));
    }

    // The new objects.
    let dicts: Vec<&BodyObject> = new
        .values()
        .copied()
        .filter(|o| matches!(*o.object, Object::Dictionary(_)))
        .collect();
    let signature = dicts
        .iter()
        .find(|o| o.object.as_dict().and_then(|d| d.name(b"Type")) == Some(b"Sig"))
        .ok_or_else(|| malformed("it adds no signature dictionary".into()))?;
    let widget = dicts
        .iter()
        .find(|o| o.id != signature.id)
        .ok_or_else(|| malformed("it adds no widget".into()))?;
    let signature_dict = signature.object.as_dict().unwrap_or(&EMPTY);
    if !signature_dict.has_exactly(&[
        b"Type",
        b"Filter",
        b"SubFilter",
        b"M",
        b"Name",
        b"Reason",
        super::SEAL_KEY,
        b"ByteRange",
        b"Contents",
    ]) || signature_dict.name(b"Filter") != Some(b"Adobe.PPKLite")
    {
        return Err(malformed(format!(
            "signature dictionary {} has keys other than a seal's",
            signature.id
        )));
    }
    let widget_dict = widget.object.as_dict().unwrap_or(&EMPTY);
    let rect: Option<Vec<f64>> = widget_dict
        .get(b"Rect")
        .and_then(Object::as_array)
        .and_then(|a| a.iter().map(Object::as_f64).collect());
    let (Some(&[x0, y0, x1, y1]), Some(field_name), Some(page), Some(form)) = (
        rect.as_deref(),
        widget_dict.get(b"T").filter(|t| t.as_string().is_some()),
        widget_dict.get(b"P").and_then(Object::as_reference),
        widget_dict
            .get(b"AP")
            .and_then(Object::as_dict)
            .and_then(|ap| ap.get(b"N"))
            .and_then(Object::as_reference),
    ) else {
        return Err(malformed(format!(
            "widget {} lacks a seal widget's /Rect, /T, /P or /AP",
            widget.id
        )));
    };
    let expected = widget_dictionary(
        field_name.clone(),
        signature.id,
        [x0, y0, x1, y1],
        page,
        form,
    );
    if !widget_dict.same_except(&expected, &[]) {
        return Err(malformed(format!(
            "widget {} is not a seal widget (other keys, flags or values)",
            widget.id
        )));
    }
    let (width, height) = (x1 - x0, y1 - y0);
    if !(width > 0.0 && height > 0.0) {
        return Err(appearance(format!(
            "widget {} has an empty /Rect",
            widget.id
        )));
    }
    let pages = super::write::pages(doc, p).map_err(|e| malformed(e.to_string()))?;
    if !pages.contains(&page) {
        return Err(malformed(format!(
            "widget {} names {page}, which is not a page",
            widget.id
        )));
    }

    // The appearance: exactly the sealer's form, image and mask.
    let stream = |id: ObjRef| {
        new.get(&id.number)
            .filter(|o| o.id == id)
            .and_then(|o| o.object.as_stream())
            .ok_or_else(|| appearance(format!("{id} is not a stream the seal adds")))
    };
    let form_stream = stream(form)?;
    let image = form_stream
        .dict
        .get(b"Resources")
        .and_then(Object::as_dict)
        .and_then(|r| r.get(b"XObject"))
        .and_then(Object::as_dict)
        .and_then(|x| x.get(b"Seal"))
        .and_then(Object::as_reference)
        .ok_or_else(|| appearance(format!("form {form} does not draw a seal image")))?;
    let image_stream = stream(image)?;
    let mask = image_stream
        .dict
        .get(b"SMask")
        .and_then(Object::as_reference)
        .ok_or_else(|| appearance(format!("image {image} has no soft mask")))?;
    let mask_stream = stream(mask)?;
    let pixels = |key: &[u8]| {
        image_stream
            .dict
            .get(key)
            .and_then(Object::as_i64)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| {
                appearance(format!(
                    "image {image} has no /{}",
                    String::from_utf8_lossy(key)
                ))
            })
    };
    // The sealer writes a one-ink picture's planes row-filtered, any
    // other plainly; each form is checked exactly, and both decode to the
    // picture's planes (`check_picture`).
    let predicted = mask_stream.dict.has(b"DecodeParms");
    let parts = appearance_objects(
        pixels(b"Width")?,
        pixels(b"Height")?,
        width,
        height,
        mask,
        image,
        predicted,
    );
    if !form_stream.dict.same_except(&parts.form, &[b"Length"])
        || doc.raw_data(form_stream) != parts.content.as_slice()
    {
        return Err(appearance(format!(
            "form {form} is not the seal's appearance (it draws something else)"
        )));
    }
    if !image_stream.dict.same_except(&parts.image, &[b"Length"])
        || !mask_stream.dict.same_except(&parts.mask, &[b"Length"])
    {
        return Err(appearance(format!(
            "image {image} or mask {mask} is not the seal picture's"
        )));
    }

    // The changed objects: only the widget appended where it belongs.
    let catalog_ref = previous
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .ok_or_else(|| malformed("no /Root".into()))?;
    let old = |id: ObjRef| -> Result<Rc<Object>, SealCheckFailure> {
        doc.get(p, id)
            .map_err(read_error)?
            .ok_or_else(|| malformed(format!("{id} is missing before")))
    };
    let old_catalog = old(catalog_ref)?;
    let old_catalog = old_catalog.as_dict().unwrap_or(&EMPTY);
    let old_page = old(page)?;
    let old_page = old_page.as_dict().unwrap_or(&EMPTY);
    let annots_ref = old_page.get(b"Annots").and_then(Object::as_reference);
    let form_ref = old_catalog.get(b"AcroForm").and_then(Object::as_reference);
    let old_form = match old_catalog.get(b"AcroForm") {
        Some(value) => Some(doc.resolve(p, value).map_err(read_error)?),
        None => None,
    };
    let old_form = old_form.as_deref().and_then(Object::as_dict);
    let fields_ref = old_form
        .and_then(|f| f.get(b"Fields"))
        .and_then(Object::as_reference);
    let mut annotated = false;
    let mut listed = false;
    for object in changed {
        let id = object.id;
        let before = old(id)?;
        let ok = match (&*before, &*object.object) {
            // Written again unchanged: nothing a viewer could see differs.
            (b, a) if b == a && !matches!(a, Object::Stream(_)) => true,
            (Object::Dictionary(b), Object::Dictionary(a))
                if id == page && annots_ref.is_none() =>
            {
                annotated = true;
                a.same_except(b, &[b"Annots"])
                    && appended(b.get(b"Annots"), a.get(b"Annots"), widget.id)
            }
            (Object::Array(_), Object::Array(_)) if Some(id) == annots_ref => {
                annotated = true;
                appended(Some(&before), Some(&object.object), widget.id)
            }
            (Object::Dictionary(b), Object::Dictionary(a))
                if id == catalog_ref && form_ref.is_none() =>
            {
                // With an indirect /Fields, the widget is listed when that
                // array changes, whatever the order of the objects.
                listed |= fields_ref.is_none();
                a.same_except(b, &[b"AcroForm"])
                    && matches!(a.get(b"AcroForm"), Some(Object::Dictionary(new_form))
                        if form_appended(old_form, new_form, widget.id))
            }
            (Object::Dictionary(b), Object::Dictionary(a)) if Some(id) == form_ref => {
                listed |= fields_ref.is_none();
                form_appended(Some(b), a, widget.id)
            }
            (Object::Array(_), Object::Array(_)) if Some(id) == fields_ref => {
                listed = true;
                appended(Some(&before), Some(&object.object), widget.id)
            }
            _ => false,
        };
        if !ok {
            return Err(malformed(format!(
                "object {id} changed beyond adding the seal's widget"
            )));
        }
    }
    if !annotated || !listed {
        return Err(malformed(
            "the widget is not added to both the page's /Annots and the form's /Fields".into(),
        ));
    }
    Ok(SealRevision {
        field_name: field_name.as_string().unwrap_or_default().to_vec(),
        signature: signature.object.clone(),
        signature_offset: signature.offset,
        image,
        mask,
        size: (width, height),
    })
}

static EMPTY: Dictionary = Dictionary {
    entries: Vec::new(),
};

/// Checks that the appearance's image and mask are the seal record's own
/// picture, pixel for pixel, at the picture's size on the page or scaled
/// as the sealer scales it.
pub(crate) fn check_picture(
    doc: &Document<'_>,
    index: usize,
    revision: &SealRevision,
    picture: &SealPicture,
) -> Result<(), SealCheckFailure> {
    let planes = Planes::from_picture(picture)
        .map_err(|e| appearance(format!("the seal picture cannot be decoded: {e}")))?;
    let (want_w, want_h) = (
        f64::from(picture.width_mm()) * f64::from(PT_PER_MM),
        f64::from(picture.height_mm()) * f64::from(PT_PER_MM),
    );
    // The sealer scales the picture to the template's diameter, its aspect
    // kept, within the limits it refuses beyond; the rectangle is rounded
    // to hundredths of a point.
    let scale = revision.size.0 / want_w;
    let width_mm = (revision.size.0 / f64::from(PT_PER_MM)) as f32;
    if (revision.size.1 - want_h * scale).abs() > 0.05
        || !super::size_allowed(f32::from(picture.width_mm()), width_mm, 0.02)
    {
        return Err(appearance(format!(
            "the widget is {:.2} × {:.2} pt; the seal picture is {want_w:.2} × {want_h:.2}, \
             scaled by {}..={} with its aspect kept",
            revision.size.0,
            revision.size.1,
            super::MIN_PICTURE_SCALE,
            super::MAX_PICTURE_SCALE,
        )));
    }
    let plane = |id: ObjRef, expected: &[u8], what: &str| -> Result<(), SealCheckFailure> {
        let object = doc
            .get(index, id)
            .map_err(read_error)?
            .ok_or_else(|| appearance(format!("{what} {id} is missing")))?;
        let stream = object
            .as_stream()
            .ok_or_else(|| appearance(format!("{what} {id} is not a stream")))?;
        // Row-filtered data inflates to a filter byte more a row.
        let filters = if stream.dict.has(b"DecodeParms") {
            planes.height_px as usize
        } else {
            0
        };
        let data = doc
            .decode_limited(stream, expected.len() + filters)
            .map_err(|e| appearance(format!("{what} {id}: {e}")))?;
        if data != expected {
            return Err(appearance(format!(
                "{what} {id} is not the seal record's picture"
            )));
        }
        Ok(())
    };
    let image = doc
        .get(index, revision.image)
        .map_err(read_error)?
        .and_then(|o| o.as_dict().cloned())
        .unwrap_or_default();
    if image.get(b"Width").and_then(Object::as_i64) != Some(i64::from(planes.width_px))
        || image.get(b"Height").and_then(Object::as_i64) != Some(i64::from(planes.height_px))
    {
        return Err(appearance(format!(
            "image {} is not the seal picture's size",
            revision.image
        )));
    }
    plane(revision.image, &planes.rgb, "image")?;
    plane(revision.mask, &planes.alpha, "mask")
}
