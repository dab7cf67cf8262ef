//! `inspect`: the dangerous-factor check (危険因子の確認), dispatched by kind.

use crate::Engine;
use kiyome_core::{
    Action, Budget, CodeInfo, Ctx, Disarmed, Error, FileReport, Finding, Inspection, Kind,
    KindClass, LimitKind, Method, Nested, Severity, Verdict, codes::CORE_CODES, sniff,
};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Every registered finding code, by the crate that raises it, for `docs/findings.md`.
pub fn all_codes() -> Vec<(&'static str, &'static [CodeInfo])> {
    vec![
        ("Any kind", CORE_CODES),
        ("PDF", kiyome_pdf::CODES),
        ("Office Open XML and OpenDocument", kiyome_office::CODES),
        ("OLE compound files", kiyome_office::OLE_CODES),
        ("RTF", kiyome_office::RTF_CODES),
        ("Images", kiyome_image::CODES),
        ("Archives", kiyome_archive::CODES),
        ("Text and markup", crate::text::CODES),
        ("Mail", kiyome_mail::CODES),
        ("Sanitize engine", crate::ENGINE_CODES),
    ]
}

impl Engine {
    /// Inspects one top-level input. Never panics; every failure becomes a finding.
    pub fn inspect(&self, path: &str, data: &[u8]) -> FileReport {
        let budget = Budget::new(&self.policy.limits);
        let ctx = Ctx::new(&budget, self);
        let mut report = self.inspect_at(path, data, &ctx);
        report.normalize();
        report
    }

    /// [`Engine::inspect`] of an output kiyome rebuilt, for the verification pass. Its
    /// decompression total may exceed `max_decompressed_bytes` up to what the per-stream ratio
    /// limit already allows for data of its size: a long image-PDF holds gigabytes of
    /// losslessly compressed pixels that were produced here within the page and pixel limits.
    /// Every other limit, the ratio of each stream included, stays as configured.
    pub(crate) fn inspect_output(&self, path: &str, data: &[u8]) -> FileReport {
        let mut limits = self.policy.limits.clone();
        limits.max_decompressed_bytes = limits
            .max_decompressed_bytes
            .max((data.len() as u64).saturating_mul(limits.max_ratio));
        let budget = Budget::new(&limits);
        let ctx = Ctx::new(&budget, self);
        let mut report = self.inspect_at(path, data, &ctx);
        report.normalize();
        report
    }

    fn inspect_at(&self, path: &str, data: &[u8], ctx: &Ctx<'_>) -> FileReport {
        let det = sniff(data, Some(path));
        let mut report = FileReport::new(path, data, &det);
        report.methods.push(Method::DangerousFactorCheck);
        let mut out = Inspection::default();
        if det.is_mismatch() {
            let claimed = det.claimed.map(|k| k.name()).unwrap_or("?");
            let severity = if matches!(
                det.kind.class(),
                KindClass::Executable | KindClass::Script | KindClass::Shortcut
            ) || det.kind.is_macro_enabled()
            {
                Severity::High
            } else {
                Severity::Medium
            };
            out.add(
                Finding::new("kind.mismatch", severity, "file name")
                    .detail(format!("name claims {claimed}, content is {}", det.kind)),
            );
        }
        if det.prefix_bytes > 0 {
            out.add(
                Finding::new("kind.prefix_data", Severity::Medium, "offset 0").detail(format!(
                    "{} bytes before the {} signature",
                    det.prefix_bytes, det.kind
                )),
            );
        }
        let result = if data.len() as u64 > self.policy.limits.max_input_bytes {
            Err(Error::limit(
                LimitKind::InputSize,
                data.len() as u64,
                self.policy.limits.max_input_bytes,
            ))
        } else {
            match catch_unwind(AssertUnwindSafe(|| dispatch(data, det.kind, ctx, &mut out))) {
                Ok(r) => r,
                Err(panic) => {
                    let msg = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    out.add(
                        Finding::new("internal.panic", Severity::High, path)
                            .detail(format!("parser failure contained: {msg}"))
                            .action(Action::Blocked),
                    );
                    Ok(())
                }
            }
        };
        if let Err(e) = result {
            out.add(Finding::from_error(&e, path));
        }
        report.findings = out.findings;
        report.children = out.children;
        if report.has_dangerous() {
            let reason = report.worst_code().unwrap_or_else(|| "unspecified".into());
            report.block(reason);
        } else {
            report.verdict = Verdict::Released;
        }
        report
    }
}

impl Nested for Engine {
    fn inspect_nested(&self, name: &str, data: &[u8], ctx: &Ctx<'_>) -> FileReport {
        self.inspect_at(name, data, ctx)
    }

    fn sanitize_nested(
        &self,
        name: &str,
        data: &[u8],
        ctx: &Ctx<'_>,
    ) -> (FileReport, Option<Disarmed>) {
        // The member goes through the whole pipeline: its kind's mode, rebuild, re-inspection.
        self.sanitize_at(name, data, ctx)
    }
}

fn dispatch(data: &[u8], kind: Kind, ctx: &Ctx<'_>, out: &mut Inspection) -> Result<(), Error> {
    ctx.budget.check_time()?;
    if kind == Kind::Msg {
        // Outlook messages are OLE files, but their content is mail.
        return kiyome_mail::inspect(data, kind, ctx, out);
    }
    match kind.class() {
        KindClass::Pdf => kiyome_pdf::inspect(data, kind, ctx, out),
        KindClass::Ooxml | KindClass::Odf | KindClass::Ole | KindClass::Rtf => {
            kiyome_office::inspect(data, kind, ctx, out)
        }
        KindClass::Image => kiyome_image::inspect(data, kind, ctx, out),
        KindClass::Archive => match kind {
            Kind::Zip | Kind::Gzip | Kind::Tar => kiyome_archive::inspect(data, kind, ctx, out),
            _ => {
                out.add(
                    Finding::new("kind.unsupported_archive", Severity::Medium, "archive").detail(
                        format!("{kind} archives are not unpacked; members cannot be checked"),
                    ),
                );
                Ok(())
            }
        },
        KindClass::Mail => kiyome_mail::inspect(data, kind, ctx, out),
        KindClass::Markup | KindClass::Text => crate::text::inspect(data, kind, ctx, out),
        KindClass::Executable => {
            out.add(
                Finding::new("kind.executable", Severity::High, "file")
                    .detail(format!("{kind} executable")),
            );
            Ok(())
        }
        KindClass::Script => {
            out.add(
                Finding::new("kind.script", Severity::High, "file")
                    .detail(format!("{kind} script")),
            );
            Ok(())
        }
        KindClass::Shortcut => {
            out.add(Finding::new("kind.shortcut", Severity::High, "file"));
            Ok(())
        }
        KindClass::Unknown => {
            out.add(Finding::new("kind.unknown", Severity::Medium, "file"));
            Ok(())
        }
    }
}
