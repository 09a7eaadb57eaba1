//! IAM statements as values, and the composites' own "no wildcards" rule (seed 001: IAM scoped
//! with no wildcards).
//!
//! The rule is stricter than "no `*` action": a wildcard anywhere in an action (`s3:Get*`,
//! `iam:Pass*`) grants every present and future action it matches, so it is refused; in a
//! resource, a wildcard may only stand *inside* one named resource (`arn:aws:s3:::bucket/*`,
//! `...:log-group:NAME:log-stream:*`), never in its partition, service, region or account, nor
//! in the name of the resource itself (`arn:aws:s3:::*`, `arn:aws:iam::ACCOUNT:role/*`).

use std::fmt;

use super::arn::Arn;

/// An IAM action, `service:Name`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Action {
    /// Service prefix, e.g. `s3`.
    pub service: String,
    /// Action name, e.g. `GetObject`.
    pub name: String,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.service, self.name)
    }
}

/// Why a statement is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    /// Not `service:Action`.
    #[error("\"{0}\" is not an IAM action (service:Action, e.g. s3:GetObject)")]
    NotAction(String),
    /// A wildcard in an action.
    #[error("\"{0}\" is a wildcard action: name each action (seed rule: no wildcards)")]
    WildcardAction(String),
    /// `*` or a resource that is not an ARN.
    #[error("\"{0}\" is not a resource ARN: name each resource (seed rule: no wildcards)")]
    NotResource(String),
    /// A wildcard where it widens the grant beyond one named resource.
    #[error("\"{given}\" has a wildcard in its {part}: it would grant every resource it matches (seed rule: no wildcards)")]
    WildcardResource {
        /// What was written.
        given: String,
        /// Where the wildcard is.
        part: &'static str,
    },
    /// A statement with nothing in it.
    #[error("a statement needs at least one {0}")]
    Empty(&'static str),
}

fn has_wildcard(s: &str) -> bool {
    s.contains('*') || s.contains('?')
}

/// Parse an action, refusing every wildcard.
pub fn parse_action(s: &str) -> Result<Action, StatementError> {
    if has_wildcard(s) {
        return Err(StatementError::WildcardAction(s.to_string()));
    }
    let (service, name) = s
        .split_once(':')
        .ok_or_else(|| StatementError::NotAction(s.to_string()))?;
    if has_wildcard(service) || has_wildcard(name) {
        return Err(StatementError::WildcardAction(s.to_string()));
    }
    let word = |x: &str| !x.is_empty() && x.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !word(service) || !word(name) {
        return Err(StatementError::NotAction(s.to_string()));
    }
    Ok(Action {
        service: service.to_string(),
        name: name.to_string(),
    })
}

/// Parse a resource ARN, refusing wildcards outside one named resource.
pub fn parse_resource(s: &str) -> Result<Arn, StatementError> {
    let arn: Arn = s
        .parse()
        .map_err(|_| StatementError::NotResource(s.to_string()))?;
    if let Some(part) = arn.wildcard_part().filter(|p| *p != "resource") {
        return Err(StatementError::WildcardResource {
            given: s.to_string(),
            part,
        });
    }
    // What names the resource: the bucket for S3, else what follows the type (`role/NAME`,
    // `secret:NAME`, `table/NAME`, `log-group:NAME`). A wildcard may only follow a complete
    // name and a separator (`bucket/*`, `table/NAME/index/*`, `log-group:NAME:log-stream:*`).
    let is_sep = |c: char| c == '/' || c == ':';
    let rest = if arn.service == "s3" {
        arn.resource.as_str()
    } else {
        arn.resource
            .split_once(is_sep)
            .map(|(_, rest)| rest)
            .unwrap_or(arn.resource.as_str())
    };
    if let Some(w) = rest.find(['*', '?']) {
        let named = rest[..w].trim_start_matches(is_sep);
        let complete_name = named.find(is_sep).is_some_and(|i| i > 0);
        if !complete_name {
            return Err(StatementError::WildcardResource {
                given: s.to_string(),
                part: "resource name",
            });
        }
    }
    Ok(arn)
}

/// One Allow statement: actions on resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The actions.
    pub actions: Vec<Action>,
    /// The resources.
    pub resources: Vec<Arn>,
}

impl Statement {
    /// Parse a statement, with each refused action or resource and its index.
    pub fn parse<A: AsRef<str>, R: AsRef<str>>(
        actions: &[A],
        resources: &[R],
    ) -> Result<Statement, Vec<(StatementField, usize, StatementError)>> {
        let mut errors = Vec::new();
        let mut out = Statement {
            actions: Vec::new(),
            resources: Vec::new(),
        };
        if actions.is_empty() {
            errors.push((StatementField::Actions, 0, StatementError::Empty("action")));
        }
        if resources.is_empty() {
            errors.push((
                StatementField::Resources,
                0,
                StatementError::Empty("resource"),
            ));
        }
        for (i, a) in actions.iter().enumerate() {
            match parse_action(a.as_ref()) {
                Ok(a) => out.actions.push(a),
                Err(e) => errors.push((StatementField::Actions, i, e)),
            }
        }
        for (i, r) in resources.iter().enumerate() {
            match parse_resource(r.as_ref()) {
                Ok(r) => out.resources.push(r),
                Err(e) => errors.push((StatementField::Resources, i, e)),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

/// Which list of a statement an error is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementField {
    /// `actions`.
    Actions,
    /// `resources`.
    Resources,
}

impl StatementField {
    /// The attribute name.
    pub fn name(self) -> &'static str {
        match self {
            StatementField::Actions => "actions",
            StatementField::Resources => "resources",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_actions_only() {
        assert!(parse_action("s3:GetObject").is_ok());
        assert!(parse_action("execute-api:Invoke").is_ok());
        for bad in [
            "*",
            "s3:*",
            "s3:Get*",
            "iam:Pass*",
            "s3:Get?bject",
            "*:GetObject",
        ] {
            assert!(
                matches!(parse_action(bad), Err(StatementError::WildcardAction(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_action("GetObject"),
            Err(StatementError::NotAction(_))
        ));
    }

    #[test]
    fn wildcards_only_inside_one_named_resource() {
        for ok in [
            "arn:aws:s3:::senas-media",
            "arn:aws:s3:::senas-media/*",
            "arn:aws:s3:::senas-media/uploads/*",
            "arn:aws:dynamodb:us-east-2:123456789012:table/users",
            "arn:aws:dynamodb:us-east-2:123456789012:table/users/index/*",
            "arn:aws:logs:us-east-2:123456789012:log-group:/ecs/x:log-stream:*",
            "arn:aws:sqs:us-east-2:123456789012:jobs",
            "arn:aws:iam::123456789012:role/app",
        ] {
            assert!(parse_resource(ok).is_ok(), "{ok}");
        }
        for bad in [
            "*",
            "arn:aws:s3:::*",
            "arn:aws:s3:::senas-*",
            "arn:aws:iam::*:role/*",
            "arn:aws:iam::123456789012:role/*",
            "arn:aws:dynamodb:*:123456789012:table/users",
            "arn:aws:dynamodb:us-east-2:123456789012:table/*",
            "arn:aws:sqs:us-east-2:123456789012:*",
            "arn:aws:secretsmanager:us-east-2:*:secret:db",
        ] {
            assert!(parse_resource(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn statements_report_every_bad_entry_with_its_index() {
        let errs = Statement::parse(
            &["s3:GetObject", "s3:Get*"],
            &["arn:aws:s3:::b/*", "arn:aws:s3:::*"],
        )
        .unwrap_err();
        let at: Vec<(&str, usize)> = errs.iter().map(|(f, i, _)| (f.name(), *i)).collect();
        assert_eq!(at, [("actions", 1), ("resources", 1)]);
        assert!(Statement::parse(&["s3:GetObject"], &["arn:aws:s3:::b/*"]).is_ok());
        assert!(Statement::parse::<&str, &str>(&[], &[]).is_err());
    }
}
