//! `[factors]` and the policy switches change what disarm does, and say so in the report;
//! `docs/policy.md` documents every key of the default policy.

use kiyome_core::corpus::{fixtures_dir, repo_root, shared_corpus};
use kiyome_core::{Action, FileReport, Verdict};
use kiyome_sanitize::{Engine, Mode, Policy};
use std::io::Read;

fn engine(toml: &str) -> Engine {
    Engine::with_policy(Policy::from_toml(toml).unwrap_or_else(|e| panic!("{e}")))
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixtures_dir().join(name)).expect("fixture")
}

/// Every finding of a report and its children, as (code, action).
fn all(r: &FileReport) -> Vec<(String, Action)> {
    let mut v: Vec<(String, Action)> = r
        .findings
        .iter()
        .map(|f| (f.code.clone(), f.action))
        .collect();
    for c in &r.children {
        v.extend(all(c));
    }
    v
}

fn codes(r: &FileReport) -> Vec<String> {
    all(r).into_iter().map(|(c, _)| c).collect()
}

/// Sanitizes `data` and re-inspects the released output; panics when it is blocked.
fn released(e: &Engine, name: &str, data: &[u8]) -> (FileReport, FileReport, Vec<u8>) {
    let s = e.sanitize(name, data);
    assert_eq!(
        s.report.verdict,
        Verdict::Released,
        "{name}: {:?}",
        s.report.reason
    );
    let out = s.output.expect("output").data;
    let check = Engine::default().inspect(name, &out);
    (s.report, check, out)
}

fn member_names(zip: &[u8]) -> Vec<String> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("zip output");
    (0..z.len())
        .map(|i| {
            z.by_index_raw(i)
                .expect("member")
                .name()
                .expect("utf-8")
                .to_string()
        })
        .collect()
}

fn member(zip: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("zip output");
    let mut s = String::new();
    z.by_name(name)
        .expect("member")
        .read_to_string(&mut s)
        .expect("utf-8");
    s
}

#[test]
fn docs_policy_md_lists_every_key_of_the_default_policy_with_its_default() {
    let path = repo_root().join("docs/policy.md");
    let doc = std::fs::read_to_string(&path).expect("docs/policy.md");
    let p = Policy::default();
    let value = toml::Value::try_from(&p).expect("policy as TOML");
    let paths = kiyome_sanitize::policy_doc::key_paths(&p);
    assert!(paths.len() > 30, "{paths:?}");
    for key in &paths {
        let row = format!("| `{key}` |");
        let line = doc
            .lines()
            .find(|l| l.starts_with(&row))
            .unwrap_or_else(|| panic!("docs/policy.md has no row for `{key}` (key added?)"));
        let v = key
            .split('.')
            .try_fold(&value, |v, k| v.get(k))
            .expect("key path");
        if !v.is_table() {
            let cell = format!("| `{key}` | `{v}` |");
            assert!(
                line.starts_with(&cell),
                "docs/policy.md: `{key}` default is `{v}`, the row says: {line}"
            );
        }
    }
    // …and no row for a key that no longer exists.
    let table = doc.split("## Every key").nth(1).expect("the key table");
    for line in table.lines().filter(|l| l.starts_with("| `")) {
        let key = line.split('`').nth(1).unwrap_or("");
        assert!(
            paths.iter().any(|p| p == key),
            "docs/policy.md documents unknown key `{key}`"
        );
    }
}

#[test]
fn a_blocked_factor_blocks_the_file_in_every_mode_with_its_code_as_reason() {
    let data = fixture("pptx_unc_hyperlink.pptx");
    let default = Engine::default().sanitize("a.pptx", &data);
    assert_eq!(
        default.report.verdict,
        Verdict::Released,
        "{:?}",
        default.report.reason
    );

    let mut e = engine("[factors]\n\"ooxml.external_relationship\" = \"block\"\n");
    for mode in [None, Some(Mode::Text)] {
        e.mode = mode;
        let s = e.sanitize("a.pptx", &data);
        assert_eq!(s.report.verdict, Verdict::Blocked, "{mode:?}");
        assert_eq!(
            s.report.reason.as_deref(),
            Some("ooxml.external_relationship")
        );
        assert!(s.output.is_none());
        let f = s
            .report
            .findings
            .iter()
            .find(|f| f.code == "ooxml.external_relationship" && f.action == Action::Blocked)
            .expect("the blocking finding");
        assert!(f.detail.contains("blocked by policy"), "{}", f.detail);
    }
    // A prefix covers the whole family; a clean document is not affected.
    let e = engine("[factors]\nooxml = \"block\"\n");
    let s = e.sanitize("a.pptx", &data);
    assert_eq!(
        s.report.reason.as_deref(),
        Some("ooxml.external_relationship")
    );
    let clean = e.sanitize("c.docx", &fixture("docx_clean_control.docx"));
    assert_eq!(
        clean.report.verdict,
        Verdict::Released,
        "{:?}",
        clean.report
    );
}

/// A one-page PDF whose only annotation is a link to http://example.com/.
fn pdf_with_web_link() -> Vec<u8> {
    let objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>",
        "<< /Type /Annot /Subtype /Link /Rect [10 10 100 30] /Border [0 0 0] /A << /S /URI /URI (http://example.com/) >> >>",
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).bytes());
    }
    let xref = pdf.len();
    pdf.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).bytes());
    for o in offsets {
        pdf.extend(format!("{o:010} 00000 n \n").bytes());
    }
    pdf.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objs.len() + 1
        )
        .bytes(),
    );
    pdf
}

#[test]
fn pdf_uri_remove_takes_web_links_out_too() {
    let pdf = pdf_with_web_link();
    let (_, check, out) = released(&Engine::default(), "l.pdf", &pdf);
    assert!(
        codes(&check).contains(&"pdf.uri".to_string()),
        "default keeps the web link"
    );
    assert!(out.windows(4).any(|w| w == b"/URI"));

    let (report, check, out) = released(
        &engine("[factors]\n\"pdf.uri\" = \"remove\"\n"),
        "l.pdf",
        &pdf,
    );
    assert!(!codes(&check).contains(&"pdf.uri".to_string()), "{check:?}");
    assert!(!out.windows(4).any(|w| w == b"/URI"));
    assert!(
        all(&report)
            .iter()
            .any(|(c, a)| c == "pdf.uri" && matches!(a, Action::Removed | Action::Neutralized)),
        "{report:?}"
    );
}

#[test]
fn ooxml_comments_and_properties_follow_their_factor_entries() {
    let data = fixture("redact_docx_hidden_info.docx");
    // Default: comments kept (reported as kept), personal properties removed.
    let (report, check, out) = released(&Engine::default(), "h.docx", &data);
    assert!(
        all(&report).contains(&("ooxml.comments".into(), Action::Kept)),
        "{report:?}"
    );
    assert!(codes(&check).contains(&"ooxml.comments".to_string()));
    assert!(member_names(&out).iter().any(|n| n == "word/comments.xml"));

    let e = engine("[factors]\n\"ooxml.comments\" = \"remove\"\n\"ooxml.properties\" = \"keep\"\n");
    let (report, check, out) = released(&e, "h.docx", &data);
    assert!(all(&report).contains(&("ooxml.comments".into(), Action::Removed)));
    assert!(all(&report).contains(&("ooxml.properties".into(), Action::Kept)));
    assert!(
        !codes(&check).contains(&"ooxml.comments".to_string()),
        "{check:?}"
    );
    let names = member_names(&out);
    assert!(
        !names
            .iter()
            .any(|n| n.to_ascii_lowercase().contains("comments")),
        "{names:?}"
    );
    let body = member(&out, "word/document.xml");
    assert!(!body.contains("commentReference") && !body.contains("commentRangeStart"));
    // The input's author survives only because the policy keeps properties.
    let original = member(&data, "docProps/core.xml");
    let kept = member(&out, "docProps/core.xml");
    assert!(
        original.contains("dc:creator") && kept.contains("dc:creator"),
        "{kept}"
    );
}

#[test]
fn mail_html_body_keep_rebuilds_an_html_alternative() {
    let data = fixture("mail_html_tracking_pixel_javascript_link.eml");
    let (_, _, out) = released(&Engine::default(), "m.eml", &data);
    assert!(
        !String::from_utf8_lossy(&out)
            .to_ascii_lowercase()
            .contains("text/html")
    );
    let (_, check, out) = released(
        &engine("[factors]\n\"mail.html_body\" = \"keep\"\n"),
        "m.eml",
        &data,
    );
    let text = String::from_utf8_lossy(&out).to_ascii_lowercase();
    assert!(text.contains("text/html"), "no HTML alternative");
    assert!(!text.contains("<script"), "{text}");
    assert!(!check.has_dangerous(), "{check:?}");
}

#[test]
fn embedded_documents_are_sanitized_and_kept_or_removed_by_policy() {
    let Some(dir) = shared_corpus("embedded_documents_are_sanitized_and_kept_or_removed_by_policy")
    else {
        return;
    };
    let data = std::fs::read(dir.join("ooxml-general/poi__WordWithAttachments.docx")).unwrap();
    // Default: the Word and Excel documents are sanitized and kept; the OLE package (a
    // file wrapped in Ole10Native, which runs whatever it holds) is removed.
    let (report, check, out) = released(&Engine::default(), "w.docx", &data);
    let names = member_names(&out);
    let embedded: Vec<&String> = names
        .iter()
        .filter(|n| n.contains("/embeddings/"))
        .collect();
    assert_eq!(embedded.len(), 4, "{names:?}");
    assert!(
        !names.iter().any(|n| n.ends_with("oleObject1.bin")),
        "{names:?}"
    );
    assert!(all(&report).contains(&("ooxml.ole_embedding".into(), Action::Neutralized)));
    assert!(all(&report).contains(&("ooxml.ole_embedding".into(), Action::Removed)));
    // Re-inspected, each kept embedding is a clean document (Low), not a dangerous factor.
    let emb: Vec<_> = check
        .findings
        .iter()
        .filter(|f| f.code == "ooxml.ole_embedding")
        .collect();
    assert_eq!(emb.len(), 4);
    assert!(emb.iter().all(|f| !f.severity.is_dangerous()), "{emb:?}");

    for toml in [
        "[office]\nembedded_objects = \"remove\"\n",
        "[factors]\n\"ooxml.ole_embedding\" = \"remove\"\n",
    ] {
        let (_, check, out) = released(&engine(toml), "w.docx", &data);
        let names = member_names(&out);
        assert!(
            !names.iter().any(|n| n.contains("/embeddings/")),
            "{toml}: {names:?}"
        );
        assert!(check.children.is_empty());
    }
}
