//! The composites of `terraform-provider-blueprint`, declared: the declaration language
//! (attributes, blocks and children, declared once), the typed values it checks with, and each
//! composite's declaration. No AWS SDK and no protocol types: the provider builds its schema and
//! lifecycle from these, and `blueprint-lint` sees each composite through them.
//!
//! A composite states *what* it is here — each attribute's type, presence, default, sensitivity,
//! description, validation and whether changing it replaces the resource; each child's kind and
//! the attribute holding its id — and the skeleton derives the rest from it: the Terraform schema
//! (in the provider), the plan-time checks on attribute paths ([`checks`]), defaults and replacement
//! (`composite`), the documentation page ([`docs`]) and `has_children`. The declaration uses the
//! project's own types, not the protocol library's, so the layer under it can change.

pub mod checks;
pub mod composites;
pub mod docs;
pub mod expand;
pub mod secrets;
pub mod types;
pub mod value;

pub use checks::Check;

/// The type of an attribute's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    /// A string.
    String,
    /// A whole number (Terraform's number, checked to be an integer in range).
    Number,
    /// A boolean.
    Bool,
    /// An ordered list.
    List(Box<Type>),
    /// A set: its order means nothing, so a configuration listing the same elements in another
    /// order (an import, which cannot know the configuration's order, reads them sorted) plans
    /// no change.
    Set(Box<Type>),
    /// A map from strings.
    Map(Box<Type>),
    /// An object with fixed fields (used in lists of objects).
    Object(Vec<(&'static str, Type)>),
}

impl Type {
    /// A list of strings.
    pub fn strings() -> Type {
        Type::List(Box::new(Type::String))
    }
    /// A map of strings.
    pub fn string_map() -> Type {
        Type::Map(Box::new(Type::String))
    }
    /// How the type reads in documentation.
    pub fn describe(&self) -> String {
        match self {
            Type::String => "string".into(),
            Type::Number => "number".into(),
            Type::Bool => "bool".into(),
            Type::List(t) => format!("list({})", t.describe()),
            Type::Set(t) => format!("set({})", t.describe()),
            Type::Map(t) => format!("map({})", t.describe()),
            Type::Object(fields) => format!(
                "object({{ {} }})",
                fields
                    .iter()
                    .map(|(n, t)| format!("{n} = {}", t.describe()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Who sets an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// The configuration must set it.
    Required,
    /// The configuration may set it; null when unset.
    Optional,
    /// The configuration may set it; the provider fills it when unset.
    OptionalComputed,
    /// Only the provider sets it.
    Computed,
}

/// A default, filled at plan when the configuration leaves the attribute unset.
#[derive(Debug, Clone, PartialEq)]
pub enum Default {
    /// A string.
    String(&'static str),
    /// A number.
    Number(i64),
    /// A boolean.
    Bool(bool),
    /// An empty list.
    EmptyList,
    /// Computed by the composite from other inputs; the text says how (for the docs).
    Derived(&'static str),
}

impl Default {
    /// How the default reads in documentation.
    pub fn describe(&self) -> String {
        match self {
            Default::String(s) => format!("`\"{s}\"`"),
            Default::Number(n) => format!("`{n}`"),
            Default::Bool(b) => format!("`{b}`"),
            Default::EmptyList => "`[]`".into(),
            Default::Derived(how) => how.to_string(),
        }
    }
}

/// One attribute, declared once.
#[derive(Debug, Clone)]
pub struct Attr {
    /// Its name.
    pub name: &'static str,
    /// Its type.
    pub ty: Type,
    /// Who sets it.
    pub presence: Presence,
    /// What it is (Markdown, one or two sentences).
    pub description: &'static str,
    /// The default when unset (optional+computed attributes).
    pub default: Option<Default>,
    /// Hidden in plans, output and logs.
    pub sensitive: bool,
    /// Write-only (plugin protocol 6.8, Terraform 1.11+): sent to the provider at plan and apply,
    /// never stored in the plan or the state (always null there).
    pub write_only: bool,
    /// Changing it replaces the resource.
    pub replaces: bool,
    /// Left out of the configuration, it keeps the value it has (an optional+computed input
    /// the provider chose, such as a default VPC).
    pub keep_prior: bool,
    /// Plan-time checks, reported on this attribute's path.
    pub checks: Vec<Check>,
}

impl Attr {
    fn new(name: &'static str, ty: Type, description: &'static str) -> Self {
        Self {
            name,
            ty,
            presence: Presence::Optional,
            description,
            default: None,
            sensitive: false,
            write_only: false,
            replaces: false,
            keep_prior: false,
            checks: Vec::new(),
        }
    }
    /// A string attribute (optional until told otherwise).
    pub fn string(name: &'static str, description: &'static str) -> Self {
        Self::new(name, Type::String, description)
    }
    /// A whole-number attribute.
    pub fn number(name: &'static str, description: &'static str) -> Self {
        Self::new(name, Type::Number, description)
    }
    /// A boolean attribute.
    pub fn bool(name: &'static str, description: &'static str) -> Self {
        Self::new(name, Type::Bool, description)
    }
    /// A list of strings.
    pub fn strings(name: &'static str, description: &'static str) -> Self {
        Self::new(name, Type::strings(), description)
    }
    /// A set of strings (order means nothing: see [`Type::Set`]).
    pub fn string_set(name: &'static str, description: &'static str) -> Self {
        Self::new(name, Type::Set(Box::new(Type::String)), description)
    }
    /// A map of strings.
    pub fn string_map(name: &'static str, description: &'static str) -> Self {
        Self::new(name, Type::string_map(), description)
    }
    /// An attribute of any type.
    pub fn of(name: &'static str, ty: Type, description: &'static str) -> Self {
        Self::new(name, ty, description)
    }
    /// The configuration must set it.
    pub fn required(mut self) -> Self {
        self.presence = Presence::Required;
        self
    }
    /// Only the provider sets it.
    pub fn computed(mut self) -> Self {
        self.presence = Presence::Computed;
        self
    }
    /// Optional, with a default the provider fills.
    pub fn default(mut self, default: Default) -> Self {
        self.presence = Presence::OptionalComputed;
        self.default = Some(default);
        self
    }
    /// Optional and computed (the provider fills it when unset; keeps its value afterwards).
    pub fn optional_computed(mut self) -> Self {
        self.presence = Presence::OptionalComputed;
        self.keep_prior = true;
        self
    }
    /// Changing it replaces the resource.
    pub fn replaces(mut self) -> Self {
        self.replaces = true;
        self
    }
    /// Hidden in plans and output.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    /// Write-only (and so sensitive): Terraform 1.11+ passes it at plan and apply and stores
    /// null; an older Terraform is refused at plan, since it would store the value.
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self.sensitive = true;
        self
    }
    /// Add a plan-time check.
    pub fn check(mut self, check: Check) -> Self {
        self.checks.push(check);
        self
    }
    /// Whether the configuration can set it.
    pub fn is_input(&self) -> bool {
        self.presence != Presence::Computed
    }
}

/// How often a nested block may appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// Exactly once.
    Single,
    /// At most once.
    Optional,
    /// Any number of times, in order (`bucket { ... }` repeated); the state holds a list, and
    /// checks report on `name[i].attr`.
    List,
}

/// A nested block.
#[derive(Debug, Clone)]
pub struct Block {
    /// Its name.
    pub name: &'static str,
    /// What it is.
    pub description: &'static str,
    /// How often it may appear.
    pub nesting: Nesting,
    /// Its attributes.
    pub attrs: Vec<Attr>,
    /// Changing anything in it replaces the resource.
    pub replaces: bool,
}

/// One child: a plain AWS resource the composite creates and owns.
#[derive(Debug, Clone)]
pub struct Child {
    /// Its name in the table (`role`, `security_group`...).
    pub name: &'static str,
    /// The plain Terraform type it corresponds to (`aws_security_group`): the linter sees the
    /// composite as these, and the end-to-end check deletes each by kind.
    pub kind: &'static str,
    /// The state attribute holding its id (null when it does not exist).
    pub id_attr: &'static str,
    /// The id terraform-provider-aws gives this kind (what `terraform import aws_…` takes), as a
    /// template of state attributes in braces (`{role_name}`,
    /// `service/{cluster}/{name}`); `None`: the value of `id_attr`.
    pub aws_id: Option<&'static str>,
    /// Computed attributes that come from it (an ARN, an address): null when it is gone,
    /// unknown at plan when it is to be made again.
    pub outputs: &'static [&'static str],
    /// The children it needs first.
    pub depends_on: &'static [&'static str],
    /// When it is gone, the resource is replaced (it cannot be re-created in place).
    pub replace_when_gone: bool,
    /// It exists only for some inputs (a key pair only with `ssh_public_key`).
    pub optional: bool,
    /// Deleting the resource leaves it (a retained Elastic IP): it alone does not keep the
    /// resource in state.
    pub retained_when: Option<&'static str>,
    /// How it is made (for the docs).
    pub how: &'static str,
}

impl Child {
    /// A child of `kind` whose id is in `id_attr`.
    pub const fn new(name: &'static str, kind: &'static str, id_attr: &'static str) -> Self {
        Self {
            name,
            kind,
            id_attr,
            aws_id: None,
            outputs: &[],
            depends_on: &[],
            replace_when_gone: false,
            optional: false,
            retained_when: None,
            how: "",
        }
    }
    /// Created after these children.
    pub const fn after(mut self, deps: &'static [&'static str]) -> Self {
        self.depends_on = deps;
        self
    }
    /// The id terraform-provider-aws gives it, as a template of state attributes.
    pub const fn aws_id(mut self, template: &'static str) -> Self {
        self.aws_id = Some(template);
        self
    }
    /// Computed attributes that come from it besides its id.
    pub const fn outputs(mut self, outputs: &'static [&'static str]) -> Self {
        self.outputs = outputs;
        self
    }
    /// Its loss replaces the resource.
    pub const fn replace_when_gone(mut self) -> Self {
        self.replace_when_gone = true;
        self
    }
    /// Only present for some inputs.
    pub const fn optional(mut self) -> Self {
        self.optional = true;
        self
    }
    /// Left in place by destroy when the boolean attribute `attr` is true.
    pub const fn retained_when(mut self, attr: &'static str) -> Self {
        self.retained_when = Some(attr);
        self
    }
    /// How it is made.
    pub const fn how(mut self, how: &'static str) -> Self {
        self.how = how;
        self
    }
}

/// A composite resource, declared.
#[derive(Debug, Clone)]
pub struct Declaration {
    /// The resource type, `blueprint_…`.
    pub type_name: &'static str,
    /// Schema version (bump with a state upgrader).
    pub version: i64,
    /// One paragraph: what it builds.
    pub description: &'static str,
    /// The attributes, inputs first.
    pub attrs: Vec<Attr>,
    /// Nested blocks (the skeleton adds `timeouts`).
    pub blocks: Vec<Block>,
    /// The children, in creation order.
    pub children: Vec<Child>,
    /// The import id's form, e.g. `CLUSTER/SERVICE`.
    pub import_id: &'static str,
    /// A configuration example (HCL).
    pub example: &'static str,
    /// More documentation (Markdown), placed after the generated tables.
    pub notes: &'static str,
    /// The plain `aws_*` resources a configuration of it builds, for the linter (see
    /// [`expand`]).
    pub expand: expand::Expander,
}

impl Declaration {
    /// Whether a plain resource of `kind` is something this composite builds: a declared
    /// child's kind, or a part terraform-provider-aws splits out of one (its kind followed by
    /// `_`: `aws_s3_bucket_versioning` of `aws_s3_bucket`, `aws_iam_role_policy` of
    /// `aws_iam_role`).
    pub fn builds(&self, kind: &str) -> bool {
        self.children.iter().any(|c| {
            kind == c.kind
                || kind
                    .strip_prefix(c.kind)
                    .is_some_and(|rest| rest.starts_with('_'))
        })
    }

    /// The attribute named `name`.
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }
}
