//! The notice at the top of a rebuilt message, in Japanese and English: what was done to
//! each part, with reason codes, so that staff know what they are not seeing and why.

use kiyome_core::{Action, FileReport};

/// What happened to one part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The HTML body became plain text.
    HtmlConverted,
    /// Remote resources (images, tracking pixels) removed.
    RemoteRemoved(usize),
    /// Active HTML content removed.
    ActiveRemoved,
    /// Links defanged.
    LinksDefanged(usize),
    /// An attachment released, sanitized; `new_name` when the name changed; codes removed;
    /// `changed`: something was removed or defanged (a re-encoding alone is no change).
    Released {
        name: String,
        new_name: String,
        removed: Vec<String>,
        changed: bool,
    },
    /// An attachment blocked, with its reason code.
    Blocked { name: String, reason: String },
    /// A PPAP zip held for release.
    Held { name: String, id: String },
    /// A PPAP zip removed (policy `notice`).
    EncryptedRemoved { name: String },
    /// A uuencode block turned into an attachment.
    Uuencode { name: String },
    /// An address or id header that could not be written validly.
    HeaderDropped(String),
}

/// The first line of every notice.
const HEAD: &str = "━━ kiyome: このメールは無害化されました / This message was sanitized ━━";

/// Whether a new notice would add nothing to a body that already opens with one: the message
/// was sanitized before (by kiyome) and this pass changed nothing — no item but attachments
/// released as they were. Leaving the notice as it is keeps a second pass from stacking a
/// second notice on top of the first (sanitizing must be idempotent).
pub fn already_noticed(body: &str, items: &[Outcome]) -> bool {
    body.trim_start().starts_with(HEAD)
        && items.iter().all(|i| {
            matches!(i, Outcome::Released { name, new_name, changed, .. }
                if !changed && name == new_name)
        })
}

/// Renders the notice block.
pub fn render(items: &[Outcome]) -> String {
    let mut s = format!("{HEAD}\r\n");
    if items.is_empty() {
        s.push_str("- 危険因子はありませんでした / no dangerous factor was found\r\n");
    }
    for i in items {
        let line = match i {
            Outcome::HtmlConverted => {
                "- HTML本文をテキストに変換しました / HTML body converted to plain text (mail.html_body)".to_string()
            }
            Outcome::RemoteRemoved(n) => format!(
                "- 外部画像・追跡画像 {n} 件を削除しました / {n} remote image(s) or tracking pixel(s) removed (mail.remote_content)"
            ),
            Outcome::ActiveRemoved => {
                "- HTML内のスクリプト等を削除しました / script and other active HTML removed (mail.active_content)".to_string()
            }
            Outcome::LinksDefanged(n) => format!(
                "- リンク {n} 件をクリックできない形にしました / {n} link(s) defanged, e.g. hxxp://example[.]com (mail.link)"
            ),
            Outcome::Released {
                name,
                new_name,
                removed,
                ..
            } => {
                let renamed = if new_name != name {
                    format!(" →「{new_name}」")
                } else {
                    String::new()
                };
                let codes = if removed.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", removed.join(", "))
                };
                format!("- 添付「{name}」{renamed}: 無害化済み / sanitized{codes}")
            }
            Outcome::Blocked { name, reason } => {
                format!("- 添付「{name}」: 削除（危険または確認不能） / removed: blocked ({reason})")
            }
            Outcome::Held { name, id } => format!(
                "- 添付「{name}」: パスワード付きZIPのため保留しました。パスワードを別途受け取った場合は管理者に連絡してください / held: password-protected zip (mail.encrypted_attachment); ask the administrator to release it: kiyome release {id}"
            ),
            Outcome::EncryptedRemoved { name } => format!(
                "- 添付「{name}」: パスワード付きZIPのため削除しました / removed: password-protected zip (mail.encrypted_attachment)"
            ),
            Outcome::Uuencode { name } => format!(
                "- 本文中の uuencode「{name}」を添付として取り出し検査しました / uuencoded file extracted and checked as an attachment (mail.uuencode)"
            ),
            Outcome::HeaderDropped(h) => format!(
                "- {h} ヘッダーが不正なため省略しました / invalid {h} header left out (mail.malformed)"
            ),
        };
        s.push_str(&line);
        s.push_str("\r\n");
    }
    s.push_str("━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━\r\n\r\n");
    s
}

/// Whether sanitizing removed, defanged or blocked anything in `r` or its nested reports.
pub fn changed(r: &FileReport) -> bool {
    r.findings.iter().any(|f| {
        matches!(
            f.action,
            Action::Removed | Action::Neutralized | Action::Blocked
        )
    }) || r.children.iter().any(changed)
}

/// Codes whose factor was removed, neutralized or converted in a child report (first few).
pub fn removed_codes(r: &FileReport) -> Vec<String> {
    let mut codes: Vec<String> = r
        .findings
        .iter()
        .filter(|f| {
            matches!(
                f.action,
                Action::Removed | Action::Neutralized | Action::Converted
            )
        })
        .map(|f| f.code.clone())
        .collect();
    codes.sort();
    codes.dedup();
    codes.truncate(6);
    codes
}
