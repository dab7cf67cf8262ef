//! OLE handling (owned by the ole engineer; this placeholder reports every input as
//! unsupported so that default deny blocks it until the real handler lands).

use crate::OfficeOptions;
use kiyome_core::{CodeInfo, Ctx, Disarmed, Error, Inspection, Kind};

/// Finding codes raised by the OLE handler.
pub const CODES: &[CodeInfo] = &[];

/// Inspects an OLE input.
pub fn inspect(
    _data: &[u8],
    kind: Kind,
    _ctx: &Ctx<'_>,
    _out: &mut Inspection,
) -> Result<(), Error> {
    Err(Error::unsupported(format!("inspection of {kind}")))
}

/// Disarms an OLE input.
pub fn disarm(
    _data: &[u8],
    kind: Kind,
    _ctx: &Ctx<'_>,
    _opts: &OfficeOptions,
    _out: &mut Inspection,
) -> Result<Disarmed, Error> {
    Err(Error::unsupported(format!("disarm of {kind}")))
}
