//! `sanitize`: per kind, rebuild (disarm), keep only text, or convert to an image PDF; then
//! re-inspect the output with the inspect code and release it only if nothing dangerous remains.

use crate::Engine;
use crate::policy::Mode;
use kiyome_core::{
    Action, Budget, CodeInfo, Ctx, Disarmed, Error, FileReport, Finding, Inspection, Kind,
    KindClass, LimitKind, Method, OutputInfo, Severity, Verdict, sniff,
};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Finding codes raised by the engine itself while sanitizing.
pub const ENGINE_CODES: &[CodeInfo] = &[
    CodeInfo {
        code: "policy.blocked",
        severity: Severity::Medium,
        meaning: "The policy blocks this kind (mode `block`); it is never released.",
    },
    CodeInfo {
        code: "verify.residual",
        severity: Severity::High,
        meaning: "After rebuilding, the independent re-inspection still found a dangerous factor in the output; the file is blocked.",
    },
    CodeInfo {
        code: "convert.text_only",
        severity: Severity::Info,
        meaning: "Only the text was kept (テキストのみ抽出); everything else was dropped.",
    },
    CodeInfo {
        code: "convert.image_pdf",
        severity: Severity::Info,
        meaning: "The pages were rendered to pixels and rebuilt as an image-only PDF (画像PDF変換).",
    },
    CodeInfo {
        code: "sanitize.kind_changed",
        severity: Severity::Info,
        meaning: "The output is of another kind than the input (a macro-enabled document became its macro-free kind, or a conversion was made).",
    },
];

/// The outcome of sanitizing one input: its report and, when released, the output.
pub struct Sanitized {
    /// The report (verdict, findings, children, output kind and hash).
    pub report: FileReport,
    /// The output bytes, when released.
    pub output: Option<Disarmed>,
}

impl Engine {
    /// Sanitizes one top-level input. Never panics; every failure blocks the file with a
    /// reason code. The output is re-inspected before release.
    pub fn sanitize(&self, path: &str, data: &[u8]) -> Sanitized {
        let budget = Budget::new(&self.policy.limits);
        let ctx = Ctx::new(&budget, self);
        let (mut report, output) = self.sanitize_at(path, data, &ctx);
        report.normalize();
        Sanitized { report, output }
    }

    pub(crate) fn sanitize_at(
        &self,
        path: &str,
        data: &[u8],
        ctx: &Ctx<'_>,
    ) -> (FileReport, Option<Disarmed>) {
        let det = sniff(data, Some(path));
        let mut report = FileReport::new(path, data, &det);
        let mut out = Inspection::default();
        if det.is_mismatch() {
            let claimed = det.claimed.map(|k| k.name()).unwrap_or("?");
            out.add(
                Finding::new("kind.mismatch", Severity::Medium, "file name")
                    .detail(format!("name claims {claimed}, content is {}", det.kind))
                    .action(Action::Neutralized),
            );
        }
        let mode = self.policy.mode_for(det.kind, self.mode);
        if mode == Mode::Block {
            let (code, severity) = match det.kind.class() {
                KindClass::Executable => ("kind.executable", Severity::High),
                KindClass::Script => ("kind.script", Severity::High),
                KindClass::Shortcut => ("kind.shortcut", Severity::High),
                KindClass::Unknown => ("kind.unknown", Severity::Medium),
                _ => ("policy.blocked", Severity::Medium),
            };
            out.add(
                Finding::new(code, severity, "file")
                    .detail(format!("{} is never released", det.kind))
                    .action(Action::Blocked),
            );
            report.findings = out.findings;
            report.block(code);
            return (report, None);
        }
        let result = if data.len() as u64 > self.policy.limits.max_input_bytes {
            Err(Error::limit(
                LimitKind::InputSize,
                data.len() as u64,
                self.policy.limits.max_input_bytes,
            ))
        } else {
            match catch_unwind(AssertUnwindSafe(|| {
                self.convert(data, det.kind, mode, ctx, &mut out)
            })) {
                Ok(r) => r,
                Err(_) => Err(Error::Parse {
                    format: "internal",
                    detail: "parser failure contained".into(),
                }),
            }
        };
        let output = match result {
            Ok(o) => o,
            Err(e) => {
                let code = match &e {
                    Error::Parse {
                        format: "internal", ..
                    } => "internal.panic",
                    _ => e.code(),
                };
                let mut f = Finding::from_error(&e, path);
                f.code = code.to_string();
                out.add(f);
                report.findings = out.findings;
                report.children = out.children;
                report.block(code);
                return (report, None);
            }
        };
        report.findings = out.findings;
        report.children = out.children;
        report.methods.push(method_of(mode));
        if output.kind != det.kind {
            report.findings.push(
                Finding::new("sanitize.kind_changed", Severity::Info, "file")
                    .detail(format!("{} → {}", det.kind, output.kind))
                    .action(Action::Converted),
            );
        }
        // Verify what was written: the output is inspected afresh by the inspect code, with
        // its own budget, independently of the handler that produced it.
        let out_name = format!("output.{}", output.kind.default_extension());
        let check = self.inspect(&out_name, &output.data);
        if check.has_dangerous() || !check.kind.consistent_with_claim(output.kind) {
            let mut codes = check.codes();
            codes.retain(|c| {
                kiyome_core::codes::lookup(&self.code_tables(), c)
                    .map(|i| i.severity.is_dangerous())
                    .unwrap_or(true)
            });
            report.findings.push(
                Finding::new("verify.residual", Severity::High, "output")
                    .detail(format!(
                        "re-inspection of the rebuilt {} found: {}",
                        output.kind,
                        if check.kind != output.kind {
                            format!("kind {} instead of {}", check.kind, output.kind)
                        } else {
                            codes.join(", ")
                        }
                    ))
                    .action(Action::Blocked),
            );
            report.block("verify.residual");
            return (report, None);
        }
        report.verdict = Verdict::Released;
        report.output = Some(OutputInfo {
            path: String::new(),
            sha256: kiyome_core::sha256_hex(&output.data),
            size: output.data.len() as u64,
            kind: output.kind,
        });
        (report, Some(output))
    }

    fn code_tables(&self) -> Vec<&'static [CodeInfo]> {
        crate::all_codes().into_iter().map(|(_, t)| t).collect()
    }

    /// Applies `mode` (never `Block`, handled before) to one input.
    fn convert(
        &self,
        data: &[u8],
        kind: Kind,
        mode: Mode,
        ctx: &Ctx<'_>,
        out: &mut Inspection,
    ) -> Result<Disarmed, Error> {
        ctx.budget.check_time()?;
        match mode {
            Mode::Block => Err(Error::unsupported(format!("{kind} is blocked by policy"))),
            Mode::Disarm => self.disarm(data, kind, ctx, out),
            Mode::Text => {
                let text = kiyome_convert::text::extract(
                    data,
                    kind,
                    self.password.as_deref(),
                    &self.policy.libreoffice,
                    ctx.budget,
                )?;
                out.add(
                    Finding::new("convert.text_only", Severity::Info, "file")
                        .detail(format!("{} characters of text kept", text.chars().count()))
                        .action(Action::Converted),
                );
                Ok(Disarmed {
                    data: text.into_bytes(),
                    kind: Kind::Text,
                })
            }
            Mode::ImagePdf => self.image_pdf(data, kind, ctx, out),
        }
    }

    /// 画像PDF変換: render every page (PDF directly; Office/ODF/RTF/text/HTML through the
    /// LibreOffice sandbox first; an image as one page) and rebuild a PDF of images only.
    fn image_pdf(
        &self,
        data: &[u8],
        kind: Kind,
        ctx: &Ctx<'_>,
        out: &mut Inspection,
    ) -> Result<Disarmed, Error> {
        let opts = &self.policy.image_pdf;
        let pw = self.password.as_deref();
        let converted = match kind.class() {
            KindClass::Pdf => kiyome_convert::imagepdf::from_pdf(data, pw, opts, ctx.budget)?,
            KindClass::Image => match kind {
                Kind::Heic | Kind::Avif | Kind::Jxl => {
                    return Err(Error::unsupported(format!("decoding {kind} images")));
                }
                _ => kiyome_convert::imagepdf::from_pages(
                    &[kiyome_convert::image_page(data, opts.dpi, ctx.limits())?],
                    opts,
                )?,
            },
            KindClass::Ole if kind == Kind::OoxmlEncrypted => {
                return Err(Error::Encrypted {
                    format: "ooxml",
                    detail: "EncryptedPackage".into(),
                });
            }
            KindClass::Ooxml
            | KindClass::Odf
            | KindClass::Rtf
            | KindClass::Ole
            | KindClass::Text
            | KindClass::Markup
                if !matches!(
                    kind,
                    Kind::Msg | Kind::Ole | Kind::Sylk | Kind::Svg | Kind::Xml
                ) =>
            {
                let pdf = kiyome_convert::office::to_pdf(data, kind, &self.policy.libreoffice)?;
                ctx.budget.check_time()?;
                kiyome_convert::imagepdf::from_pdf(&pdf, None, opts, ctx.budget)?
            }
            _ => {
                return Err(Error::unsupported(format!(
                    "image-PDF conversion of {kind} files"
                )));
            }
        };
        let (pdf, encodings) = (converted.pdf, converted.encodings);
        let jpeg = encodings
            .iter()
            .filter(|e| **e == kiyome_convert::Encoding::Jpeg)
            .count();
        out.add(
            Finding::new("convert.image_pdf", Severity::Info, "file")
                .detail(format!(
                    "{} page(s) rendered at {} dpi ({} JPEG, {} lossless)",
                    encodings.len(),
                    opts.dpi,
                    jpeg,
                    encodings.len() - jpeg
                ))
                .action(Action::Converted),
        );
        Ok(Disarmed {
            data: pdf,
            kind: Kind::Pdf,
        })
    }

    /// Disarm by kind: each arm calls the format crate that rebuilds that kind.
    fn disarm(
        &self,
        data: &[u8],
        kind: Kind,
        ctx: &Ctx<'_>,
        out: &mut Inspection,
    ) -> Result<Disarmed, Error> {
        if kind.class() == KindClass::Mail || kind == Kind::Msg {
            return kiyome_mail::disarm(data, kind, ctx, &self.policy.mail, out);
        }
        match kind.class() {
            KindClass::Image => {
                return kiyome_image::disarm(data, kind, ctx, &self.policy.image, out);
            }
            KindClass::Archive if matches!(kind, Kind::Zip | Kind::Gzip | Kind::Tar) => {
                let mut opts = self.policy.archive.clone();
                if self.password.is_some() {
                    opts.password = self.password.clone();
                }
                return kiyome_archive::disarm(data, kind, ctx, &opts, out);
            }
            KindClass::Text | KindClass::Markup => {
                return crate::text::disarm(data, kind, ctx, out);
            }
            _ => {}
        }
        if kind.class() == KindClass::Pdf {
            let mut opts = self.policy.pdf.clone();
            if self.password.is_some() {
                opts.password = self.password.clone();
            }
            return kiyome_pdf::disarm(data, kind, ctx, &opts, out);
        }
        if matches!(
            kind.class(),
            KindClass::Ooxml | KindClass::Odf | KindClass::Ole | KindClass::Rtf
        ) {
            return kiyome_office::disarm(data, kind, ctx, &self.policy.office, out);
        }
        // Format crates are wired in here as their disarm handlers land; until then the kind
        // is blocked (default deny).
        Err(Error::unsupported(format!("sanitizing {kind} files")))
    }
}

fn method_of(mode: Mode) -> Method {
    match mode {
        Mode::Disarm | Mode::Block => Method::SanitizeProcessing,
        Mode::Text => Method::TextOnlyExtraction,
        Mode::ImagePdf => Method::ImagePdfConversion,
    }
}
