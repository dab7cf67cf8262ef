//! A mail with a message attached as `message/rfc822` (7bit, parsed in place by the MIME
//! parser) must be rebuilt with that message, not with the whole outer message in its place:
//! the latter made every such mail contain itself and be blocked with `limit.depth`.

use kiyome_core::{Limits, Verdict};
use kiyome_sanitize::Engine;

const MAIL: &str = "From: a@example.jp\r\nTo: b@example.jp\r\nSubject: outer\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nouter body\r\n\
--b1\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"inner.eml\"\r\n\r\n\
From: c@example.jp\r\nSubject: inner\r\nContent-Type: text/plain\r\n\r\ninner body\r\n\
--b1--\r\n";

#[test]
fn attached_message_is_the_nested_message_only() {
    let engine = Engine::new(Limits::default());
    let inspected = engine.inspect("m.eml", MAIL.as_bytes());
    assert_eq!(inspected.children.len(), 1);
    let child = &inspected.children[0];
    assert!(
        child.size < 100,
        "nested message is {} bytes, the outer one {}",
        child.size,
        MAIL.len()
    );
    assert!(child.children.is_empty());

    let out = engine.sanitize("m.eml", MAIL.as_bytes());
    assert_eq!(
        out.report.verdict,
        Verdict::Released,
        "{:?}",
        out.report.reason
    );
    let rebuilt = String::from_utf8(out.output.expect("output").data).expect("7-bit mail");
    assert_eq!(rebuilt.matches("Subject: outer").count(), 1);
    assert_eq!(rebuilt.matches("Subject: inner").count(), 1);
}
