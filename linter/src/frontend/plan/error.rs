//! Why a plan could not be read. Every malformed input ends here, never in a panic.

/// A plan file that cannot be checked.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// The JSON ends before the document is complete (an interrupted `terraform show`).
    #[error("{path}: truncated JSON: the input ends at line {line}, column {column} before the document is complete")]
    Truncated {
        /// The file.
        path: String,
        /// Last line read.
        line: usize,
        /// Last column read.
        column: usize,
    },
    /// Not valid JSON.
    #[error("{path}:{line}:{column}: malformed JSON: {message}")]
    Malformed {
        /// The file.
        path: String,
        /// Line of the error.
        line: usize,
        /// Column of the error.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// Valid JSON, but not the output of `terraform show -json PLANFILE`.
    #[error("{path}: not a Terraform plan: {reason}")]
    NotAPlan {
        /// The file.
        path: String,
        /// Why not.
        reason: String,
    },
    /// A `format_version` this linter does not know.
    #[error("{path}: unsupported plan format_version `{version}`: blueprint-lint reads 0.x and 1.x (Terraform 0.12 through 1.x)")]
    UnsupportedFormat {
        /// The file.
        path: String,
        /// The version found.
        version: String,
    },
    /// A plan whose structure is not what Terraform writes (e.g. a resource without a type).
    #[error("{path}:{line}:{column}: unexpected plan structure: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// Line of the error.
        line: usize,
        /// Column of the error.
        column: usize,
        /// What is wrong.
        message: String,
    },
}

impl PlanError {
    /// Classifies a `serde_json` error on the plan file `path`.
    pub fn from_json(path: &str, e: &serde_json::Error) -> PlanError {
        use serde_json::error::Category;
        let (line, column) = (e.line(), e.column());
        let path = path.to_string();
        match e.classify() {
            Category::Eof => PlanError::Truncated { path, line, column },
            Category::Syntax => PlanError::Malformed {
                path,
                line,
                column,
                message: strip_position(&e.to_string()),
            },
            Category::Io => PlanError::Io {
                path,
                source: std::io::Error::other(e.to_string()),
            },
            Category::Data if line <= 1 && column <= 1 => PlanError::NotAPlan {
                path,
                reason: "the document is not a JSON object".to_string(),
            },
            Category::Data => PlanError::Invalid {
                path,
                line,
                column,
                message: strip_position(&e.to_string()),
            },
        }
    }
}

/// `serde_json` appends " at line L column C": the position is reported separately.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}
