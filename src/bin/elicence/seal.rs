//! `elicence seal`: make a seal record, inspect one, and seal licence PDFs.

use std::path::Path;

use elicence::render::stamp::{StampSpec, picture_side_mm, stamp_png};
use elicence::render::{Font, FontSet, Template, TemplateSet};
use elicence::seal::pdf::{PdfSealer, Placement, SealPdfError};
use elicence::seal::record::{SealInfo, SealPicture, SignedSeal};
use elicence::{Certificate, Signer, SigningKey, UnixTime};
use serde_json::{Value, json};

use crate::ca::{SIGNER_CERT_FILE, random_serial, validity};
use crate::files::{
    read_bytes, read_certificates, read_signing_key, refuse_existing, write_atomic,
};
use crate::keygen::PRIVATE_KEY_FILE;
use crate::verify::pretty;
use crate::{CliError, CliResult, SealApplyArgs, SealInspectArgs, SealMakeArgs, now};

/// Pixels per millimetre of a generated seal picture (254 dpi): sharp in
/// print, a few tens of kilobytes.
const PICTURE_PX_PER_MM: f32 = 10.0;

pub fn make(args: &SealMakeArgs) -> CliResult {
    refuse_existing(&[&args.out], args.force, "a seal")?;
    let key_path = args.maker.join(PRIVATE_KEY_FILE);
    let cert_path = args.maker.join(SIGNER_CERT_FILE);
    let key = read_signing_key(&key_path)?;
    let maker_chain = chain_for_key(&read_certificates(&cert_path)?, &key, &cert_path, now())?;
    let holders = args
        .holder_certs
        .iter()
        .map(|path| {
            read_certificates(path)?
                .into_iter()
                .find(|c| !c.is_ca())
                .ok_or_else(|| {
                    CliError::new(format!("{}: no end-entity certificate", path.display()))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;

    let picture = match &args.picture {
        Some(path) => {
            let png = read_bytes(path)?;
            let width = args.size_mm.unwrap_or(40);
            // The height keeps the picture's aspect ratio.
            SealPicture::from_png(png.clone(), width, width).and_then(|square| {
                let ratio = square.height_px() as f32 / square.width_px().max(1) as f32;
                let height = (f32::from(width) * ratio).round().clamp(10.0, 100.0) as u16;
                SealPicture::from_png(png, width, height)
            })
        }
        None => {
            let mut spec = StampSpec::new(args.name.clone(), args.purpose.as_deref());
            if let Some(size) = args.size_mm {
                spec = spec.with_diameter_mm(f32::from(size));
            }
            let first = args
                .font
                .as_deref()
                .map(|path| {
                    Font::from_path(path, args.font_index)
                        .map_err(|e| CliError::new(format!("{}: {e}", path.display())))
                })
                .transpose()?;
            let fonts = FontSet::usual(first).map_err(|e| CliError::new(e.to_string()))?;
            let png = stamp_png(&spec, &fonts, PICTURE_PX_PER_MM)
                .map_err(|e| CliError::new(format!("cannot draw the seal: {e}")))?;
            // The picture is the seal and its clear margin round the rim.
            let size = picture_side_mm(spec.diameter_mm).clamp(10.0, 100.0) as u16;
            SealPicture::from_png(png, size, size)
        }
    }
    .map_err(|e| CliError::new(format!("seal picture: {e}")))?;

    let (valid_from, valid_until) = validity(args.at, args.days)?;
    let id = match &args.id {
        Some(id) => id.clone(),
        None => {
            let serial = random_serial()?;
            let suffix: String = serial.iter().take(4).map(|b| format!("{b:02X}")).collect();
            format!("{}-{suffix}", args.owner_uscc)
        }
    };
    let mut builder = SealInfo::builder(&id, &args.name, args.owner_uscc.clone())
        .validity(valid_from, valid_from, valid_until)
        .picture(picture);
    if let Some(purpose) = &args.purpose {
        builder = builder.purpose(purpose);
    }
    for holder in &holders {
        builder = builder.allow_certificate(holder);
    }
    let info = builder
        .build()
        .map_err(|e| CliError::new(format!("cannot make the seal: {e}")))?;
    let seal = SignedSeal::sign(info, &key, &maker_chain)
        .map_err(|e| CliError::new(format!("cannot sign the seal: {e}")))?;
    write_atomic(&args.out, seal.as_bytes())?;
    outln!(
        "seal {} written to {} ({} bytes)",
        seal.info().id(),
        args.out.display(),
        seal.as_bytes().len()
    )?;
    Ok(std::process::ExitCode::SUCCESS)
}

pub fn inspect(args: &SealInspectArgs) -> CliResult {
    let seal = read_seal(&args.seal)?;
    let mut value = seal_json(&seal);
    if !args.roots.is_empty() {
        let store = crate::verify::trust_store(&args.roots, &args.signers)?;
        let status = match seal.verify(&store) {
            Ok(()) => json!({ "trusted": true }),
            Err(e) => json!({ "trusted": false, "code": e.code(), "message": e.to_string() }),
        };
        if let Some(object) = value.as_object_mut() {
            object.insert("maker_check".into(), status);
        }
    }
    if let Some(path) = &args.picture_out {
        write_atomic(path, seal.info().picture().png())?;
    }
    outln!("{}", pretty(&value))?;
    Ok(std::process::ExitCode::SUCCESS)
}

pub fn apply(args: &SealApplyArgs) -> CliResult {
    refuse_existing(&[&args.output], args.force, "a file")?;
    let seal = read_seal(&args.seal)?;
    let key = read_signing_key(&args.key)?;
    let at = args.at.unwrap_or_else(now);
    let chain = chain_for_key(&read_certificates(&args.cert)?, &key, &args.cert, at)?;
    let pdf = read_bytes(&args.input)?;
    let place = match (args.x_mm, args.y_mm) {
        // Placed by hand: the picture at its registered size.
        (Some(cx), Some(cy)) => Placement::at(args.page, cx, cy),
        _ => {
            let templates = match &args.template {
                Some(path) => TemplateSet::single(
                    Template::from_path(path)
                        .map_err(|e| CliError::new(format!("{}: {e}", path.display())))?,
                ),
                None => TemplateSet::default(),
            };
            let mut place =
                Placement::for_licence_pdf(&pdf, &templates, seal.info()).map_err(|e| {
                    // Placing by hand is the way round a template without
                    // the place, not round a licence that does not name
                    // the seal's owner.
                    let hint = match e {
                        SealPdfError::NotAnIssuer { .. } => "",
                        _ => " (give --x-mm and --y-mm to place the seal)",
                    };
                    CliError::new(format!("{}: {e}{hint}", args.input.display()))
                })?;
            place.page = args.page;
            place
        }
    };
    let sealer = PdfSealer::new(seal, &chain).map_err(|e| CliError::new(e.to_string()))?;
    let sealed = sealer
        .apply(&pdf, &key, place, at)
        .map_err(|e| CliError::new(format!("{}: {e}", args.input.display())))?;
    write_atomic(&args.output, &sealed)?;
    let info = sealer.seal().info();
    outln!(
        "sealed {} with {} ({}) → {} ({} bytes)",
        args.input.display(),
        info.name(),
        info.id(),
        args.output.display(),
        sealed.len()
    )?;
    Ok(std::process::ExitCode::SUCCESS)
}

fn read_seal(path: &Path) -> Result<SignedSeal, CliError> {
    SignedSeal::from_slice(&read_bytes(path)?)
        .map_err(|e| CliError::with_code(format!("{}: {e}", path.display()), 1))
}

/// The chain a signature by `key` carries, from the bundle at `path`.
fn chain_for_key(
    certs: &[Certificate],
    key: &SigningKey,
    path: &Path,
    at: UnixTime,
) -> Result<Vec<Certificate>, CliError> {
    let public = key.public_key();
    elicence::trust::chain_for_key(certs, &public, at).ok_or_else(|| {
        CliError::new(format!(
            "{} has no certificate for the key (key id {})",
            path.display(),
            public.key_id()
        ))
    })
}

/// A seal record as JSON for people and scripts.
pub fn seal_json(seal: &SignedSeal) -> Value {
    let info = seal.info();
    let time = |t: UnixTime| t.to_rfc3339_utc();
    json!({
        "id": info.id(),
        "kind": match info.kind() {
            elicence::seal::record::SealKind::Official => "official",
            _ => "special_purpose",
        },
        "name": info.name(),
        "owner": info.owner().to_string(),
        "purpose": info.purpose(),
        "vendor": info.vendor(),
        "created": time(info.created()),
        "valid_from": time(info.valid_from()),
        "valid_until": time(info.valid_until()),
        "allowed_certificates_sha256": info
            .allowed_certificates()
            .iter()
            .map(hex)
            .collect::<Vec<_>>(),
        "picture": {
            "type": "PNG",
            "bytes": info.picture().png().len(),
            "width_mm": info.picture().width_mm(),
            "height_mm": info.picture().height_mm(),
        },
        "maker": certificate_json(seal.maker()),
    })
}

pub fn certificate_json(cert: &Certificate) -> Value {
    json!({
        "name": cert.common_name(),
        "authority_code": cert.authority_code().map(ToString::to_string),
    })
}

fn hex(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
