//! Disarm (in progress).
use crate::OfficeOptions;
use kiyome_core::{Ctx, Disarmed, Error, Inspection, Kind};
/// Disarm.
pub fn disarm(
    _d: &[u8],
    kind: Kind,
    _c: &Ctx<'_>,
    _o: &OfficeOptions,
    _out: &mut Inspection,
) -> Result<Disarmed, Error> {
    Err(Error::unsupported(format!("disarm of {kind}")))
}
