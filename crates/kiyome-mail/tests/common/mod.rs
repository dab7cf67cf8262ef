//! A fake engine for the mail tests: blocks executables, scripts, shortcuts, macro-enabled
//! documents, unknown content and encrypted zips; "disarms" a docm into a docx (by name
//! only) and releases everything else unchanged. It stands in for the real engine so that
//! the mail crate's own behaviour (what it hands on, what it writes) can be tested alone.
#![allow(dead_code)]

use kiyome_core::{
    Budget, Ctx, Disarmed, FileReport, Finding, Kind, KindClass, Limits, Nested, Severity, sniff,
};

pub struct Fake;

fn danger(data: &[u8], name: &str) -> Option<(&'static str, Kind)> {
    let det = sniff(data, Some(name));
    let code = match det.kind.class() {
        KindClass::Executable => Some("kind.executable"),
        KindClass::Script => Some("kind.script"),
        KindClass::Shortcut => Some("kind.shortcut"),
        KindClass::Unknown => Some("kind.unknown"),
        _ if kiyome_mail::ppap::is_encrypted_zip(data) => Some("archive.encrypted"),
        _ => None,
    };
    code.map(|c| (c, det.kind))
}

impl Nested for Fake {
    fn inspect_nested(&self, name: &str, data: &[u8], _ctx: &Ctx<'_>) -> FileReport {
        let det = sniff(data, Some(name));
        let mut r = FileReport::new(name, data, &det);
        if let Some((code, _)) = danger(data, name) {
            r.findings.push(Finding::new(code, Severity::High, name));
            r.block(code);
        }
        r
    }

    fn sanitize_nested(
        &self,
        name: &str,
        data: &[u8],
        ctx: &Ctx<'_>,
    ) -> (FileReport, Option<Disarmed>) {
        let mut r = self.inspect_nested(name, data, ctx);
        if r.reason.is_some() {
            return (r, None);
        }
        let kind = if name.ends_with(".docm") {
            Kind::Docx
        } else {
            r.kind
        };
        if kind.class() == KindClass::Mail {
            // Attached messages are rebuilt recursively, as the engine does.
            let mut sub = kiyome_core::Inspection::default();
            match kiyome_mail::disarm(data, kind, ctx, &Default::default(), &mut sub) {
                Ok(d) => return (r, Some(d)),
                Err(e) => {
                    r.block(e.code());
                    return (r, None);
                }
            }
        }
        (
            r,
            Some(Disarmed {
                data: data.to_vec(),
                kind,
            }),
        )
    }
}

pub fn with_ctx<T>(f: impl FnOnce(&Ctx<'_>) -> T) -> T {
    let budget = Budget::new(&Limits::default());
    let ctx = Ctx::new(&budget, &Fake);
    f(&ctx)
}
