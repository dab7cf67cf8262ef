//! `sanitize`: per kind, rebuild (disarm), keep only text, or convert to an image PDF; then
//! re-inspect the output with the inspect code and release it only if nothing dangerous remains.

use crate::Engine;
use crate::factors::FactorAction;
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
        let mode = self
            .policy
            .mode_for_member(det.kind, self.mode, self.inherited);
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
        // `[factors] CODE = "block"`: the file is judged by its own inspection first, so the
        // entry holds whatever the mode (a text-only conversion would not see the factor).
        if self.policy.blocks_factors() {
            let pre = self.inspect(path, data);
            if let Some(code) = self.blocked_factor(&pre.findings, &mut out) {
                report.findings = out.findings;
                report.block(code);
                return (report, None);
            }
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
        if self.policy.blocks_factors() {
            let found = std::mem::take(&mut out.findings);
            let blocked = self.blocked_factor(&found, &mut out);
            out.findings.splice(0..0, found);
            if let Some(code) = blocked {
                report.findings = out.findings;
                report.children = out.children;
                report.block(code);
                return (report, None);
            }
        }
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
        let check = self.inspect_output(&out_name, &output.data);
        if check.has_dangerous() || !check.kind.consistent_with_claim(output.kind) {
            // Name the codes of the findings that are dangerous here, not every code whose
            // usual severity is (a kept web hyperlink is Low).
            let mut codes = Vec::new();
            dangerous_codes(&check, &mut codes);
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

    /// The first of `findings` whose code `[factors]` blocks, recorded in `out` as the
    /// reason (action `blocked`); `None` when the policy blocks none of them.
    fn blocked_factor(&self, findings: &[Finding], out: &mut Inspection) -> Option<String> {
        let hit = findings
            .iter()
            .find(|f| self.policy.factor_action(&f.code) == Some(FactorAction::Block))?;
        let mut f = hit.clone();
        f.action = Action::Blocked;
        let by = format!(
            "blocked by policy: [factors] covers `{}` with \"block\"",
            f.code
        );
        f.detail = if f.detail.is_empty() {
            by
        } else {
            format!("{}; {by}", f.detail)
        };
        let code = f.code.clone();
        out.add(f);
        Some(code)
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
            Mode::Text | Mode::ImagePdf if is_container(kind) => {
                self.convert_members(data, kind, mode, ctx, out)
            }
            Mode::Text => {
                let text = kiyome_convert::text::extract(
                    data,
                    kind,
                    self.password.as_deref(),
                    &self.policy.libreoffice,
                    &self.policy.ocr,
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

    /// Text-only extraction or image-PDF conversion of a container: the archive or message is
    /// rebuilt (as disarm rebuilds it) with every member or attachment converted by `mode`, or
    /// by the mode the policy names for the member's kind; nested containers recursively. A
    /// message keeps plain-text bodies only in text mode. Members that cannot be converted
    /// are left out, each with its own blocked report; an archive then carries a list of them
    /// (`_kiyome_removed.txt`), a message says so in its notice.
    fn convert_members(
        &self,
        data: &[u8],
        kind: Kind,
        mode: Mode,
        ctx: &Ctx<'_>,
        out: &mut Inspection,
    ) -> Result<Disarmed, Error> {
        let inner = Engine {
            inherited: Some(mode),
            ..self.clone()
        };
        let ictx = Ctx {
            nested: &inner,
            ..*ctx
        };
        let from = out.children.len();
        let rebuilt = if kind.class() == KindClass::Mail || kind == Kind::Msg {
            let mut opts = self.policy.mail.clone();
            if mode == Mode::Text {
                // テキストのみ: no HTML alternative, not even a rebuilt one.
                opts.html = kiyome_mail::HtmlMode::Text;
            }
            kiyome_mail::disarm(data, kind, &ictx, &opts, out)?
        } else {
            let mut opts = self.policy.archive.clone();
            if self.password.is_some() {
                opts.password = self.password.clone();
            }
            opts.converting = Some(match mode {
                Mode::Text => kiyome_archive::Conversion::Text,
                _ => kiyome_archive::Conversion::ImagePdf,
            });
            kiyome_archive::disarm(data, kind, &ictx, &opts, out)?
        };
        let members = &out.children[from..];
        let released = members
            .iter()
            .filter(|c| c.verdict == Verdict::Released)
            .count();
        let (code, what) = match mode {
            Mode::Text => ("convert.text_only", "converted to text"),
            _ => ("convert.image_pdf", "converted to image PDFs"),
        };
        out.add(
            Finding::new(code, Severity::Info, "file")
                .detail(format!(
                    "{kind} rebuilt: {released} of {} member(s) {what}, the others left out",
                    members.len()
                ))
                .action(Action::Converted),
        );
        Ok(rebuilt)
    }

    /// 画像PDF変換: render every page (PDF directly; Office/ODF/RTF/text/HTML through the
    /// LibreOffice sandbox first; an image as one page) and rebuild a PDF of images only.
    /// The optional invisible OCR layer reads the pages kiyome rendered, never the input.
    fn image_pdf(
        &self,
        data: &[u8],
        kind: Kind,
        ctx: &Ctx<'_>,
        out: &mut Inspection,
    ) -> Result<Disarmed, Error> {
        use kiyome_convert::imagepdf;
        let opts = &self.policy.image_pdf;
        let pw = self.password.as_deref();
        let ocr = self
            .policy
            .ocr
            .image_pdf_text_layer
            .then(|| self.policy.ocr.clone());
        let converted = match kind.class() {
            KindClass::Pdf => imagepdf::from_pdf_with_ocr(data, pw, opts, ctx.budget, ocr)?,
            KindClass::Image => match kind {
                Kind::Heic | Kind::Avif | Kind::Jxl => {
                    return Err(Error::unsupported(format!("decoding {kind} images")));
                }
                _ => {
                    let page = kiyome_convert::image_page(data, opts.dpi, ctx.limits())?;
                    let words = match &ocr {
                        Some(o) => {
                            ctx.budget.check_time()?;
                            Some(vec![kiyome_convert::ocr::page_words(
                                &page,
                                Some(opts.dpi),
                                o,
                            )?])
                        }
                        None => None,
                    };
                    imagepdf::from_pages_with_text(
                        std::slice::from_ref(&page),
                        opts,
                        words.as_deref(),
                    )?
                }
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
                imagepdf::from_pdf_with_ocr(&pdf, None, opts, ctx.budget, ocr)?
            }
            _ => {
                return Err(Error::unsupported(format!(
                    "image-PDF conversion of {kind} files"
                )));
            }
        };
        let encodings = &converted.encodings;
        let count = |e: kiyome_convert::Encoding| encodings.iter().filter(|x| **x == e).count();
        let (jpeg, palette) = (
            count(kiyome_convert::Encoding::Jpeg),
            count(kiyome_convert::Encoding::Palette),
        );
        out.add(
            Finding::new("convert.image_pdf", Severity::Info, "file")
                .detail(format!(
                    "{} page(s) rendered at {} dpi ({} JPEG, {} lossless, {} palette within {} of 255){}",
                    encodings.len(),
                    opts.dpi,
                    jpeg,
                    encodings.len() - jpeg - palette,
                    palette,
                    kiyome_convert::imagepdf::PALETTE_TOLERANCE,
                    match converted.ocr_words {
                        Some(n) => format!("; invisible OCR text layer of {n} word(s)"),
                        None => String::new(),
                    }
                ))
                .action(Action::Converted),
        );
        Ok(Disarmed {
            data: converted.pdf,
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
            return kiyome_mail::disarm(data, kind, ctx, &self.policy.mail_options(), out);
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
            let mut opts = self.policy.pdf_options();
            if self.password.is_some() {
                opts.password = self.password.clone();
            }
            return kiyome_pdf::disarm(data, kind, ctx, &opts, out);
        }
        if matches!(
            kind.class(),
            KindClass::Ooxml | KindClass::Odf | KindClass::Ole | KindClass::Rtf
        ) {
            let opts = self.policy.office_options(kind);
            return kiyome_office::disarm(data, kind, ctx, &opts, out);
        }
        // Format crates are wired in here as their disarm handlers land; until then the kind
        // is blocked (default deny).
        Err(Error::unsupported(format!("sanitizing {kind} files")))
    }
}

/// Codes of the dangerous findings in `r` and its children, each once, in order.
fn dangerous_codes(r: &FileReport, codes: &mut Vec<String>) {
    for f in r.findings.iter().filter(|f| f.severity.is_dangerous()) {
        if !codes.contains(&f.code) {
            codes.push(f.code.clone());
        }
    }
    for c in &r.children {
        dangerous_codes(c, codes);
    }
}

/// Kinds whose text-only or image-PDF conversion is a rebuild with converted members.
fn is_container(kind: Kind) -> bool {
    matches!(kind.class(), KindClass::Archive | KindClass::Mail) || kind == Kind::Msg
}

fn method_of(mode: Mode) -> Method {
    match mode {
        Mode::Disarm | Mode::Block => Method::SanitizeProcessing,
        Mode::Text => Method::TextOnlyExtraction,
        Mode::ImagePdf => Method::ImagePdfConversion,
    }
}
