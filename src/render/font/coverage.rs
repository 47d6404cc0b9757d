//! The text a licence puts on its page, by field, checked against the faces
//! before layout so that one error names every character no face has.

use super::{FontSet, MissingGlyphs};
use crate::licence::Licence;
use crate::render::scene;
use crate::render::template::{Source, Template};

/// Checks every text that `template` draws for `licence`, named as layout
/// names them (`texts[0]`, `holder.name`, `label of holder.name`,
/// `face:地址`, `seal.name`, ...). `generated_seal` says whether the seal
/// is drawn from the issuer's name (no seal picture was supplied).
///
/// Values the template cannot place are left to layout, which refuses them
/// with their own errors.
///
/// # Errors
/// [`MissingGlyphs`] listing every character no face has, with its field.
pub(crate) fn check_licence(
    fonts: &FontSet,
    licence: &Licence,
    template: &Template,
    generated_seal: bool,
) -> Result<(), MissingGlyphs> {
    let mut texts: Vec<(String, String)> = Vec::new();
    for (i, text) in template.texts.iter().enumerate() {
        texts.push((format!("texts[{i}]"), text.text.clone()));
    }
    let mut placed_faces: Vec<&str> = Vec::new();
    for field in &template.fields {
        let name = field.source.name();
        if let Source::Face(label) = &field.source {
            placed_faces.push(label);
        }
        if let Some(label) = &field.label {
            texts.push((format!("label of {name}"), label.clone()));
        }
        if let Some(value) = scene::value(licence, &field.source, template.date_style) {
            texts.push((name, value));
        }
    }
    if template.face_list.is_some() {
        for face in licence.face_fields() {
            if placed_faces.contains(&face.label.as_str()) {
                continue;
            }
            let name = format!("face:{}", face.label);
            texts.push((format!("label of {name}"), face.label.clone()));
            texts.push((name, face.value.clone()));
        }
    }
    if generated_seal {
        texts.push(("seal.name".into(), licence.issuer().name().to_owned()));
        if let Some(purpose) = &template.seal.purpose {
            texts.push(("seal.purpose".into(), purpose.clone()));
        }
    }
    fonts.check_coverage(
        texts
            .iter()
            .map(|(field, text)| (field.as_str(), text.as_str())),
    )
}
