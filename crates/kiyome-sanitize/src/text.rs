//! Plain text, CSV, SYLK, HTML, XML and SVG inspection.

use kiyome_core::{CodeInfo, Ctx, Error, Inspection, Kind};

/// Finding codes for text and markup.
pub const CODES: &[CodeInfo] = &[];

/// Inspects text and markup kinds.
pub fn inspect(
    _data: &[u8],
    kind: Kind,
    _ctx: &Ctx<'_>,
    _out: &mut Inspection,
) -> Result<(), Error> {
    match kind {
        Kind::Text | Kind::Empty => Ok(()),
        _ => Err(Error::unsupported(format!(
            "inspection of {kind} is not implemented yet"
        ))),
    }
}
