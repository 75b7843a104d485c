//! Evidence merged into a permission's grants: one grant per resource, the evidence
//! behind each (trail records of one resource as one aggregate), grants another grant
//! covers joined to it, trail-only object keys folded into their prefix.

use std::collections::{BTreeMap, BTreeSet};

use crate::evidence::{ArnContext, Evidence, Origin, ResourcePattern, Unresolved};

use super::cover::CoverIndex;
use super::{Grant, Permission, generalize};

/// A permission being built: its grants by resource pattern.
#[derive(Default)]
pub struct Builder {
    pub possible: Option<String>,
    pub evidence: Vec<Evidence>,
    pub grants: BTreeMap<ResourcePattern, GrantBuilder>,
    /// Where each piece of evidence sits in `evidence`, so adding stays logarithmic.
    seen: BTreeMap<Evidence, usize>,
}

#[derive(Default)]
pub struct GrantBuilder {
    pub sources: BTreeSet<Origin>,
    /// Indices into the permission's evidence.
    pub evidence: BTreeSet<usize>,
    /// The trail records of this resource, as one aggregate.
    pub trail: Option<Evidence>,
    pub notes: BTreeSet<String>,
}

impl GrantBuilder {
    fn absorb(&mut self, other: GrantBuilder) {
        self.sources.extend(other.sources);
        self.evidence.extend(other.evidence);
        self.notes.extend(other.notes);
        if let Some(t) = other.trail {
            self.trail = Some(match self.trail.take() {
                Some(prev) => merge_trail(prev, &t),
                None => t,
            });
        }
    }
}

impl Builder {
    pub fn add(&mut self, pattern: ResourcePattern, origin: Origin, evidence: &Evidence, note: Option<&str>) {
        let index = match evidence {
            Evidence::Cloudtrail { .. } => None,
            e => Some(match self.seen.get(e) {
                Some(&i) if self.evidence.get(i) == Some(e) => i,
                _ => {
                    self.evidence.push(e.clone());
                    self.seen.insert(e.clone(), self.evidence.len() - 1);
                    self.evidence.len() - 1
                }
            }),
        };
        let g = self.grants.entry(pattern).or_default();
        g.sources.insert(origin);
        if let Some(i) = index {
            g.evidence.insert(i);
        } else {
            g.trail = Some(match g.trail.take() {
                Some(prev) => merge_trail(prev, evidence),
                None => evidence.clone(),
            });
        }
        if let Some(n) = note {
            g.notes.insert(n.to_string());
        }
    }

    /// Folds trail-only object keys into the prefixes they share.
    pub fn generalize(&mut self) {
        let trail_only: Vec<ResourcePattern> = self
            .grants
            .iter()
            .filter(|(_, g)| g.sources.iter().all(|o| *o == Origin::Cloudtrail))
            .map(|(p, _)| p.clone())
            .collect();
        for (from, (to, note)) in generalize::object_prefixes(&trail_only) {
            let Some(old) = self.grants.remove(&from) else {
                continue;
            };
            let g = self.grants.entry(to).or_default();
            g.absorb(old);
            g.notes.insert(note);
        }
    }

    /// One grant per resource as the report writes it; a grant whose resource another
    /// grant's covers (the trail's `us-east-1:123456789012:table/Orders` under the code's
    /// `*:*:table/Orders`) joins that grant with its evidence.
    fn merge_covered(&mut self, ctx: &ArnContext) {
        let mut by_shown: BTreeMap<String, (ResourcePattern, GrantBuilder)> = BTreeMap::new();
        for (pattern, g) in std::mem::take(&mut self.grants) {
            let shown = pattern.render(ctx, Unresolved::Visible);
            match by_shown.get_mut(&shown) {
                Some((_, into)) => into.absorb(g),
                None => {
                    by_shown.insert(shown, (pattern, g));
                }
            }
        }
        let mut narrow_first: Vec<String> = by_shown.keys().cloned().collect();
        narrow_first.sort_by_cached_key(|k| (k.matches(['*', '?']).count(), std::cmp::Reverse(k.len())));
        let index = CoverIndex::new(narrow_first.iter().map(String::as_str));
        for k in &narrow_first {
            // The first grant still standing, in key order, whose resource covers this one.
            let Some(into) = index
                .covering(k)
                .filter(|b| by_shown.contains_key(*b))
                .min()
                .map(str::to_string)
            else {
                continue;
            };
            if let Some((_, g)) = by_shown.remove(k)
                && let Some((_, target)) = by_shown.get_mut(&into)
            {
                target.absorb(g);
            }
        }
        self.grants = by_shown.into_values().collect();
    }

    pub fn build(mut self, action: &str, ctx: &ArnContext) -> Permission {
        self.merge_covered(ctx);
        let mut p = Permission::new(action);
        p.possible = self.possible;
        for (pattern, g) in std::mem::take(&mut self.grants) {
            let mut evidence: Vec<usize> = g.evidence.into_iter().collect();
            if let Some(t) = g.trail {
                self.evidence.push(t);
                evidence.push(self.evidence.len() - 1);
            }
            let shown = pattern.render(ctx, Unresolved::Visible);
            let deployable = pattern.render(ctx, Unresolved::Star);
            p.resources.insert(shown.clone());
            p.deployable.insert(deployable.clone());
            p.sources.extend(g.sources.iter().copied());
            p.grants.push(Grant {
                pattern,
                shown,
                deployable,
                sources: g.sources,
                evidence,
                notes: g.notes.into_iter().collect(),
            });
        }
        p.evidence = self.evidence;
        p
    }
}

/// One trail aggregate from two: counts added, the widest window, denied if any was.
fn merge_trail(prev: Evidence, next: &Evidence) -> Evidence {
    match (prev, next) {
        (
            Evidence::Cloudtrail {
                count,
                first_seen,
                last_seen,
                denied,
                example_event_id,
            },
            Evidence::Cloudtrail {
                count: c2,
                first_seen: f2,
                last_seen: l2,
                denied: d2,
                example_event_id: e2,
            },
        ) => Evidence::Cloudtrail {
            count: count + c2,
            first_seen: earliest(first_seen, f2),
            last_seen: if *l2 > last_seen { l2.clone() } else { last_seen },
            denied: denied || *d2,
            example_event_id: example_event_id.or_else(|| e2.clone()),
        },
        (prev, _) => prev,
    }
}

fn earliest(a: String, b: &str) -> String {
    if a.is_empty() || (!b.is_empty() && b < a.as_str()) {
        b.to_string()
    } else {
        a
    }
}
