//! What a new catalog version changes against the one in force, service by service, so an
//! operator sees it before publishing; and the checks a version must pass before any desk
//! receives it.

use std::collections::{BTreeSet, HashSet};

use crate::catalog::{Catalog, Service};

/// One part of a service that differs between two versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceChange {
    Name,
    Agency,
    Category,
    Fee {
        from: i64,
        to: i64,
    },
    Deadline {
        from: u32,
        to: u32,
    },
    /// Form fields added, removed or changed, by key.
    Fields {
        added: Vec<String>,
        removed: Vec<String>,
        changed: Vec<String>,
    },
    /// Documents added, removed or changed, by key.
    Documents {
        added: Vec<String>,
        removed: Vec<String>,
        changed: Vec<String>,
    },
}

/// A catalog version against another: services added, removed and changed (by code, in the
/// new version's order), and whether the holidays differ.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogDiff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<(String, Vec<ServiceChange>)>,
    pub holidays_added: Vec<chrono::NaiveDate>,
    pub holidays_removed: Vec<chrono::NaiveDate>,
    pub bhm_changed: Option<(i64, i64)>,
}

impl CatalogDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.holidays_added.is_empty()
            && self.holidays_removed.is_empty()
            && self.bhm_changed.is_none()
    }
}

/// Keys added, removed and changed between two keyed lists.
fn keyed<T: PartialEq>(
    old: &[T],
    new: &[T],
    key: impl Fn(&T) -> &str,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let find = |list: &'_ [T], k: &str| list.iter().position(|x| key(x) == k);
    let mut added = Vec::new();
    let mut changed = Vec::new();
    for n in new {
        match find(old, key(n)) {
            None => added.push(key(n).to_string()),
            Some(i) if old[i] != *n => changed.push(key(n).to_string()),
            Some(_) => {}
        }
    }
    let removed = old
        .iter()
        .filter(|o| find(new, key(o)).is_none())
        .map(|o| key(o).to_string())
        .collect();
    (added, removed, changed)
}

fn service_changes(old: &Service, new: &Service) -> Vec<ServiceChange> {
    let mut changes = Vec::new();
    if old.name != new.name {
        changes.push(ServiceChange::Name);
    }
    if old.agency != new.agency || old.agency_code != new.agency_code {
        changes.push(ServiceChange::Agency);
    }
    if old.category != new.category {
        changes.push(ServiceChange::Category);
    }
    if old.fee_uzs != new.fee_uzs {
        changes.push(ServiceChange::Fee {
            from: old.fee_uzs,
            to: new.fee_uzs,
        });
    }
    if old.deadline_working_days != new.deadline_working_days {
        changes.push(ServiceChange::Deadline {
            from: old.deadline_working_days,
            to: new.deadline_working_days,
        });
    }
    let (added, removed, changed) = keyed(&old.fields, &new.fields, |f| f.key.as_str());
    if !(added.is_empty() && removed.is_empty() && changed.is_empty()) {
        changes.push(ServiceChange::Fields {
            added,
            removed,
            changed,
        });
    }
    let (added, removed, changed) = keyed(&old.documents, &new.documents, |d| d.key.as_str());
    if !(added.is_empty() && removed.is_empty() && changed.is_empty()) {
        changes.push(ServiceChange::Documents {
            added,
            removed,
            changed,
        });
    }
    changes
}

/// What `new` changes against `old`.
pub fn diff(old: &Catalog, new: &Catalog) -> CatalogDiff {
    let (added, removed, _) = keyed(&old.services, &new.services, |s| s.code.as_str());
    let changed = new
        .services
        .iter()
        .filter_map(|n| {
            let o = old.service(&n.code)?;
            let c = service_changes(o, n);
            (!c.is_empty()).then(|| (n.code.clone(), c))
        })
        .collect();
    let old_days: BTreeSet<_> = old.holidays.iter().collect();
    let new_days: BTreeSet<_> = new.holidays.iter().collect();
    CatalogDiff {
        added,
        removed,
        changed,
        holidays_added: new_days.difference(&old_days).map(|d| **d).collect(),
        holidays_removed: old_days.difference(&new_days).map(|d| **d).collect(),
        bhm_changed: (old.bhm_uzs != new.bhm_uzs).then_some((old.bhm_uzs, new.bhm_uzs)),
    }
}

/// Why a catalog version cannot be published: each would break desks or the portal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogProblem {
    #[error("the catalog lists no service")]
    NoServices,
    #[error("service {0:?} is listed twice")]
    DuplicateService(String),
    #[error("a service has no code")]
    EmptyCode,
    #[error("service {service:?} lists {key:?} twice")]
    DuplicateKey { service: String, key: String },
    #[error("service {0:?} names no deciding agency")]
    NoAgency(String),
    #[error("service {0:?} has a negative fee")]
    NegativeFee(String),
    #[error("service {0:?} has a deadline of no working days")]
    NoDeadline(String),
    #[error("a document of service {0:?} accepts no format")]
    NoFormat(String),
}

/// Checks a version before it goes to every desk: codes and keys unique, every service with
/// an agency, a fee and a deadline, every document with a format it accepts.
pub fn check(catalog: &Catalog) -> Result<(), CatalogProblem> {
    if catalog.services.is_empty() {
        return Err(CatalogProblem::NoServices);
    }
    let mut codes = HashSet::new();
    for s in &catalog.services {
        if s.code.trim().is_empty() {
            return Err(CatalogProblem::EmptyCode);
        }
        if !codes.insert(s.code.as_str()) {
            return Err(CatalogProblem::DuplicateService(s.code.clone()));
        }
        if s.agency_code.trim().is_empty() {
            return Err(CatalogProblem::NoAgency(s.code.clone()));
        }
        if s.fee_uzs < 0 {
            return Err(CatalogProblem::NegativeFee(s.code.clone()));
        }
        if s.deadline_working_days == 0 {
            return Err(CatalogProblem::NoDeadline(s.code.clone()));
        }
        let mut keys = HashSet::new();
        let all_keys = s
            .fields
            .iter()
            .map(|f| f.key.as_str())
            .chain(s.documents.iter().map(|d| d.key.as_str()));
        for key in all_keys {
            if !keys.insert(key) {
                return Err(CatalogProblem::DuplicateKey {
                    service: s.code.clone(),
                    key: key.to_string(),
                });
            }
        }
        if s.documents.iter().any(|d| d.accepts.is_empty()) {
            return Err(CatalogProblem::NoFormat(s.code.clone()));
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::catalog::default_catalog;

    #[test]
    fn the_same_catalog_changes_nothing_and_passes_the_checks() {
        let c = default_catalog().unwrap();
        assert!(diff(&c, &c).is_empty());
        check(&c).unwrap();
    }

    #[test]
    fn added_removed_and_changed_services_are_told_apart() {
        let old = default_catalog().unwrap();
        let mut new = old.clone();
        new.version += 1;
        let gone = new.services.remove(0).code;
        let mut extra = new.services[0].clone();
        extra.code = "new-service".into();
        new.services.push(extra);
        new.services[0].fee_uzs += 1000;
        new.services[0].deadline_working_days += 2;
        let field = new.services[1].fields.remove(0).key;
        let d = diff(&old, &new);
        assert_eq!(d.added, ["new-service"]);
        assert_eq!(d.removed, [gone]);
        assert_eq!(d.changed.len(), 2, "{d:?}");
        let (code, first) = &d.changed[0];
        assert_eq!(code, &new.services[0].code);
        assert!(first.contains(&ServiceChange::Fee {
            from: old.service(code).unwrap().fee_uzs,
            to: old.service(code).unwrap().fee_uzs + 1000
        }));
        assert!(
            first
                .iter()
                .any(|c| matches!(c, ServiceChange::Deadline { .. }))
        );
        assert!(d.changed[1].1.contains(&ServiceChange::Fields {
            added: vec![],
            removed: vec![field],
            changed: vec![]
        }));
    }

    #[test]
    fn a_broken_catalog_is_refused_with_its_reason() {
        let good = default_catalog().unwrap();
        let mut twice = good.clone();
        twice.services.push(twice.services[0].clone());
        assert_eq!(
            check(&twice),
            Err(CatalogProblem::DuplicateService(
                good.services[0].code.clone()
            ))
        );
        let mut no_agency = good.clone();
        no_agency.services[0].agency_code.clear();
        assert!(matches!(
            check(&no_agency),
            Err(CatalogProblem::NoAgency(_))
        ));
        let mut no_deadline = good.clone();
        no_deadline.services[0].deadline_working_days = 0;
        assert!(matches!(
            check(&no_deadline),
            Err(CatalogProblem::NoDeadline(_))
        ));
        let mut same_key = good.clone();
        let f = same_key.services[0].fields[0].clone();
        same_key.services[0].fields.push(f);
        assert!(matches!(
            check(&same_key),
            Err(CatalogProblem::DuplicateKey { .. })
        ));
        let mut empty = good;
        empty.services.clear();
        assert_eq!(check(&empty), Err(CatalogProblem::NoServices));
    }
}
