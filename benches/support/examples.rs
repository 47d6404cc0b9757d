//! The example licences and a placeholder photo, embedded for the
//! render and seal benches (`#[path]`-included by each).

/// Each example's name and JSON.
pub const EXAMPLES: [(&str, &str); 3] = [
    (
        "driving-licence",
        include_str!("../../examples/licences/driving-licence.json"),
    ),
    (
        "business-licence",
        include_str!("../../examples/licences/business-licence.json"),
    ),
    (
        "health-permit",
        include_str!("../../examples/licences/health-permit.json"),
    ),
];

/// A placeholder photo, for a licence that signs its digest.
pub const PHOTO: &[u8] = include_bytes!("../../examples/photos/driving-licence.png");
