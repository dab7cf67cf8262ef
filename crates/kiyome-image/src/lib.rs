//! kiyome-image.
#![forbid(unsafe_code)]

use kiyome_core::{CodeInfo, Ctx, Error, Inspection, Kind};

/// Finding codes raised by this crate.
pub const CODES: &[CodeInfo] = &[];

/// Inspects `data` (already detected as `kind`) for dangerous factors and hidden information.
pub fn inspect(
    _data: &[u8],
    kind: Kind,
    _ctx: &Ctx<'_>,
    _out: &mut Inspection,
) -> Result<(), Error> {
    Err(Error::unsupported(format!(
        "inspection of {kind} is not implemented yet"
    )))
}
