//! Every message of a mail input, including the messages attached to it (message/rfc822,
//! an `.eml` or `.msg` attachment), recursively under the depth limit.
//!
//! Used for what must see the whole tree rather than the top-level message only: the ids a
//! quarantined original is known by ([`message_ids`]), and the PPAP zips a held message
//! carries at any depth ([`encrypted_zips`], for `kiyome release`).

use crate::model::{Mail, PartKind};
use crate::{build, load, ppap};
use kiyome_core::{Ctx, Error, Kind, KindClass, sniff};

/// One message found in the input.
#[derive(Debug, Clone)]
pub struct Node {
    /// Its id (Message-ID, or `sha256:<hex>` of its bytes), as its notice names it.
    pub id: String,
    /// The ids of the messages it is attached to, outermost first (empty at top level).
    pub ancestors: Vec<String>,
    /// The parsed message.
    pub mail: Mail,
}

/// Whether `kind` is handled by this crate.
fn is_mail(kind: Kind) -> bool {
    kind.class() == KindClass::Mail || kind == Kind::Msg
}

/// Every message of `data` (each message of an mbox, and every attached message at any
/// depth), outer messages before the messages attached to them.
pub fn walk(data: &[u8], kind: Kind, ctx: &Ctx<'_>) -> Result<Vec<Node>, Error> {
    let mut out = Vec::new();
    walk_into(data, kind, ctx, &[], &mut out)?;
    Ok(out)
}

fn walk_into(
    data: &[u8],
    kind: Kind,
    ctx: &Ctx<'_>,
    ancestors: &[String],
    out: &mut Vec<Node>,
) -> Result<(), Error> {
    for (_, mail) in load(data, kind, ctx)? {
        ctx.budget.check_time()?;
        // The same id as `disarm` gives it: an mbox message has no bytes of its own there,
        // so its id falls back to the hash of its plain rebuild.
        let id = if kind == Kind::Mbox {
            mail.id_or_hash(&build::raw_eml(&mail))
        } else {
            mail.id_or_hash(data)
        };
        let mut chain = ancestors.to_vec();
        chain.push(id.clone());
        let attached: Vec<(Vec<u8>, Kind)> = mail
            .parts
            .iter()
            .filter(|p| p.kind == PartKind::Attachment && !ppap::is_encrypted_zip(&p.data))
            .filter_map(|p| {
                let k = sniff(&p.data, Some(&p.name)).kind;
                is_mail(k).then(|| (p.data.clone(), k))
            })
            .collect();
        out.push(Node {
            id,
            ancestors: ancestors.to_vec(),
            mail,
        });
        for (bytes, k) in attached {
            let inner = ctx.deeper()?;
            walk_into(&bytes, k, &inner, &chain, out)?;
        }
    }
    Ok(())
}

/// The id of every message in the input (see [`walk`]), without duplicates, in order.
/// Empty for other kinds or input that does not parse.
pub fn message_ids(data: &[u8], kind: Kind) -> Vec<String> {
    if !is_mail(kind) {
        return Vec::new();
    }
    let budget = kiyome_core::Budget::new(&kiyome_core::Limits::default());
    let ctx = Ctx::new(&budget, &kiyome_core::NoNesting);
    let mut ids: Vec<String> = Vec::new();
    for n in walk(data, kind, &ctx).unwrap_or_default() {
        if !ids.contains(&n.id) {
            ids.push(n.id);
        }
    }
    ids
}

/// A password-protected zip attached to some message of the input.
#[derive(Debug, Clone)]
pub struct HeldZip {
    /// The id of the message it is attached to.
    pub message_id: String,
    /// The ids of that message and of the messages it is attached to, outermost first.
    pub chain: Vec<String>,
    /// The attachment's (sanitized) file name.
    pub name: String,
    /// The encrypted zip.
    pub data: Vec<u8>,
}

/// Every encrypted zip of every message in the input (see [`walk`]), in message order.
pub fn encrypted_zips(data: &[u8], kind: Kind, ctx: &Ctx<'_>) -> Result<Vec<HeldZip>, Error> {
    let mut out = Vec::new();
    for n in walk(data, kind, ctx)? {
        let mut chain = n.ancestors.clone();
        chain.push(n.id.clone());
        for p in &n.mail.parts {
            if p.kind == PartKind::Attachment && ppap::is_encrypted_zip(&p.data) {
                out.push(HeldZip {
                    message_id: n.id.clone(),
                    chain: chain.clone(),
                    name: p.name.clone(),
                    data: p.data.clone(),
                });
            }
        }
    }
    Ok(out)
}

/// Normalises a message id as an operator may type it: `<abc@x>` → `abc@x`.
pub fn normalize_id(id: &str) -> &str {
    id.trim().trim_start_matches('<').trim_end_matches('>')
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiyome_core::{Budget, Limits, NoNesting};

    fn attached(inner: &str) -> String {
        format!(
            "From: a@example.jp\r\nMessage-ID: <outer@x>\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n\
--b\r\nContent-Type: message/rfc822\r\n\r\n{inner}\r\n--b--\r\n"
        )
    }

    #[test]
    fn attached_messages_are_walked_with_their_chain() {
        let inner = "From: c@example.jp\r\nMessage-ID: <inner@x>\r\nSubject: i\r\n\r\nbody\r\n";
        let msg = attached(&attached(inner).replace("outer@x", "middle@x"));
        let budget = Budget::new(&Limits::default());
        let ctx = Ctx::new(&budget, &NoNesting);
        let nodes = walk(msg.as_bytes(), Kind::Eml, &ctx).unwrap();
        let ids: Vec<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["outer@x", "middle@x", "inner@x"]);
        assert_eq!(nodes[2].ancestors, ["outer@x", "middle@x"]);
        assert_eq!(
            message_ids(msg.as_bytes(), Kind::Eml),
            ["outer@x", "middle@x", "inner@x"]
        );
        assert!(message_ids(b"plain text", Kind::Text).is_empty());
    }

    #[test]
    fn deep_nesting_stops_at_the_depth_limit() {
        let mut msg = "From: c@example.jp\r\nSubject: i\r\n\r\nbody\r\n".to_string();
        for i in 0..12 {
            msg = attached(&msg).replace("outer@x", &format!("m{i}@x"));
        }
        let limits = Limits {
            max_depth: 4,
            ..Limits::default()
        };
        let budget = Budget::new(&limits);
        let ctx = Ctx::new(&budget, &NoNesting);
        let err = walk(msg.as_bytes(), Kind::Eml, &ctx).unwrap_err();
        assert_eq!(err.code(), "limit.depth");
    }
}
