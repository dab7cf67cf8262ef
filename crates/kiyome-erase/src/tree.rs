//! The 16-ary tree of key-encryption keys (KEKs) between the root in custody and the data keys.
//!
//! Slot `s` (one per data key, never reused) hangs under the level-1 KEK `s >> 4`; the level-`l`
//! KEK `i` hangs under the level-`l+1` KEK `i >> 4`; the single KEK at level `height` (the top)
//! is wrapped by the root. Erasing slot `s` replaces every KEK on its path (`height` of them),
//! re-wraps their other children (≤ 15 each) and moves the top to a new root generation:
//! O(16 · log16 n) wraps per erasure.

use crate::custody::Custody;
use crate::error::{Error, Result};
use crate::secret::{self, DataKey};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// log2 of the fan-out.
pub(crate) const FANOUT_BITS: u32 = 4;

pub(crate) fn kek_aad(store: &[u8; 16], level: u32, idx: u64) -> Vec<u8> {
    let mut a = b"kiyome/kek/v1".to_vec();
    a.extend_from_slice(store);
    a.extend_from_slice(&level.to_be_bytes());
    a.extend_from_slice(&idx.to_be_bytes());
    a
}

pub(crate) fn top_aad(store: &[u8; 16], generation: u64, height: u32) -> Vec<u8> {
    let mut a = b"kiyome/top/v1".to_vec();
    a.extend_from_slice(store);
    a.extend_from_slice(&generation.to_be_bytes());
    a.extend_from_slice(&height.to_be_bytes());
    a
}

pub(crate) fn dk_aad(store: &[u8; 16], key_id: &str, slot: u64) -> Vec<u8> {
    let mut a = b"kiyome/dk/v1".to_vec();
    a.extend_from_slice(store);
    a.extend_from_slice(key_id.as_bytes());
    a.extend_from_slice(&slot.to_be_bytes());
    a
}

pub(crate) fn meta_u64(conn: &Connection, k: &str) -> Result<u64> {
    let v: String = conn
        .prepare_cached("SELECT v FROM meta WHERE k = ?1")?
        .query_row([k], |r| r.get(0))
        .map_err(|_| Error::Integrity(format!("meta {k} missing")))?;
    v.parse()
        .map_err(|_| Error::Integrity(format!("meta {k} is not a number")))
}

pub(crate) fn set_meta(conn: &Connection, k: &str, v: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO meta(k, v) VALUES (?1, ?2) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
        params![k, v],
    )?;
    Ok(())
}

/// Unwrapped KEKs of one operation (dropped, and zeroized, when the operation ends).
pub(crate) struct Tree {
    pub store: [u8; 16],
    pub height: u32,
    pub generation: u64,
    cache: HashMap<(u32, u64), DataKey>,
}

/// The database changes of an erasure, computed before anything is written.
pub(crate) struct Rekey {
    pub kek_rows: Vec<(u32, u64, Vec<u8>)>,
    /// (slot, new wrapped blob, or None for an erased key)
    pub dk_rows: Vec<(u64, Option<Vec<u8>>)>,
    pub levels: u32,
}

impl Tree {
    pub fn load(conn: &Connection, store: [u8; 16]) -> Result<Tree> {
        Ok(Tree {
            store,
            height: meta_u64(conn, "height")? as u32,
            generation: meta_u64(conn, "root_generation")?,
            cache: HashMap::new(),
        })
    }

    fn blob(conn: &Connection, level: u32, idx: u64) -> Result<Option<Vec<u8>>> {
        Ok(conn
            .prepare_cached("SELECT wrapped FROM kek WHERE level = ?1 AND idx = ?2")?
            .query_row(params![level, idx as i64], |r| r.get(0))
            .optional()?)
    }

    /// The unwrapped KEK at (level, idx), unwrapping its path from the root as needed.
    pub fn node(
        &mut self,
        conn: &Connection,
        custody: &mut dyn Custody,
        level: u32,
        idx: u64,
    ) -> Result<DataKey> {
        if let Some(k) = self.cache.get(&(level, idx)) {
            return Ok(k.clone());
        }
        let blob = Self::blob(conn, level, idx)?
            .ok_or_else(|| Error::Integrity(format!("KEK ({level},{idx}) missing")))?;
        let key = if level == self.height {
            if idx != 0 {
                return Err(Error::Integrity("top KEK index is not 0".into()));
            }
            let aad = top_aad(&self.store, self.generation, self.height);
            custody.unwrap(self.generation, &blob, &aad)?
        } else {
            let parent = self.node(conn, custody, level + 1, idx >> FANOUT_BITS)?;
            secret::unwrap(&parent, &blob, &kek_aad(&self.store, level, idx))?
        };
        self.cache.insert((level, idx), key.clone());
        Ok(key)
    }

    /// Makes room for `slot` (growing the tree and creating missing KEKs on its path) and
    /// returns the level-1 KEK that wraps it. Call inside a transaction.
    pub fn prepare_slot(
        &mut self,
        conn: &Connection,
        custody: &mut dyn Custody,
        slot: u64,
    ) -> Result<DataKey> {
        while slot >> (FANOUT_BITS * self.height) != 0 {
            self.grow(conn, custody)?;
        }
        for level in (1..self.height).rev() {
            let idx = slot >> (FANOUT_BITS * level);
            if self.cache.contains_key(&(level, idx)) || Self::blob(conn, level, idx)?.is_some() {
                continue;
            }
            let parent = self.node(conn, custody, level + 1, idx >> FANOUT_BITS)?;
            let key = DataKey::generate()?;
            let blob = secret::wrap(&parent, &key, &kek_aad(&self.store, level, idx))?;
            conn.execute(
                "INSERT INTO kek(level, idx, wrapped) VALUES (?1, ?2, ?3)",
                params![level, idx as i64, blob],
            )?;
            self.cache.insert((level, idx), key);
        }
        self.node(conn, custody, 1, slot >> FANOUT_BITS)
    }

    /// Adds a level on top: the new top wraps the old one; the root wraps the new top.
    fn grow(&mut self, conn: &Connection, custody: &mut dyn Custody) -> Result<()> {
        let h = self.height;
        let old_top = self.node(conn, custody, h, 0)?;
        let new_top = DataKey::generate()?;
        let blob = secret::wrap(&new_top, &old_top, &kek_aad(&self.store, h, 0))?;
        conn.execute(
            "UPDATE kek SET wrapped = ?1 WHERE level = ?2 AND idx = 0",
            params![blob, h],
        )?;
        let top = custody.wrap(
            self.generation,
            &new_top,
            &top_aad(&self.store, self.generation, h + 1),
        )?;
        conn.execute(
            "INSERT INTO kek(level, idx, wrapped) VALUES (?1, 0, ?2)",
            params![h + 1, top],
        )?;
        self.height = h + 1;
        set_meta(conn, "height", &self.height.to_string())?;
        self.cache.insert((h + 1, 0), new_top);
        Ok(())
    }

    /// Computes the re-keying that erases `slots`: fresh KEKs on every path to the top, the
    /// other children re-wrapped, the new top wrapped under a new root generation (created in
    /// custody here, before the caller commits). Reads only from the database.
    pub fn rekey(
        &mut self,
        conn: &Connection,
        custody: &mut dyn Custody,
        slots: &BTreeSet<u64>,
        new_generation: u64,
    ) -> Result<Rekey> {
        let h = self.height;
        let mut affected: BTreeSet<(u32, u64)> = BTreeSet::new();
        for s in slots {
            for level in 1..=h {
                affected.insert((level, s >> (FANOUT_BITS * level)));
            }
        }
        let mut fresh: BTreeMap<(u32, u64), DataKey> = BTreeMap::new();
        for &(l, i) in &affected {
            fresh.insert((l, i), DataKey::generate()?);
        }
        let mut kek_rows = Vec::new();
        let mut dk_rows = Vec::new();
        for &(l, i) in affected.iter().rev() {
            let old = self.node(conn, custody, l, i)?;
            let new = fresh
                .get(&(l, i))
                .ok_or_else(|| Error::Integrity("rekey plan".into()))?;
            let lo = i << FANOUT_BITS;
            let hi = lo + (1 << FANOUT_BITS);
            if l >= 2 {
                let mut st = conn.prepare_cached(
                    "SELECT idx, wrapped FROM kek WHERE level = ?1 AND idx >= ?2 AND idx < ?3",
                )?;
                let children: Vec<(i64, Vec<u8>)> = st
                    .query_map(params![l - 1, lo as i64, hi as i64], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                for (ci, blob) in children {
                    let ci = ci as u64;
                    let aad = kek_aad(&self.store, l - 1, ci);
                    let child = match fresh.get(&(l - 1, ci)) {
                        Some(k) => k.clone(),
                        None => secret::unwrap(&old, &blob, &aad)?,
                    };
                    kek_rows.push((l - 1, ci, secret::wrap(new, &child, &aad)?));
                }
            } else {
                let mut st = conn.prepare_cached(
                    "SELECT slot, key_id, wrapped FROM keys WHERE slot >= ?1 AND slot < ?2 AND wrapped IS NOT NULL",
                )?;
                let children: Vec<(i64, String, Vec<u8>)> = st
                    .query_map(params![lo as i64, hi as i64], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                for (s, key_id, blob) in children {
                    let s = s as u64;
                    if slots.contains(&s) {
                        dk_rows.push((s, None));
                        continue;
                    }
                    let aad = dk_aad(&self.store, &key_id, s);
                    let dk = secret::unwrap(&old, &blob, &aad)?;
                    dk_rows.push((s, Some(secret::wrap(new, &dk, &aad)?)));
                }
            }
        }
        let top = fresh
            .get(&(h, 0))
            .ok_or_else(|| Error::Integrity("rekey: no top".into()))?;
        custody.create(new_generation)?;
        let blob = custody.wrap(
            new_generation,
            top,
            &top_aad(&self.store, new_generation, h),
        )?;
        kek_rows.push((h, 0, blob));
        Ok(Rekey {
            kek_rows,
            dk_rows,
            levels: h,
        })
    }
}
