//! Collections that remember what changed since they were last saved, so the sandbox's store
//! writes one row per changed resource instead of the whole state on every write (see
//! `persist.rs`). Only the collections that grow with a tenancy (rules, topics, subscriptions and
//! retry tokens as [`Tracked`] maps; the audit log, delivery log and outbox as [`Journal`]s) are
//! kept this way; the rest of the state is small and saved whole.
//!
//! The only way to change a [`Tracked`] map is through methods that note the key, so a forgotten
//! save cannot compile.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// A map by OCID (or other key) whose changed keys are noted.
#[derive(Debug)]
pub struct Tracked<V> {
    items: BTreeMap<String, V>,
    changed: BTreeSet<String>,
}

impl<V> Default for Tracked<V> {
    fn default() -> Self {
        Self { items: BTreeMap::new(), changed: BTreeSet::new() }
    }
}

impl<V> Tracked<V> {
    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.items.get(key)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.items.contains_key(key)
    }

    /// Every value, in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.items.values()
    }

    /// Every entry, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &V)> {
        self.items.iter()
    }

    /// Inserts (or replaces) and notes the key.
    pub fn insert(&mut self, key: String, value: V) -> Option<V> {
        self.changed.insert(key.clone());
        self.items.insert(key, value)
    }

    /// Removes and notes the key.
    pub fn remove(&mut self, key: &str) -> Option<V> {
        let removed = self.items.remove(key);
        if removed.is_some() {
            self.changed.insert(key.to_owned());
        }
        removed
    }

    /// The value to change in place; the key is noted whether or not the caller changes it.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        let value = self.items.get_mut(key)?;
        self.changed.insert(key.to_owned());
        Some(value)
    }

    /// Keeps what `keep` accepts, noting each key removed.
    pub fn retain(&mut self, mut keep: impl FnMut(&String, &V) -> bool) {
        let changed = &mut self.changed;
        self.items.retain(|key, value| {
            let kept = keep(key, value);
            if !kept {
                changed.insert(key.clone());
            }
            kept
        });
    }
}

/// One changed row: its key and new JSON, or `None` when it was removed.
pub type Change = (String, Option<String>);

/// What the store needs of a tracked collection, whatever it holds.
pub trait Rows {
    /// The changes since the last call, which forgets them.
    fn take_changes(&mut self) -> Result<Vec<Change>, serde_json::Error>;
    /// Notes `keys` as changed again (their save failed).
    fn unsaved(&mut self, keys: Vec<String>);
    /// Puts back a saved row, unchanged.
    fn restore(&mut self, key: String, json: &str) -> Result<(), serde_json::Error>;
}

impl<V: Serialize + DeserializeOwned> Rows for Tracked<V> {
    fn take_changes(&mut self) -> Result<Vec<Change>, serde_json::Error> {
        let keys = std::mem::take(&mut self.changed);
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let json = match self.items.get(&key) {
                Some(value) => Some(serde_json::to_string(value)?),
                None => None,
            };
            out.push((key, json));
        }
        Ok(out)
    }

    fn unsaved(&mut self, keys: Vec<String>) {
        self.changed.extend(keys);
    }

    fn restore(&mut self, key: String, json: &str) -> Result<(), serde_json::Error> {
        self.items.insert(key, serde_json::from_str(json)?);
        Ok(())
    }
}

/// Reads a whole map (state files from before rows were saved one by one): every key is noted,
/// so the next save writes each as a row.
impl<'de, V: Deserialize<'de>> Deserialize<'de> for Tracked<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let items = BTreeMap::<String, V>::deserialize(deserializer)?;
        let changed = items.keys().cloned().collect();
        Ok(Self { items, changed })
    }
}

/// A log of at most `N` entries, oldest dropped first, numbered so only new and changed ones
/// are saved.
#[derive(Debug)]
pub struct Journal<T, const N: usize> {
    entries: VecDeque<T>,
    /// Number of the next entry pushed.
    next: u64,
    /// Entries numbered below this were saved as pushed.
    saved: u64,
    /// Saved entries changed since.
    changed: BTreeSet<u64>,
}

impl<T, const N: usize> Default for Journal<T, N> {
    fn default() -> Self {
        Self { entries: VecDeque::new(), next: 0, saved: 0, changed: BTreeSet::new() }
    }
}

impl<T, const N: usize> Journal<T, N> {
    /// Appends, dropping the oldest past `N`.
    pub fn push(&mut self, entry: T) {
        if self.entries.len() == N {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
        self.next += 1;
    }

    /// Oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.entries.iter()
    }

    /// The newest entry `matches` accepts, to change in place (noted for the next save).
    pub fn newest_mut(&mut self, matches: impl Fn(&T) -> bool) -> Option<&mut T> {
        let first = self.first();
        let index = self.entries.iter().rposition(matches)?;
        let number = first + index as u64;
        if number < self.saved {
            self.changed.insert(number);
        }
        self.entries.get_mut(index)
    }

    /// Number of the oldest entry kept.
    fn first(&self) -> u64 {
        self.next - self.entries.len() as u64
    }
}

/// The unsaved entries of a [`Journal`], and the number below which saved ones can go.
pub struct Appended {
    /// `(number, JSON)` of each new or changed entry, oldest first.
    pub entries: Vec<(u64, String)>,
    /// Entries numbered below this were dropped.
    pub first_kept: u64,
    /// What `saved` was before (to put back if the save fails).
    previous: u64,
    /// The changed entries taken (to put back if the save fails).
    changed: Vec<u64>,
}

impl<T: Serialize + DeserializeOwned, const N: usize> Journal<T, N> {
    /// The entries pushed or changed since the last call (marked saved).
    pub fn take_appended(&mut self) -> Result<Appended, serde_json::Error> {
        let first = self.first();
        let from = self.saved.max(first);
        let changed: Vec<u64> = std::mem::take(&mut self.changed).into_iter().filter(|&n| n >= first).collect();
        let mut entries = Vec::new();
        let numbered = |n: u64| usize::try_from(n - first).ok().and_then(|i| self.entries.get(i));
        for &number in changed.iter().filter(|&&n| n < from) {
            if let Some(entry) = numbered(number) {
                entries.push((number, serde_json::to_string(entry)?));
            }
        }
        let skip = usize::try_from(from - first).unwrap_or(usize::MAX);
        for (offset, entry) in self.entries.iter().skip(skip).enumerate() {
            entries.push((from + offset as u64, serde_json::to_string(entry)?));
        }
        let previous = self.saved;
        self.saved = self.next;
        Ok(Appended { entries, first_kept: first, previous, changed })
    }

    /// The save of `appended` failed: its entries are unsaved again.
    pub fn unsaved(&mut self, appended: &Appended) {
        self.saved = self.saved.min(appended.previous);
        self.changed.extend(appended.changed.iter().copied());
    }

    /// Puts back a saved entry; entries come oldest first.
    pub fn restore(&mut self, number: u64, json: &str) -> Result<(), serde_json::Error> {
        let entry = serde_json::from_str(json)?;
        if self.entries.len() == N {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
        self.next = number + 1;
        self.saved = self.next;
        Ok(())
    }
}

/// What the store needs of a journal, whatever it holds.
pub trait Entries {
    /// The entries pushed or changed since the last call, which marks them saved.
    fn take(&mut self) -> Result<Appended, serde_json::Error>;
    /// The save of `appended` failed: its entries are unsaved again.
    fn put_back(&mut self, appended: &Appended);
    /// Puts back a saved entry; entries come oldest first.
    fn restore_entry(&mut self, number: u64, json: &str) -> Result<(), serde_json::Error>;
}

impl<T: Serialize + DeserializeOwned, const N: usize> Entries for Journal<T, N> {
    fn take(&mut self) -> Result<Appended, serde_json::Error> {
        self.take_appended()
    }

    fn put_back(&mut self, appended: &Appended) {
        self.unsaved(appended);
    }

    fn restore_entry(&mut self, number: u64, json: &str) -> Result<(), serde_json::Error> {
        self.restore(number, json)
    }
}

/// Reads a whole log (older state files): nothing of it is saved as entries yet.
impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for Journal<T, N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut entries = VecDeque::<T>::deserialize(deserializer)?;
        while entries.len() > N {
            entries.pop_front();
        }
        Ok(Self { next: entries.len() as u64, saved: 0, entries, changed: BTreeSet::new() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_keys_are_taken_once() {
        let mut map = Tracked::<u32>::default();
        map.insert("a".into(), 1);
        map.insert("b".into(), 2);
        assert_eq!(map.take_changes().unwrap().len(), 2);
        assert!(map.take_changes().unwrap().is_empty(), "taken changes are forgotten");
        if let Some(b) = map.get_mut("b") {
            *b = 3;
        }
        map.remove("a");
        map.remove("missing");
        map.retain(|_, _| true);
        assert_eq!(map.take_changes().unwrap(), vec![("a".into(), None), ("b".into(), Some("3".into()))]);
        map.unsaved(vec!["b".into()]);
        assert_eq!(map.take_changes().unwrap(), vec![("b".into(), Some("3".into()))]);
    }

    #[test]
    fn a_journal_hands_out_each_entry_once_and_after_a_failure_again() {
        let mut log = Journal::<u32, 3>::default();
        for n in 0..5 {
            log.push(n);
        }
        let first = log.take_appended().unwrap();
        assert_eq!(first.first_kept, 2);
        assert_eq!(first.entries, vec![(2, "2".into()), (3, "3".into()), (4, "4".into())]);
        log.push(5);
        let failed = log.take_appended().unwrap();
        assert_eq!(failed.entries, vec![(5, "5".into())]);
        log.unsaved(&failed);
        log.push(6);
        let again = log.take_appended().unwrap();
        assert_eq!(again.entries, vec![(5, "5".into()), (6, "6".into())]);
        assert_eq!(again.first_kept, 4);

        let mut restored = Journal::<u32, 3>::default();
        for (number, json) in [(4, "4"), (5, "5"), (6, "6")] {
            restored.restore(number, json).unwrap();
        }
        assert!(restored.take_appended().unwrap().entries.is_empty(), "restored entries are saved");
        restored.push(7);
        assert_eq!(restored.take_appended().unwrap().entries, vec![(7, "7".into())]);
        assert_eq!(restored.iter().copied().collect::<Vec<_>>(), vec![5, 6, 7]);

        // A saved entry changed in place is saved again, once; a failed save keeps it to save.
        if let Some(six) = restored.newest_mut(|&n| n == 6) {
            *six = 60;
        }
        let changed = restored.take_appended().unwrap();
        assert_eq!(changed.entries, vec![(6, "60".into())]);
        restored.unsaved(&changed);
        assert_eq!(restored.take_appended().unwrap().entries, vec![(6, "60".into())]);
        assert!(restored.take_appended().unwrap().entries.is_empty());
    }
}
