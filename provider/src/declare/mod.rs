//! The declaration language, from `blueprint-declarations` (shared with the linter), and the one
//! file that turns a declaration into `tf-provider`'s schema.

pub mod schema;

pub use blueprint_declarations::{
    checks, docs, expand, value, Attr, Block, Check, Child, Declaration, Default, Nesting,
    Presence, Type,
};

#[cfg(test)]
mod tests {
    use super::value::*;
    use crate::tf::Value;
    use serde::Deserialize;
    use serde::Serialize;

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    struct S {
        a: Value<String>,
        b: Value<i64>,
        c: Value<Vec<Value<String>>>,
    }

    #[test]
    fn typed_states_round_trip_and_unknowns_become_null() {
        let s = S {
            a: Value::Value("x".into()),
            b: Value::Unknown,
            c: Value::Value(vec![Value::Unknown, Value::Value("y".into())]),
        };
        let mut g = to_generic(&s).unwrap();
        assert!(is_unknown(field(&g, "b").unwrap()));
        assert!(has_unknown(field(&g, "c").unwrap()));
        assert_eq!(from_generic::<S>(&g).unwrap(), s);
        null_unknowns(&mut g);
        let back: S = from_generic(&g).unwrap();
        assert_eq!(back.b, Value::Null);
        assert_eq!(
            back.c,
            Value::Value(vec![Value::Null, Value::Value("y".into())])
        );
    }
}
