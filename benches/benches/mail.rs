//! Mail sanitization throughput (issue 5): messages per second for a realistic mix — a plain
//! Japanese text mail, and an HTML mail with a PDF and a docx attachment — through the whole
//! engine (`Engine::sanitize`: parse, rebuild, attachments through the pipeline, re-inspection),
//! on one core and on all cores.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kiyome_sanitize::Engine;
use rayon::prelude::*;
use std::io::Write;

fn b64(data: &[u8]) -> String {
    use base64::Engine as _;
    let e = base64::engine::general_purpose::STANDARD.encode(data);
    e.as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned() + "\r\n")
        .collect()
}

fn pdf() -> Vec<u8> {
    let objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        "<< /Length 44 >>\nstream\nBT /F1 12 Tf 72 720 Td (Invoice 2026) Tj ET\nendstream",
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objs.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn docx() -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    let parts: [(&str, String); 3] = [
        ("[Content_Types].xml", r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#.into()),
        ("_rels/.rels", r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#.into()),
        ("word/document.xml", format!(r#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{}</w:body></w:document>"#, "<w:p><w:r><w:t>会議資料の本文です。</w:t></w:r></w:p>".repeat(50))),
    ];
    for (n, d) in parts {
        w.start_file(n, o).unwrap();
        w.write_all(d.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn text_mail() -> Vec<u8> {
    let body = "各位\r\n\r\n来週の会議資料をお送りします。詳細は https://www.example.jp/info をご覧ください。\r\n".repeat(20);
    format!("From: a@example.jp\r\nTo: b@city.example.lg.jp\r\nSubject: =?UTF-8?B?5Lya6K2w?=\r\nMessage-ID: <t@example.jp>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}", b64(body.as_bytes())).into_bytes()
}

fn html_mail() -> Vec<u8> {
    let html = format!(
        "<html><body>{}<img src=\"http://t.example/p.gif\" width=1 height=1></body></html>",
        "<p>ご案内 <a href=\"https://example.com/x\">詳細</a></p>".repeat(40)
    );
    let b = "=_bench";
    format!("From: a@example.jp\r\nTo: b@city.example.lg.jp\r\nSubject: invoice\r\nMessage-ID: <h@example.jp>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"{b}\"\r\n\r\n--{b}\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--{b}\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"invoice.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--{b}\r\nContent-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document\r\nContent-Disposition: attachment; filename=\"minutes.docx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--{b}--\r\n",
        b64(html.as_bytes()), b64(&pdf()), b64(&docx())).into_bytes()
}

/// Every message of the mix must come out released with its attachments, or the figures
/// would measure a shortcut (a blocked message costs less).
fn check_mix(engine: &Engine) {
    for (name, mail) in [("t.eml", text_mail()), ("h.eml", html_mail())] {
        let r = engine.sanitize(name, &mail);
        assert_eq!(
            r.report.verdict,
            kiyome_core::Verdict::Released,
            "{name}: {:?}",
            r.report.reason
        );
        let out = String::from_utf8_lossy(&r.output.expect("output").data).into_owned();
        if name == "h.eml" {
            assert!(
                out.contains("application/pdf") && out.contains("wordprocessingml.document"),
                "both attachments released"
            );
            assert!(!out.contains("text/html"), "HTML converted");
        }
    }
}

fn bench(c: &mut Criterion) {
    let engine = Engine::default();
    check_mix(&engine);
    // The mix: as many text mails as HTML mails with two attachments.
    let mix: Vec<(String, Vec<u8>)> = (0..32)
        .map(|i| {
            if i % 2 == 0 {
                (format!("t{i}.eml"), text_mail())
            } else {
                (format!("h{i}.eml"), html_mail())
            }
        })
        .collect();
    let mut g = c.benchmark_group("mail_sanitize_mix");
    // Throughput in elements: criterion prints messages/s.
    g.throughput(Throughput::Elements(mix.len() as u64));
    g.sample_size(10);
    // One core: a one-thread pool, so that nothing inside the engine that uses rayon can
    // spread onto other cores either.
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("one-thread pool");
    g.bench_function("one_core", |b| {
        b.iter(|| {
            one.install(|| {
                mix.iter()
                    .map(|(n, d)| engine.sanitize(n, d).report.size)
                    .sum::<u64>()
            })
        })
    });
    g.bench_function(format!("all_cores_{}", rayon::current_num_threads()), |b| {
        b.iter(|| {
            mix.par_iter()
                .map(|(n, d)| engine.sanitize(n, d).report.size)
                .sum::<u64>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
