//! Which resource a child belongs to: every child carries the tag `blueprint:owner =
//! TYPE/NAME`, so a create that finds a child already there (made by an earlier create of the
//! same resource that was interrupted before it reached the state: a killed plugin, a lost
//! machine) adopts it instead of failing, and refuses, naming it, one that is not its own.

use std::collections::BTreeMap;

use crate::composite::CompositeError;

/// The tag key marking a child's owner.
pub const OWNER_TAG: &str = "blueprint:owner";

/// The owner value of composite `type_name` named `name`.
pub fn owner(type_name: &str, name: &str) -> String {
    format!("{type_name}/{name}")
}

/// `tags` plus the owner tag.
pub fn with_owner(tags: &BTreeMap<String, String>, owner: &str) -> BTreeMap<String, String> {
    let mut all = tags.clone();
    all.insert(OWNER_TAG.to_string(), owner.to_string());
    all
}

/// Whether tags (as key/value pairs) name `owner`.
pub fn owned<'a>(mut tags: impl Iterator<Item = (&'a str, &'a str)>, owner: &str) -> bool {
    tags.any(|(k, v)| k == OWNER_TAG && v == owner)
}

/// The error for a child that exists under the wanted name but belongs to something else.
pub fn not_ours(what: &str, owner: &str) -> CompositeError {
    CompositeError::new(
        format!("{what} already exists"),
        format!(
            "{what} exists but does not carry the tag {OWNER_TAG} = \"{owner}\", so it was not made by this resource and is left alone. Rename the resource, delete that {what}, or, if it is a child of this resource made before owner tags existed, tag it with {OWNER_TAG} = \"{owner}\" and apply again."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ownership_is_the_exact_tag() {
        let o = owner("blueprint_ml_host", "api");
        assert_eq!(o, "blueprint_ml_host/api");
        assert!(owned(
            [(OWNER_TAG, "blueprint_ml_host/api")].into_iter(),
            &o
        ));
        assert!(!owned(
            [(OWNER_TAG, "blueprint_ml_host/api2")].into_iter(),
            &o
        ));
        assert!(!owned([("Name", "blueprint_ml_host/api")].into_iter(), &o));
        let t = with_owner(&BTreeMap::new(), &o);
        assert_eq!(t[OWNER_TAG], o);
    }
}
