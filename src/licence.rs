//! The licence: typed data that an issuing system fills in and signs.
//!
//! A [`Licence`] can only be built valid: identifiers carry checked check
//! characters, dates are real dates, free text is bounded and free of control
//! characters. The same checks run when a licence is read from JSON
//! ([`Licence::from_json`]) and when it is decoded from a signed envelope.

use core::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::date::{Date, DateError};
use crate::ident::{IdentError, LicenceIdentifier, LicenceTypeCode, ResidentId, Uscc};

/// Most characters in a holder's name.
pub const MAX_NAME_CHARS: usize = 64;
/// Most characters in a licence number or identity-document number.
pub const MAX_NUMBER_CHARS: usize = 64;
/// Most characters in an issuing authority's name.
pub const MAX_AUTHORITY_CHARS: usize = 128;
/// Most face fields on one licence.
pub const MAX_FACE_FIELDS: usize = 64;
/// Most characters in a face-field label.
pub const MAX_LABEL_CHARS: usize = 32;
/// Most characters in a face-field value.
pub const MAX_VALUE_CHARS: usize = 512;
/// Most characters in a licence type's name (e.g. `食品经营许可证`).
pub const MAX_TYPE_NAME_CHARS: usize = 32;
/// Most co-issuing authorities (联合发证机关) on one licence.
pub const MAX_CO_ISSUERS: usize = 8;

/// Which part of a licence an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Field {
    /// The licence type code.
    TypeCode,
    /// The licence type's name, as the face's title shows it.
    TypeName,
    /// The licence number.
    Number,
    /// The serial or version of the GB/T 36904 identifier.
    Identifier,
    /// The holder's name.
    HolderName,
    /// The holder's identity-document number.
    HolderIdNumber,
    /// The issuing authority's name.
    IssuerName,
    /// The issuing authority's unified social credit code.
    IssuerCode,
    /// The issue date.
    IssueDate,
    /// The first day of validity.
    ValidFrom,
    /// The last day of validity.
    ValidUntil,
    /// The label of the face field at this position (from 0).
    FaceLabel(usize),
    /// The value of the face field at this position (from 0).
    FaceValue(usize),
    /// The photo digest.
    PhotoDigest,
    /// The name of the co-issuer at this position (from 0).
    CoIssuerName(usize),
    /// The unified social credit code of the co-issuer at this position (from 0).
    CoIssuerCode(usize),
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::TypeCode => f.write_str("type code"),
            Field::TypeName => f.write_str("type name"),
            Field::Number => f.write_str("licence number"),
            Field::Identifier => f.write_str("licence identifier"),
            Field::HolderName => f.write_str("holder name"),
            Field::HolderIdNumber => f.write_str("holder identity number"),
            Field::IssuerName => f.write_str("issuer name"),
            Field::IssuerCode => f.write_str("issuer code"),
            Field::IssueDate => f.write_str("issue date"),
            Field::ValidFrom => f.write_str("valid-from date"),
            Field::ValidUntil => f.write_str("valid-until date"),
            Field::FaceLabel(i) => write!(f, "label of face field {i}"),
            Field::FaceValue(i) => write!(f, "value of face field {i}"),
            Field::PhotoDigest => f.write_str("photo digest"),
            Field::CoIssuerName(i) => write!(f, "name of co-issuer {i}"),
            Field::CoIssuerCode(i) => write!(f, "code of co-issuer {i}"),
        }
    }
}

/// Why licence data is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum LicenceError {
    /// An identifier failed its syntax or check-character test.
    #[error("{field}: {source}")]
    Ident {
        /// Which field.
        field: Field,
        /// What is wrong with it.
        source: IdentError,
    },
    /// A date is not a real date or not `YYYY-MM-DD`.
    #[error("{field}: {source}")]
    Date {
        /// Which field.
        field: Field,
        /// What is wrong with it.
        source: DateError,
    },
    /// A required field was not given.
    #[error("{field} is missing")]
    Missing {
        /// Which field.
        field: Field,
    },
    /// Text that must not be empty is empty.
    #[error("{field} is empty")]
    Empty {
        /// Which field.
        field: Field,
    },
    /// Text longer than the format allows.
    #[error("{field} has {found} characters; at most {max} are allowed")]
    TooLong {
        /// Which field.
        field: Field,
        /// The limit, in characters.
        max: usize,
        /// The length found, in characters.
        found: usize,
    },
    /// Text containing a control character (line breaks included), or starting
    /// or ending with white space.
    #[error("{field} has a control character or surrounding white space at character {position}")]
    BadCharacter {
        /// Which field.
        field: Field,
        /// The position of the offending character, from 0.
        position: usize,
    },
    /// A non-resident identity-document number is not 1–32 upper-case ASCII letters and digits.
    #[error("{kind} number must be 1 to 32 upper-case letters and digits")]
    DocumentNumber {
        /// Which kind of document.
        kind: DocumentKind,
    },
    /// Validity ends before it starts.
    #[error("valid until {until}, which is before valid from {from}")]
    ValidityOrder {
        /// First day of validity.
        from: Date,
        /// Last day of validity.
        until: Date,
    },
    /// More face fields than the format allows.
    #[error("{found} face fields; at most {max} are allowed")]
    TooManyFaceFields {
        /// The limit.
        max: usize,
        /// How many were given.
        found: usize,
    },
    /// More co-issuers than the format allows.
    #[error("{found} co-issuers; at most {max} are allowed")]
    TooManyCoIssuers {
        /// The limit, [`MAX_CO_ISSUERS`].
        max: usize,
        /// How many were given.
        found: usize,
    },
    /// A co-issuer with the code of the licence's own issuer.
    #[error("co-issuer {index} has the issuer's own code {code}")]
    CoIssuerIsIssuer {
        /// Its position among the co-issuers, from 0.
        index: usize,
        /// The code.
        code: Uscc,
    },
    /// Two co-issuers with the same code.
    #[error("co-issuer {index} has the same code {code} as co-issuer {first}")]
    DuplicateCoIssuer {
        /// The position of the later one, from 0.
        index: usize,
        /// The position of the first with that code, from 0.
        first: usize,
        /// The code.
        code: Uscc,
    },
    /// A photo digest that is not 64 hexadecimal digits.
    #[error("photo digest must be 64 hexadecimal digits (SHA-256)")]
    PhotoDigest,
    /// The JSON is not valid licence JSON.
    #[error("licence JSON at line {line}, column {column}: {message}")]
    Json {
        /// What the JSON reader said.
        message: String,
        /// Line of the error, from 1.
        line: usize,
        /// Column of the error, from 1.
        column: usize,
    },
}

/// The kind of identity document that identifies the holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DocumentKind {
    /// Resident identity card (居民身份证), number per GB 11643.
    ResidentIdentityCard,
    /// Passport (护照).
    Passport,
    /// Mainland travel permit for Hong Kong and Macao residents (港澳居民来往内地通行证).
    HongKongMacaoPermit,
    /// Mainland travel permit for Taiwan residents (台湾居民来往大陆通行证).
    TaiwanPermit,
    /// Foreign permanent resident ID card (外国人永久居留身份证).
    ForeignPermanentResidentCard,
    /// An organisation's unified social credit code (统一社会信用代码), for
    /// licences held by a business or institution.
    UnifiedSocialCreditCode,
}

impl DocumentKind {
    /// The integer that the envelope uses for this kind.
    pub fn code(self) -> u64 {
        match self {
            DocumentKind::ResidentIdentityCard => 1,
            DocumentKind::Passport => 2,
            DocumentKind::HongKongMacaoPermit => 3,
            DocumentKind::TaiwanPermit => 4,
            DocumentKind::ForeignPermanentResidentCard => 5,
            DocumentKind::UnifiedSocialCreditCode => 6,
        }
    }

    /// The kind with this envelope code.
    pub fn from_code(code: u64) -> Option<Self> {
        Some(match code {
            1 => DocumentKind::ResidentIdentityCard,
            2 => DocumentKind::Passport,
            3 => DocumentKind::HongKongMacaoPermit,
            4 => DocumentKind::TaiwanPermit,
            5 => DocumentKind::ForeignPermanentResidentCard,
            6 => DocumentKind::UnifiedSocialCreditCode,
            _ => return None,
        })
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DocumentKind::ResidentIdentityCard => "resident identity card",
            DocumentKind::Passport => "passport",
            DocumentKind::HongKongMacaoPermit => "Hong Kong and Macao travel permit",
            DocumentKind::TaiwanPermit => "Taiwan travel permit",
            DocumentKind::ForeignPermanentResidentCard => "foreign permanent resident card",
            DocumentKind::UnifiedSocialCreditCode => "unified social credit code",
        })
    }
}

/// The holder's identity document: a checked resident identity number or
/// organisation code, or the number of another kind of document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityDocument {
    /// A resident identity number, with its check character and birth date checked.
    ResidentId(ResidentId),
    /// An organisation's unified social credit code, with its check character checked.
    Organisation(Uscc),
    /// Another kind of document and its number.
    Other {
        /// The kind of document; never one of the checked kinds above.
        kind: DocumentKind,
        /// Its number: 1–32 upper-case ASCII letters and digits.
        number: String,
    },
}

impl IdentityDocument {
    /// Reads a document number of the given kind, with the checks that kind has.
    pub fn new(kind: DocumentKind, number: &str) -> Result<Self, LicenceError> {
        if kind == DocumentKind::ResidentIdentityCard {
            return number
                .parse::<ResidentId>()
                .map(IdentityDocument::ResidentId)
                .map_err(|source| LicenceError::Ident {
                    field: Field::HolderIdNumber,
                    source,
                });
        }
        if kind == DocumentKind::UnifiedSocialCreditCode {
            return number
                .parse::<Uscc>()
                .map(IdentityDocument::Organisation)
                .map_err(|source| LicenceError::Ident {
                    field: Field::HolderIdNumber,
                    source,
                });
        }
        let well_formed = (1..=32).contains(&number.len())
            && number
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
        if !well_formed {
            return Err(LicenceError::DocumentNumber { kind });
        }
        Ok(IdentityDocument::Other {
            kind,
            number: number.to_owned(),
        })
    }

    /// The kind of document.
    pub fn kind(&self) -> DocumentKind {
        match self {
            IdentityDocument::ResidentId(_) => DocumentKind::ResidentIdentityCard,
            IdentityDocument::Organisation(_) => DocumentKind::UnifiedSocialCreditCode,
            IdentityDocument::Other { kind, .. } => *kind,
        }
    }

    /// The full document number.
    pub fn number(&self) -> &str {
        match self {
            IdentityDocument::ResidentId(id) => id.as_str(),
            IdentityDocument::Organisation(code) => code.as_str(),
            IdentityDocument::Other { number, .. } => number,
        }
    }

    /// The number with a person's middle digits hidden, for display to people
    /// who only need to match it against a card: `110105********002X`.
    /// Organisation codes are public and shown whole.
    pub fn masked(&self) -> String {
        match self {
            IdentityDocument::ResidentId(id) => id.masked(),
            IdentityDocument::Organisation(code) => code.to_string(),
            IdentityDocument::Other { number, .. } => {
                let n = number.len();
                let shown = n / 4;
                format!(
                    "{}{}{}",
                    number.get(..shown).unwrap_or_default(),
                    "*".repeat(n - 2 * shown),
                    number.get(n - shown..).unwrap_or_default()
                )
            }
        }
    }
}

/// The person or organisation the licence is issued to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    name: String,
    document: IdentityDocument,
}

impl Holder {
    /// A holder with a checked name.
    pub fn new(name: &str, document: IdentityDocument) -> Result<Self, LicenceError> {
        check_text(Field::HolderName, name, MAX_NAME_CHARS)?;
        Ok(Holder {
            name: name.to_owned(),
            document,
        })
    }

    /// The holder's name as printed (CJK or Latin).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The holder's identity document.
    pub fn document(&self) -> &IdentityDocument {
        &self.document
    }
}

/// The issuing authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    name: String,
    code: Uscc,
}

impl Issuer {
    /// An issuer with a checked name.
    pub fn new(name: &str, code: Uscc) -> Result<Self, LicenceError> {
        check_text(Field::IssuerName, name, MAX_AUTHORITY_CHARS)?;
        Ok(Issuer {
            name: name.to_owned(),
            code,
        })
    }

    /// The co-issuer at `index` from its name and code as text (JSON or
    /// envelope), with errors naming that co-issuer.
    pub(crate) fn co_issuer(index: usize, name: &str, code: &str) -> Result<Self, LicenceError> {
        check_text(Field::CoIssuerName(index), name, MAX_AUTHORITY_CHARS)?;
        let code = code.parse().map_err(|source| LicenceError::Ident {
            field: Field::CoIssuerCode(index),
            source,
        })?;
        Issuer::new(name, code)
    }

    /// The authority's name (发证机关).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The authority's unified social credit code.
    pub fn code(&self) -> &Uscc {
        &self.code
    }
}

/// The last day a licence is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidUntil {
    /// Valid through the end of this day, China Standard Time.
    Date(Date),
    /// Long-term (长期): no end date.
    LongTerm,
}

impl fmt::Display for ValidUntil {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValidUntil::Date(d) => d.fmt(f),
            ValidUntil::LongTerm => f.write_str(LONG_TERM),
        }
    }
}

/// How long-term validity is written in JSON.
pub const LONG_TERM: &str = "long-term";

/// One line printed on the face of the licence (照面信息).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaceField {
    /// The label, e.g. `准驾车型`.
    pub label: String,
    /// The value, e.g. `C1`.
    pub value: String,
}

/// A licence, valid by construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Licence {
    pub(crate) type_code: LicenceTypeCode,
    pub(crate) type_name: Option<String>,
    pub(crate) number: String,
    pub(crate) identifier: Option<LicenceIdentifier>,
    pub(crate) holder: Holder,
    pub(crate) issuer: Issuer,
    pub(crate) co_issuers: Vec<Issuer>,
    pub(crate) issue_date: Date,
    pub(crate) valid_from: Date,
    pub(crate) valid_until: ValidUntil,
    pub(crate) face: Vec<FaceField>,
    pub(crate) photo_sha256: Option<[u8; 32]>,
    pub(crate) status: Option<StatusReference>,
}

/// Where a licence's current status is published: entry `index` of its
/// issuer's status list number `list` (IETF Token Status List). The list's
/// location (URI) is not in the licence: the trust list's entry for the
/// signer gives the authority's status-list base, to which the list number
/// is appended, so that the reference costs at most 12 bytes of envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusReference {
    /// The list's number among the issuer's lists.
    pub list: u32,
    /// The licence's entry in that list, allocated at random for herd privacy.
    pub index: u32,
}

impl Licence {
    /// Starts a licence of this type and number; see [`LicenceBuilder`].
    pub fn builder(type_code: LicenceTypeCode, number: &str) -> LicenceBuilder {
        LicenceBuilder {
            type_code,
            type_name: None,
            number: number.to_owned(),
            identifier: None,
            holder: None,
            issuer: None,
            co_issuers: Vec::new(),
            issue_date: None,
            valid_from: None,
            valid_until: None,
            face: Vec::new(),
            photo_sha256: None,
            status: None,
        }
    }

    /// The licence type code (ministry code + sequence).
    pub fn type_code(&self) -> &LicenceTypeCode {
        &self.type_code
    }
    /// The licence type's name (e.g. `食品经营许可证`), signed with the
    /// licence so a face that shows it as its title shows what was issued.
    pub fn type_name(&self) -> Option<&str> {
        self.type_name.as_deref()
    }
    /// The licence number printed on it.
    pub fn number(&self) -> &str {
        &self.number
    }
    /// The licence number with a natural person's identity number hidden
    /// where it appears in it (a driving licence's number is its holder's
    /// ID number), for titles, file names and screens that need not show
    /// it whole.
    pub fn masked_number(&self) -> String {
        let document = self.holder.document();
        match document {
            IdentityDocument::Organisation(_) => self.number.clone(),
            _ => self.number.replace(document.number(), &document.masked()),
        }
    }
    /// The GB/T 36904 identifier, if the licence has a serial and version.
    pub fn identifier(&self) -> Option<&LicenceIdentifier> {
        self.identifier.as_ref()
    }
    /// The holder.
    pub fn holder(&self) -> &Holder {
        &self.holder
    }
    /// The issuing authority.
    pub fn issuer(&self) -> &Issuer {
        &self.issuer
    }
    /// The authorities that issue the licence jointly with [`Licence::issuer`]
    /// (联合发证机关), in the order given; empty for most licences. They are
    /// signed as part of the licence but do not sign it: the signer answers
    /// for the issuer alone.
    pub fn co_issuers(&self) -> &[Issuer] {
        &self.co_issuers
    }
    /// The issue date (发证日期).
    pub fn issue_date(&self) -> Date {
        self.issue_date
    }
    /// The first day of validity.
    pub fn valid_from(&self) -> Date {
        self.valid_from
    }
    /// The last day of validity, or long-term.
    pub fn valid_until(&self) -> ValidUntil {
        self.valid_until
    }
    /// The face fields, in printing order.
    pub fn face_fields(&self) -> &[FaceField] {
        &self.face
    }
    /// SHA-256 of the holder's photo, binding a photo kept elsewhere.
    pub fn photo_sha256(&self) -> Option<&[u8; 32]> {
        self.photo_sha256.as_ref()
    }
    /// Where the licence's status (revoked, suspended, …) is published.
    pub fn status(&self) -> Option<StatusReference> {
        self.status
    }

    /// The licence with this GB/T 36904 identifier (its serial and version
    /// under its type code and issuer), replacing any it had: how a registry
    /// gives a licence the serial it allocated.
    pub fn with_identifier(
        mut self,
        serial: crate::ident::Serial,
        version: crate::ident::Version,
    ) -> Licence {
        self.identifier = Some(LicenceIdentifier::from_parts(
            self.type_code.clone(),
            self.issuer.code().clone(),
            serial,
            version,
        ));
        self
    }

    /// The licence with this status reference, replacing any it had: how a
    /// registry gives a licence the status-list entry it allocated.
    pub fn with_status(mut self, reference: StatusReference) -> Licence {
        self.status = Some(reference);
        self
    }

    /// Reads a licence from the JSON input format (see `examples/licences/`).
    pub fn from_json(json: &str) -> Result<Self, LicenceError> {
        let parsed: LicenceJson = serde_json::from_str(json).map_err(|e| LicenceError::Json {
            message: e.to_string(),
            line: e.line(),
            column: e.column(),
        })?;
        parsed.into_licence()
    }

    /// Writes the licence in the JSON input format.
    pub fn to_json(&self) -> String {
        // Serialising plain strings and numbers cannot fail.
        serde_json::to_string_pretty(&LicenceJson::from(self)).unwrap_or_default()
    }

    /// The licence as a JSON value, e.g. to embed in a larger document.
    pub fn to_json_value(&self) -> serde_json::Value {
        serde_json::to_value(LicenceJson::from(self)).unwrap_or_default()
    }
}

/// Builds a [`Licence`], checking each part; [`LicenceBuilder::build`] says
/// what is missing or wrong.
#[derive(Debug, Clone)]
#[must_use]
pub struct LicenceBuilder {
    type_code: LicenceTypeCode,
    type_name: Option<String>,
    number: String,
    identifier: Option<(String, String)>,
    holder: Option<Holder>,
    issuer: Option<Issuer>,
    co_issuers: Vec<Issuer>,
    issue_date: Option<Date>,
    valid_from: Option<Date>,
    valid_until: Option<ValidUntil>,
    face: Vec<FaceField>,
    photo_sha256: Option<[u8; 32]>,
    status: Option<StatusReference>,
}

impl LicenceBuilder {
    /// Names the licence type (e.g. `食品经营许可证`): at most
    /// [`MAX_TYPE_NAME_CHARS`] characters. A face without a title of its
    /// own shows this name.
    pub fn type_name(mut self, name: &str) -> Self {
        self.type_name = Some(name.to_owned());
        self
    }
    /// Gives the licence a GB/T 36904 identifier with this serial and
    /// three-digit version; the type and issuer codes come from the licence.
    pub fn identifier(mut self, serial: &str, version: &str) -> Self {
        self.identifier = Some((serial.to_owned(), version.to_owned()));
        self
    }
    /// Sets the holder.
    pub fn holder(mut self, holder: Holder) -> Self {
        self.holder = Some(holder);
        self
    }
    /// Sets the issuing authority.
    pub fn issuer(mut self, issuer: Issuer) -> Self {
        self.issuer = Some(issuer);
        self
    }
    /// Adds a co-issuing authority after those already added. Each must
    /// have a code of its own, unlike the issuer's and the other co-issuers';
    /// at most [`MAX_CO_ISSUERS`].
    pub fn co_issuer(mut self, issuer: Issuer) -> Self {
        self.co_issuers.push(issuer);
        self
    }
    /// Replaces the co-issuing authorities with these, in order.
    pub fn co_issuers(mut self, issuers: Vec<Issuer>) -> Self {
        self.co_issuers = issuers;
        self
    }
    /// Sets the issue date.
    pub fn issue_date(mut self, date: Date) -> Self {
        self.issue_date = Some(date);
        self
    }
    /// Sets the first and last day of validity.
    pub fn validity(mut self, from: Date, until: ValidUntil) -> Self {
        self.valid_from = Some(from);
        self.valid_until = Some(until);
        self
    }
    /// Adds a face field after those already added.
    pub fn face_field(mut self, label: &str, value: &str) -> Self {
        self.face.push(FaceField {
            label: label.to_owned(),
            value: value.to_owned(),
        });
        self
    }
    /// Replaces the face fields with these, in order.
    pub fn face_fields(mut self, fields: Vec<FaceField>) -> Self {
        self.face = fields;
        self
    }
    /// Sets the SHA-256 digest of the holder's photo.
    pub fn photo_sha256(mut self, digest: [u8; 32]) -> Self {
        self.photo_sha256 = Some(digest);
        self
    }
    /// Sets where the licence's status is published.
    pub fn status(mut self, reference: StatusReference) -> Self {
        self.status = Some(reference);
        self
    }

    /// Checks everything and returns the licence.
    pub fn build(self) -> Result<Licence, LicenceError> {
        if let Some(name) = &self.type_name {
            check_text(Field::TypeName, name, MAX_TYPE_NAME_CHARS)?;
        }
        check_text(Field::Number, &self.number, MAX_NUMBER_CHARS)?;
        let holder = self.holder.ok_or(LicenceError::Missing {
            field: Field::HolderName,
        })?;
        let issuer = self.issuer.ok_or(LicenceError::Missing {
            field: Field::IssuerCode,
        })?;
        let issue_date = self.issue_date.ok_or(LicenceError::Missing {
            field: Field::IssueDate,
        })?;
        let valid_from = self.valid_from.ok_or(LicenceError::Missing {
            field: Field::ValidFrom,
        })?;
        let valid_until = self.valid_until.ok_or(LicenceError::Missing {
            field: Field::ValidUntil,
        })?;
        if let ValidUntil::Date(until) = valid_until {
            if until < valid_from {
                return Err(LicenceError::ValidityOrder {
                    from: valid_from,
                    until,
                });
            }
            // Validity ends at the start of the next day, which must be a
            // date too (9999-12-31 has none: such a licence is long-term).
            until.succ().map_err(|source| LicenceError::Date {
                field: Field::ValidUntil,
                source,
            })?;
        }
        check_co_issuers(&issuer, &self.co_issuers)?;
        if self.face.len() > MAX_FACE_FIELDS {
            return Err(LicenceError::TooManyFaceFields {
                max: MAX_FACE_FIELDS,
                found: self.face.len(),
            });
        }
        for (i, field) in self.face.iter().enumerate() {
            check_text(Field::FaceLabel(i), &field.label, MAX_LABEL_CHARS)?;
            check_text(Field::FaceValue(i), &field.value, MAX_VALUE_CHARS)?;
        }
        let identifier = match self.identifier {
            None => None,
            Some((serial, version)) => Some(
                LicenceIdentifier::new(
                    self.type_code.clone(),
                    issuer.code().clone(),
                    &serial,
                    &version,
                )
                .map_err(|source| LicenceError::Ident {
                    field: Field::Identifier,
                    source,
                })?,
            ),
        };
        Ok(Licence {
            type_code: self.type_code,
            type_name: self.type_name,
            number: self.number,
            identifier,
            holder,
            issuer,
            co_issuers: self.co_issuers,
            issue_date,
            valid_from,
            valid_until,
            face: self.face,
            photo_sha256: self.photo_sha256,
            status: self.status,
        })
    }
}

/// At most [`MAX_CO_ISSUERS`] co-issuers, each with a code of its own.
fn check_co_issuers(issuer: &Issuer, co_issuers: &[Issuer]) -> Result<(), LicenceError> {
    if co_issuers.len() > MAX_CO_ISSUERS {
        return Err(LicenceError::TooManyCoIssuers {
            max: MAX_CO_ISSUERS,
            found: co_issuers.len(),
        });
    }
    for (index, co) in co_issuers.iter().enumerate() {
        if co.code == issuer.code {
            return Err(LicenceError::CoIssuerIsIssuer {
                index,
                code: co.code.clone(),
            });
        }
        if let Some(first) = co_issuers
            .iter()
            .take(index)
            .position(|earlier| earlier.code == co.code)
        {
            return Err(LicenceError::DuplicateCoIssuer {
                index,
                first,
                code: co.code.clone(),
            });
        }
    }
    Ok(())
}

/// Free text on a licence: present, bounded, printable, and trimmed, so that
/// two licences that print the same encode the same.
pub(crate) fn check_text(field: Field, text: &str, max_chars: usize) -> Result<(), LicenceError> {
    if text.is_empty() {
        return Err(LicenceError::Empty { field });
    }
    let mut count = 0;
    for (position, c) in text.chars().enumerate() {
        if c.is_control() {
            return Err(LicenceError::BadCharacter { field, position });
        }
        count += 1;
    }
    if count > max_chars {
        return Err(LicenceError::TooLong {
            field,
            max: max_chars,
            found: count,
        });
    }
    if text.starts_with(char::is_whitespace) {
        return Err(LicenceError::BadCharacter { field, position: 0 });
    }
    if text.ends_with(char::is_whitespace) {
        return Err(LicenceError::BadCharacter {
            field,
            position: count - 1,
        });
    }
    Ok(())
}

/// The JSON input format. Kept apart from [`Licence`] so that the format is
/// documented in one place and every field passes through the same checks.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LicenceJson {
    type_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    type_name: Option<String>,
    number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    identifier: Option<IdentifierJson>,
    holder: HolderJson,
    issuer: IssuerJson,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    co_issuers: Vec<IssuerJson>,
    issue_date: String,
    valid_from: String,
    valid_until: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    face: Vec<FaceField>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    photo_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<StatusReference>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentifierJson {
    serial: String,
    version: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HolderJson {
    name: String,
    id_type: DocumentKind,
    id_number: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct IssuerJson {
    name: String,
    code: String,
}

fn parse_date(field: Field, text: &str) -> Result<Date, LicenceError> {
    text.parse()
        .map_err(|source| LicenceError::Date { field, source })
}

impl LicenceJson {
    fn into_licence(self) -> Result<Licence, LicenceError> {
        let type_code: LicenceTypeCode =
            self.type_code
                .parse()
                .map_err(|source| LicenceError::Ident {
                    field: Field::TypeCode,
                    source,
                })?;
        let issuer_code: Uscc = self
            .issuer
            .code
            .parse()
            .map_err(|source| LicenceError::Ident {
                field: Field::IssuerCode,
                source,
            })?;
        let document = IdentityDocument::new(self.holder.id_type, &self.holder.id_number)?;
        let valid_until = if self.valid_until == LONG_TERM {
            ValidUntil::LongTerm
        } else {
            ValidUntil::Date(parse_date(Field::ValidUntil, &self.valid_until)?)
        };
        let mut builder = Licence::builder(type_code, &self.number)
            .holder(Holder::new(&self.holder.name, document)?)
            .issuer(Issuer::new(&self.issuer.name, issuer_code)?)
            .issue_date(parse_date(Field::IssueDate, &self.issue_date)?)
            .validity(parse_date(Field::ValidFrom, &self.valid_from)?, valid_until);
        let co_issuers = self
            .co_issuers
            .iter()
            .enumerate()
            .map(|(i, co)| Issuer::co_issuer(i, &co.name, &co.code))
            .collect::<Result<_, _>>()?;
        builder = builder.co_issuers(co_issuers).face_fields(self.face);
        if let Some(name) = &self.type_name {
            builder = builder.type_name(name);
        }
        if let Some(id) = self.identifier {
            builder = builder.identifier(&id.serial, &id.version);
        }
        if let Some(hex) = self.photo_sha256 {
            builder = builder.photo_sha256(parse_sha256_hex(&hex)?);
        }
        if let Some(reference) = self.status {
            builder = builder.status(reference);
        }
        builder.build()
    }
}

fn parse_sha256_hex(hex: &str) -> Result<[u8; 32], LicenceError> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return Err(LicenceError::PhotoDigest);
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        let digit = |b: u8| (b as char).to_digit(16).ok_or(LicenceError::PhotoDigest);
        if let [hi, lo] = *pair {
            *byte = (digit(hi)? * 16 + digit(lo)?) as u8;
        }
    }
    Ok(out)
}

impl From<&Licence> for LicenceJson {
    fn from(l: &Licence) -> Self {
        LicenceJson {
            type_code: l.type_code.to_string(),
            type_name: l.type_name.clone(),
            number: l.number.clone(),
            identifier: l.identifier.as_ref().map(|id| IdentifierJson {
                serial: id.serial().to_string(),
                version: id.version().to_string(),
            }),
            holder: HolderJson {
                name: l.holder.name.clone(),
                id_type: l.holder.document.kind(),
                id_number: l.holder.document.number().to_owned(),
            },
            issuer: IssuerJson {
                name: l.issuer.name.clone(),
                code: l.issuer.code.to_string(),
            },
            co_issuers: l
                .co_issuers
                .iter()
                .map(|co| IssuerJson {
                    name: co.name.clone(),
                    code: co.code.to_string(),
                })
                .collect(),
            issue_date: l.issue_date.to_string(),
            valid_from: l.valid_from.to_string(),
            valid_until: l.valid_until.to_string(),
            face: l.face.clone(),
            photo_sha256: l
                .photo_sha256
                .map(|d| d.iter().map(|b| format!("{b:02x}")).collect()),
            status: l.status,
        }
    }
}

#[cfg(test)]
mod tests;
