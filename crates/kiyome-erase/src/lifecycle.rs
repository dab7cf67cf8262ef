//! Officers, dual-control erasure requests, execution, and crash recovery.
//!
//! Execution order (the crash-safety argument of `docs/erasure-model.md`):
//! 1. compute the re-keyed path in memory and create root generation g+1 in custody;
//! 2. one SQLite transaction: new KEKs and re-wrapped children, erased keys' wrapped copies
//!    deleted, state `erasing`, `root_generation = g+1`, an `erasures` row `destroying`;
//! 3. destroy root g in custody;
//! 4. one transaction: state `erased`, evidence, events.
//!
//! A crash before 2 commits leaves g current and g+1 orphaned: [`Store::open`] destroys g+1.
//! A crash after 2 leaves an `erasures` row `destroying`: open destroys g (idempotent) and
//! runs step 4. So no key is ever gone without its record, and no record says `erased` while
//! the old root (and with it an earlier copy of the store) could still recover the key.

use crate::error::{Error, Result};
use crate::evidence::{ContainerRef, ErasureEvidence, OfficerSignature};
use crate::officer::{self, OfficerKey};
use crate::store::{KeyInfo, KeyState, Store, event};
use crate::tree::{Tree, set_meta};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use std::collections::BTreeSet;

/// A pending or past erasure request, for listing.
#[derive(Clone, Debug, Serialize)]
pub struct ErasureRequestView {
    /// Key label.
    pub label: String,
    /// Key id.
    pub key_id: String,
    /// requested | approved | cancelled | executed
    pub status: String,
    /// Requesting officer.
    pub requester: String,
    /// When requested.
    pub requested_at: String,
    /// Approving officer.
    pub approver: Option<String>,
    /// When approved.
    pub approved_at: Option<String>,
    /// Earliest execution time (approval + waiting period).
    pub executable_at: Option<String>,
}

/// Result of [`Store::execute_erasures`].
#[derive(Debug, Default)]
pub struct ErasureOutcome {
    /// Evidence of each key erased now.
    pub evidence: Vec<ErasureEvidence>,
    /// Approved requests not executed, with the reason (waiting period, hold, signature).
    pub skipped: Vec<(String, String)>,
}

struct Req {
    id: i64,
    key_id: String,
    requester: String,
    requested_at: String,
    request_msg: String,
    request_sig: String,
    approver: Option<String>,
    approved_at: Option<String>,
    approve_msg: Option<String>,
    approve_sig: Option<String>,
}

const REQ_COLS: &str = "id, key_id, requester, requested_at, request_msg, request_sig, approver, approved_at, approve_msg, approve_sig";

fn row_to_req(r: &rusqlite::Row<'_>) -> rusqlite::Result<Req> {
    Ok(Req {
        id: r.get(0)?,
        key_id: r.get(1)?,
        requester: r.get(2)?,
        requested_at: r.get(3)?,
        request_msg: r.get(4)?,
        request_sig: r.get(5)?,
        approver: r.get(6)?,
        approved_at: r.get(7)?,
        approve_msg: r.get(8)?,
        approve_sig: r.get(9)?,
    })
}

fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| Error::Integrity(format!("bad timestamp {s:?}")))
}

impl Store {
    /// Registers an officer and returns the new private key (to be saved by the caller).
    pub fn add_officer(&mut self, name: &str) -> Result<OfficerKey> {
        let _lock = self.exclusive()?;
        let key = OfficerKey::generate(name)?;
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "INSERT OR IGNORE INTO officers(name, public_key, created_at) VALUES (?1, ?2, ?3)",
            params![name, key.public_hex(), crate::now_rfc3339()],
        )?;
        if n == 0 {
            return Err(Error::Officer(format!("officer {name:?} already exists")));
        }
        event(
            &tx,
            "officer_added",
            None,
            Some(name),
            &serde_json::json!({"public_key": key.public_hex()}).to_string(),
        )?;
        tx.commit()?;
        Ok(key)
    }

    /// Registered officers and their public keys.
    pub fn officers(&self) -> Result<Vec<(String, String)>> {
        let mut st = self
            .conn
            .prepare("SELECT name, public_key FROM officers ORDER BY name")?;
        let v = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(v)
    }

    fn officer_public(&self, name: &str) -> Result<String> {
        self.conn
            .query_row(
                "SELECT public_key FROM officers WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| Error::Officer(format!("{name:?} is not a registered officer")))
    }

    fn check_officer(&self, key: &OfficerKey) -> Result<String> {
        let pk = self.officer_public(&key.name)?;
        if pk != key.public_hex() {
            return Err(Error::Officer(format!(
                "the key file is not the registered key of {:?}",
                key.name
            )));
        }
        Ok(pk)
    }

    fn open_request(&self, key_id: &str) -> Result<Option<Req>> {
        let sql = format!(
            "SELECT {REQ_COLS} FROM requests WHERE key_id = ?1 AND status IN ('requested','approved') ORDER BY id DESC LIMIT 1"
        );
        Ok(self.conn.query_row(&sql, [key_id], row_to_req).optional()?)
    }

    /// Signs and records an erasure request for key `name`.
    pub fn request_erasure(
        &mut self,
        name: &str,
        officer: &OfficerKey,
        reason: &str,
    ) -> Result<()> {
        let _lock = self.exclusive()?;
        self.check_officer(officer)?;
        let k = self.key(name)?;
        if k.state != KeyState::Active {
            return Err(Error::State(format!(
                "key {} is {}, not active",
                k.label,
                k.state.as_str()
            )));
        }
        if !k.holds.is_empty() {
            return Err(Error::State(format!(
                "key {} is under legal hold ({}): erasure blocked",
                k.label,
                k.holds.join("; ")
            )));
        }
        let at = crate::now_rfc3339();
        let msg = format!(
            "kiyome erase-request v1\nstore {}\nkey {}\nlabel {}\nofficer {}\nat {at}\nreason {}\n",
            self.store_id(),
            k.key_id,
            k.label,
            officer.name,
            reason.replace('\n', " ")
        );
        let sig = officer.sign(&msg);
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO requests(key_id, status, reason, requester, requested_at, request_msg, request_sig) VALUES (?1, 'requested', ?2, ?3, ?4, ?5, ?6)",
            params![k.key_id, reason, officer.name, at, msg, sig],
        )?;
        tx.execute(
            "UPDATE keys SET state = 'erasure_pending' WHERE key_id = ?1",
            [&k.key_id],
        )?;
        event(
            &tx,
            "erase_requested",
            Some(&k.key_id),
            Some(&officer.name),
            &serde_json::json!({"reason": reason, "signature": sig}).to_string(),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Approves a pending request; the approver must differ from the requester (dual control).
    pub fn approve_erasure(&mut self, name: &str, officer: &OfficerKey) -> Result<String> {
        let _lock = self.exclusive()?;
        self.check_officer(officer)?;
        let k = self.key(name)?;
        let req = self
            .open_request(&k.key_id)?
            .filter(|r| r.approver.is_none())
            .ok_or_else(|| {
                Error::State(format!(
                    "no erasure request awaiting approval for {}",
                    k.label
                ))
            })?;
        if req.requester == officer.name {
            return Err(Error::Officer(format!(
                "dual control: {} requested this erasure and cannot approve it; another officer must approve",
                officer.name
            )));
        }
        officer::verify(
            &self.officer_public(&req.requester)?,
            &req.request_msg,
            &req.request_sig,
        )?;
        let at = crate::now_rfc3339();
        let msg = format!(
            "kiyome erase-approve v1\nstore {}\nkey {}\nrequest-signature {}\nofficer {}\nat {at}\n",
            self.store_id(),
            k.key_id,
            req.request_sig,
            officer.name
        );
        let sig = officer.sign(&msg);
        let wait = self.erase_wait_secs()?;
        let executable = (parse_time(&at)? + chrono::Duration::seconds(wait as i64))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE requests SET status = 'approved', approver = ?2, approved_at = ?3, approve_msg = ?4, approve_sig = ?5 WHERE id = ?1",
            params![req.id, officer.name, at, msg, sig],
        )?;
        event(
            &tx,
            "erase_approved",
            Some(&k.key_id),
            Some(&officer.name),
            &serde_json::json!({"signature": sig, "executable_at": executable}).to_string(),
        )?;
        tx.commit()?;
        Ok(executable)
    }

    /// Cancels a pending request (any registered officer, signed); the key becomes active.
    pub fn cancel_erasure(&mut self, name: &str, officer: &OfficerKey) -> Result<()> {
        let _lock = self.exclusive()?;
        self.check_officer(officer)?;
        let k = self.key(name)?;
        let req = self
            .open_request(&k.key_id)?
            .ok_or_else(|| Error::State(format!("no pending erasure request for {}", k.label)))?;
        let at = crate::now_rfc3339();
        let msg = format!(
            "kiyome erase-cancel v1\nstore {}\nkey {}\nrequest-signature {}\nofficer {}\nat {at}\n",
            self.store_id(),
            k.key_id,
            req.request_sig,
            officer.name
        );
        let sig = officer.sign(&msg);
        let tx = self.conn.transaction()?;
        tx.execute("UPDATE requests SET status = 'cancelled', cancelled_by = ?2, cancelled_at = ?3 WHERE id = ?1", params![req.id, officer.name, at])?;
        tx.execute(
            "UPDATE keys SET state = 'active' WHERE key_id = ?1 AND state = 'erasure_pending'",
            [&k.key_id],
        )?;
        event(
            &tx,
            "erase_cancelled",
            Some(&k.key_id),
            Some(&officer.name),
            &serde_json::json!({"message": msg, "signature": sig}).to_string(),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Requests in the store, newest first.
    pub fn erasure_requests(&self) -> Result<Vec<ErasureRequestView>> {
        let wait = self.erase_wait_secs()? as i64;
        let mut st = self.conn.prepare(
            "SELECT k.label, r.key_id, r.status, r.requester, r.requested_at, r.approver, r.approved_at
             FROM requests r JOIN keys k ON k.key_id = r.key_id ORDER BY r.id DESC",
        )?;
        let rows = st.query_map([], |r| {
            Ok(ErasureRequestView {
                label: r.get(0)?,
                key_id: r.get(1)?,
                status: r.get(2)?,
                requester: r.get(3)?,
                requested_at: r.get(4)?,
                approver: r.get(5)?,
                approved_at: r.get(6)?,
                executable_at: None,
            })
        })?;
        let mut out = Vec::new();
        for v in rows {
            let mut v = v?;
            if let Some(a) = &v.approved_at {
                v.executable_at = Some(
                    (parse_time(a)? + chrono::Duration::seconds(wait))
                        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                );
            }
            out.push(v);
        }
        Ok(out)
    }

    /// Executes every approved request whose waiting period has passed (restricted to the
    /// keys named in `only` when it is not empty) in one pass: one root rotation.
    pub fn execute_erasures(
        &mut self,
        only: &[String],
    ) -> Result<crate::lifecycle::ErasureOutcome> {
        let _lock = self.exclusive()?;
        let mut outcome = ErasureOutcome::default();
        let mut wanted = BTreeSet::new();
        for n in only {
            wanted.insert(self.key(n)?.key_id);
        }
        let sql = format!("SELECT {REQ_COLS} FROM requests WHERE status = 'approved' ORDER BY id");
        let reqs: Vec<Req> = self
            .conn
            .prepare(&sql)?
            .query_map([], row_to_req)?
            .collect::<rusqlite::Result<_>>()?;
        let wait = chrono::Duration::seconds(self.erase_wait_secs()? as i64);
        let now = chrono::Utc::now();
        let mut go: Vec<(Req, KeyInfo)> = Vec::new();
        for r in reqs {
            if !wanted.is_empty() && !wanted.contains(&r.key_id) {
                continue;
            }
            let k = self.key(&r.key_id)?;
            match self.eligible(&r, &k, now, wait) {
                Ok(()) => go.push((r, k)),
                Err(e) => outcome.skipped.push((k.label.clone(), e.to_string())),
            }
        }
        for w in &wanted {
            let k = self.key(w)?;
            if !go.iter().any(|(_, g)| &g.key_id == w)
                && !outcome.skipped.iter().any(|(l, _)| l == &k.label)
            {
                outcome
                    .skipped
                    .push((k.label, "no approved erasure request".into()));
            }
        }
        if go.is_empty() {
            return Ok(outcome);
        }
        let slots: BTreeSet<u64> = go.iter().map(|(_, k)| k.slot).collect();
        let old_gen = self.root_generation()?;
        let max_known: u64 =
            self.conn
                .query_row("SELECT COALESCE(MAX(generation), 0) FROM roots", [], |r| {
                    r.get::<_, i64>(0)
                })? as u64;
        let custody_max = self.custody.generations()?.into_iter().max().unwrap_or(0);
        let new_gen = max_known.max(custody_max) + 1;
        let mut tree = Tree::load(&self.conn, self.store_id)?;
        // Step 1: plan and create the new root (nothing in the store changes yet).
        let plan = tree.rekey(&self.conn, self.custody.as_mut(), &slots, new_gen)?;
        drop(tree);
        let erasure_id = hex::encode(crate::secret::random::<16>()?);
        let at = crate::now_rfc3339();
        // Step 2: commit the re-keyed store.
        let tx = self.conn.transaction()?;
        {
            let mut up_kek =
                tx.prepare_cached("UPDATE kek SET wrapped = ?3 WHERE level = ?1 AND idx = ?2")?;
            for (l, i, b) in &plan.kek_rows {
                up_kek.execute(params![l, *i as i64, b])?;
            }
            let mut up_dk = tx.prepare_cached("UPDATE keys SET wrapped = ?2 WHERE slot = ?1")?;
            for (s, b) in &plan.dk_rows {
                up_dk.execute(params![*s as i64, b])?;
            }
        }
        set_meta(&tx, "root_generation", &new_gen.to_string())?;
        tx.execute(
            "INSERT INTO roots(generation, created_at) VALUES (?1, ?2)",
            params![new_gen as i64, at],
        )?;
        tx.execute(
            "UPDATE roots SET retired_at = ?2 WHERE generation = ?1",
            params![old_gen as i64, at],
        )?;
        tx.execute(
            "INSERT INTO erasures(erasure_id, old_gen, new_gen, executed_at, status, levels) VALUES (?1, ?2, ?3, ?4, 'destroying', ?5)",
            params![erasure_id, old_gen as i64, new_gen as i64, at, plan.levels],
        )?;
        event(
            &tx,
            "root_created",
            None,
            None,
            &serde_json::json!({"generation": new_gen, "custody": self.custody.describe()})
                .to_string(),
        )?;
        for (r, k) in &go {
            // The wrapped copy is deleted here, together with the record of the execution.
            tx.execute(
                "UPDATE keys SET state = 'erasing', wrapped = NULL, executed_at = ?2, erasure_id = ?3 WHERE key_id = ?1",
                params![k.key_id, at, erasure_id],
            )?;
            tx.execute(
                "UPDATE requests SET status = 'executed' WHERE id = ?1",
                [r.id],
            )?;
            event(&tx, "erase_executed", Some(&k.key_id), None, &serde_json::json!({"erasure_id": erasure_id, "old_root_generation": old_gen, "new_root_generation": new_gen}).to_string())?;
        }
        tx.commit()?;
        // Step 3: destroy the old root; step 4: record the erasure as complete.
        self.custody.destroy(old_gen)?;
        self.finalize(&erasure_id, false)?;
        for (_, k) in &go {
            outcome.evidence.push(
                self.evidence(&k.key_id)?
                    .ok_or_else(|| Error::Integrity("evidence missing".into()))?,
            );
        }
        Ok(outcome)
    }

    fn eligible(
        &self,
        r: &Req,
        k: &KeyInfo,
        now: chrono::DateTime<chrono::Utc>,
        wait: chrono::Duration,
    ) -> Result<()> {
        if !k.holds.is_empty() {
            return Err(Error::State(format!("legal hold: {}", k.holds.join("; "))));
        }
        if k.state != KeyState::ErasurePending {
            return Err(Error::State(format!("key is {}", k.state.as_str())));
        }
        let (Some(approver), Some(at), Some(msg), Some(sig)) =
            (&r.approver, &r.approved_at, &r.approve_msg, &r.approve_sig)
        else {
            return Err(Error::State("not approved".into()));
        };
        if approver == &r.requester {
            return Err(Error::Officer(
                "requester and approver are the same officer".into(),
            ));
        }
        officer::verify(
            &self.officer_public(&r.requester)?,
            &r.request_msg,
            &r.request_sig,
        )?;
        officer::verify(&self.officer_public(approver)?, msg, sig)?;
        if !msg.contains(&format!("request-signature {}\n", r.request_sig))
            || !r.request_msg.contains(&format!("key {}\n", k.key_id))
        {
            return Err(Error::Officer(
                "the approval does not refer to this request".into(),
            ));
        }
        let ready = parse_time(at)? + wait;
        if now < ready {
            return Err(Error::State(format!(
                "waiting period runs until {}",
                ready.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )));
        }
        Ok(())
    }

    /// Completes interrupted erasures and destroys orphaned root generations. Runs on open.
    pub(crate) fn recover(&mut self) -> Result<()> {
        let current = self.root_generation()?;
        let gens = self.custody.generations()?;
        if !gens.contains(&current) {
            return Err(Error::Integrity(format!(
                "root generation {current} is missing from {}: wrong root file or token, or the store was restored from a backup after an erasure",
                self.custody.describe()
            )));
        }
        let pending: Vec<(String, i64)> = self
            .conn
            .prepare("SELECT erasure_id, old_gen FROM erasures WHERE status = 'destroying'")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for g in gens.iter().filter(|g| **g != current) {
            // Either the retired root of a committed erasure, or a root created for an
            // erasure that never committed: both must go.
            self.custody.destroy(*g)?;
            if !pending.iter().any(|(_, og)| *og as u64 == *g) {
                event(
                    &self.conn,
                    "root_destroyed",
                    None,
                    None,
                    &serde_json::json!({"generation": g, "orphan": true}).to_string(),
                )?;
            }
        }
        for (id, _) in pending {
            self.finalize(&id, true)?;
        }
        Ok(())
    }

    fn finalize(&mut self, erasure_id: &str, recovered: bool) -> Result<()> {
        let (old_gen, new_gen, executed_at, levels): (i64, i64, String, u32) =
            self.conn.query_row(
                "SELECT old_gen, new_gen, executed_at, levels FROM erasures WHERE erasure_id = ?1",
                [erasure_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
        let destroyed_at = crate::now_rfc3339();
        let root_gone = !self.custody.generations()?.contains(&(old_gen as u64));
        let key_ids: Vec<String> = self
            .conn
            .prepare("SELECT key_id FROM keys WHERE erasure_id = ?1 ORDER BY slot")?
            .query_map([erasure_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut evidence = Vec::new();
        for id in &key_ids {
            let k = self.key(id)?;
            // The post-erasure check: the current store must not be able to unwrap the key.
            let unrecoverable = matches!(self.data_key(&k), Err(Error::KeyErased { .. }));
            let sql = format!(
                "SELECT {REQ_COLS} FROM requests WHERE key_id = ?1 AND status = 'executed' ORDER BY id DESC LIMIT 1"
            );
            let r = self.conn.query_row(&sql, [id], row_to_req)?;
            let sigs = |name: &str, at: &str, msg: &str, sig: &str| -> Result<OfficerSignature> {
                Ok(OfficerSignature {
                    officer: name.into(),
                    public_key: self.officer_public(name)?,
                    signed_at: at.into(),
                    message: msg.into(),
                    signature: sig.into(),
                })
            };
            let containers = self
                .conn
                .prepare("SELECT header_sha256, created_at, plaintext_len, file_sha256, container_len FROM containers WHERE key_id = ?1 ORDER BY created_at, header_sha256")?
                .query_map([id], |r| {
                    Ok(ContainerRef {
                        header_sha256: r.get(0)?,
                        created_at: r.get(1)?,
                        plaintext_len: r.get::<_, i64>(2)? as u64,
                        file_sha256: r.get(3)?,
                        container_len: r.get::<_, Option<i64>>(4)?.map(|n| n as u64),
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            evidence.push(ErasureEvidence {
                erasure_id: erasure_id.into(),
                store_id: self.store_id(),
                key_id: k.key_id.clone(),
                label: k.label.clone(),
                record_series: k.record_series.clone(),
                owner: k.owner.clone(),
                class: k.class.to_string(),
                algorithm: crate::ALGORITHM.into(),
                strength_bits: crate::STRENGTH_BITS,
                key_created_at: k.created_at.clone(),
                first_use_at: k.first_use_at.clone(),
                executed_at: executed_at.clone(),
                destroyed_at: destroyed_at.clone(),
                root_custody: self.custody.describe(),
                old_root_generation: old_gen as u64,
                new_root_generation: new_gen as u64,
                earlier_copies_useless_from: destroyed_at.clone(),
                path_levels_rekeyed: levels,
                containers,
                requester: sigs(
                    &r.requester,
                    &r.requested_at,
                    &r.request_msg,
                    &r.request_sig,
                )?,
                approver: sigs(
                    r.approver.as_deref().unwrap_or_default(),
                    r.approved_at.as_deref().unwrap_or_default(),
                    r.approve_msg.as_deref().unwrap_or_default(),
                    r.approve_sig.as_deref().unwrap_or_default(),
                )?,
                waiting_period_secs: self.erase_wait_secs()?,
                key_ever_exported: false,
                verified_unrecoverable: unrecoverable && root_gone,
                completed_by_recovery: recovered,
            });
        }
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE roots SET destroyed_at = ?2 WHERE generation = ?1",
            params![old_gen, destroyed_at],
        )?;
        tx.execute(
            "UPDATE erasures SET status = 'done', destroyed_at = ?2 WHERE erasure_id = ?1",
            params![erasure_id, destroyed_at],
        )?;
        event(&tx, "root_destroyed", None, None, &serde_json::json!({"generation": old_gen, "erasure_id": erasure_id, "recovered": recovered}).to_string())?;
        for ev in &evidence {
            tx.execute(
                "UPDATE keys SET state = 'erased', erased_at = ?2 WHERE key_id = ?1",
                params![ev.key_id, destroyed_at],
            )?;
            let json = serde_json::to_string(ev).map_err(|e| Error::Integrity(e.to_string()))?;
            tx.execute(
                "INSERT OR REPLACE INTO evidence(key_id, erasure_id, json) VALUES (?1, ?2, ?3)",
                params![ev.key_id, erasure_id, json],
            )?;
            event(&tx, "key_erased", Some(&ev.key_id), None, &serde_json::json!({"erasure_id": erasure_id, "destroyed_at": destroyed_at, "verified_unrecoverable": ev.verified_unrecoverable}).to_string())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The stored evidence of an erased key (by label or id), if it was erased.
    pub fn evidence(&self, name: &str) -> Result<Option<ErasureEvidence>> {
        let k = self.key(name)?;
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT json FROM evidence WHERE key_id = ?1",
                [&k.key_id],
                |r| r.get(0),
            )
            .optional()?;
        json.map(|j| serde_json::from_str(&j).map_err(|e| Error::Integrity(e.to_string())))
            .transpose()
    }

    /// Evidence of the erased keys that have no certificate id recorded yet (erasures executed
    /// without certification, whose certification failed, or that crash recovery completed),
    /// oldest erasure first.
    pub fn pending_certification(&self) -> Result<Vec<ErasureEvidence>> {
        let mut st = self.conn.prepare(
            "SELECT e.json FROM evidence e JOIN keys k ON k.key_id = e.key_id
             WHERE k.state = 'erased' AND k.certificate_id IS NULL ORDER BY k.erased_at, k.slot",
        )?;
        let rows: Vec<String> = st
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        rows.iter()
            .map(|j| serde_json::from_str(j).map_err(|e| Error::Integrity(e.to_string())))
            .collect()
    }

    /// Evidence of every erased key, oldest erasure first.
    pub fn all_evidence(&self) -> Result<Vec<ErasureEvidence>> {
        let mut st = self.conn.prepare("SELECT e.json FROM evidence e JOIN keys k ON k.key_id = e.key_id ORDER BY k.erased_at, k.slot")?;
        let rows: Vec<String> = st
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        rows.iter()
            .map(|j| serde_json::from_str(j).map_err(|e| Error::Integrity(e.to_string())))
            .collect()
    }
}
