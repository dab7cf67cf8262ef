//! The context handed to every format handler: budget, depth and the way back into the
//! engine for nested files.

use crate::{Budget, Error, FileReport, Finding, Kind, LimitKind};

/// Lets a format handler hand an embedded file (archive member, OLE object, attachment) back
/// to the engine, which detects its kind and inspects it with the right handler.
pub trait Nested: Sync {
    /// Inspects `data`, found at `name` inside the current file, one level deeper.
    fn inspect_nested(&self, name: &str, data: &[u8], ctx: &Ctx<'_>) -> FileReport;

    /// Sanitizes `data`, found at `name` inside the current file, by the engine's policy for
    /// its kind (disarm, text, image-pdf or block), one level deeper. Returns the member's
    /// report and, when it was released, the rebuilt bytes.
    fn sanitize_nested(
        &self,
        name: &str,
        data: &[u8],
        ctx: &Ctx<'_>,
    ) -> (FileReport, Option<Disarmed>);
}

/// The rebuilt output of a handler: bytes and the kind they are (`docm` input → `docx` output).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disarmed {
    /// The rebuilt file.
    pub data: Vec<u8>,
    /// Its kind.
    pub kind: Kind,
}

/// A [`Nested`] that does not recurse: every embedded file is reported as not inspected.
/// Useful in format-crate unit tests.
pub struct NoNesting;

impl Nested for NoNesting {
    fn inspect_nested(&self, name: &str, data: &[u8], _ctx: &Ctx<'_>) -> FileReport {
        let det = crate::sniff(data, Some(name));
        let mut r = FileReport::new(name, data, &det);
        r.findings.push(
            Finding::new("unsupported", crate::Severity::Medium, name)
                .detail("nested file not inspected"),
        );
        r.block("unsupported");
        r
    }

    fn sanitize_nested(
        &self,
        name: &str,
        data: &[u8],
        ctx: &Ctx<'_>,
    ) -> (FileReport, Option<Disarmed>) {
        (self.inspect_nested(name, data, ctx), None)
    }
}

/// Per-input context: shared budget, current depth, and the nested-file hook.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    /// The budget shared by everything parsed for the top-level input.
    pub budget: &'a Budget,
    /// Nesting depth of the file being handled (0 for the top-level input).
    pub depth: u32,
    /// The engine, for nested files.
    pub nested: &'a dyn Nested,
    /// Whether the quarantined original of the top-level input holds this file so that an
    /// operator can release a part of it later: true for the top-level input and for the
    /// attachments of a message that is itself holdable (see [`Ctx::sanitize_attachment`]),
    /// false inside any other container. A PPAP zip in a message inside a zip cannot be held
    /// for `kiyome release`; the mail handler then removes it with a notice instead.
    pub holdable: bool,
}

impl<'a> Ctx<'a> {
    /// A context for a top-level input.
    pub fn new(budget: &'a Budget, nested: &'a dyn Nested) -> Self {
        Ctx {
            budget,
            depth: 0,
            nested,
            holdable: true,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &crate::Limits {
        self.budget.limits()
    }

    /// The context one level deeper, or a depth-limit error.
    pub fn deeper(&self) -> Result<Ctx<'a>, Error> {
        let depth = self.depth + 1;
        let max = self.limits().max_depth;
        if depth > max {
            return Err(Error::limit(LimitKind::Depth, depth as u64, max as u64));
        }
        Ok(Ctx {
            depth,
            holdable: false,
            ..*self
        })
    }

    /// Inspects a nested file one level deeper; past the depth limit, returns a report that
    /// carries the `limit.depth` finding instead.
    pub fn inspect_nested(&self, name: &str, data: &[u8]) -> FileReport {
        match self.deeper() {
            Ok(inner) => self.nested.inspect_nested(name, data, &inner),
            Err(e) => {
                let det = crate::sniff(data, Some(name));
                let mut r = FileReport::new(name, data, &det);
                r.findings.push(Finding::from_error(&e, name));
                r.block(e.code());
                r
            }
        }
    }

    /// Sanitizes a nested file one level deeper; past the depth limit, the member is blocked
    /// with `limit.depth`.
    pub fn sanitize_nested(&self, name: &str, data: &[u8]) -> (FileReport, Option<Disarmed>) {
        match self.deeper() {
            Ok(inner) => self.nested.sanitize_nested(name, data, &inner),
            Err(_) => (self.inspect_nested(name, data), None),
        }
    }

    /// [`Ctx::sanitize_nested`] for an attachment of a mail message: the attachment stays
    /// [`Ctx::holdable`] when its message is (an attached message's own PPAP zip can be held
    /// with the top-level original).
    pub fn sanitize_attachment(&self, name: &str, data: &[u8]) -> (FileReport, Option<Disarmed>) {
        match self.deeper() {
            Ok(inner) => {
                let inner = Ctx {
                    holdable: self.holdable,
                    ..inner
                };
                self.nested.sanitize_nested(name, data, &inner)
            }
            Err(_) => (self.inspect_nested(name, data), None),
        }
    }
}

/// What an inspect handler collects. Findings gathered before an error are kept.
#[derive(Debug, Default)]
pub struct Inspection {
    /// Findings so far.
    pub findings: Vec<Finding>,
    /// Reports of nested files.
    pub children: Vec<FileReport>,
}

impl Inspection {
    /// Adds a finding.
    pub fn add(&mut self, f: Finding) {
        self.findings.push(f);
    }

    /// Whether a finding with this code was added.
    pub fn has(&self, code: &str) -> bool {
        self.findings.iter().any(|f| f.code == code)
    }
}
