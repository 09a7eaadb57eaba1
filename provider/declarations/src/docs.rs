//! The documentation page of a declared composite, generated from its declaration so it
//! cannot drift from the schema (a test compares it with `docs/resources/`).

use std::fmt::Write;

use super::{Attr, Declaration, Nesting, Presence};

fn escape_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn argument_row(out: &mut String, prefix: &str, a: &Attr) {
    let default = match (&a.presence, &a.default) {
        (Presence::Required, _) => "required".to_string(),
        (_, Some(d)) => d.describe(),
        (Presence::OptionalComputed, None) => "computed".to_string(),
        _ => "none".to_string(),
    };
    let mut notes = Vec::new();
    if a.replaces {
        notes.push("replaces".to_string());
    } else {
        notes.push("in place".to_string());
    }
    if a.write_only {
        notes.push("write-only: Terraform 1.11+, never stored in plan or state".to_string());
    }
    if a.sensitive {
        notes.push("sensitive".to_string());
    }
    let checks: Vec<String> = a.checks.iter().map(|c| c.describe()).collect();
    let _ = writeln!(
        out,
        "| `{prefix}{}` | {} | {} | {} | {} | {} |",
        a.name,
        a.ty.describe(),
        escape_cell(&default),
        notes.join(", "),
        escape_cell(&checks.join("; ")),
        escape_cell(a.description),
    );
}

/// The Markdown page of `d`.
pub fn page(d: &Declaration) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# `{}`\n", d.type_name);
    let _ = writeln!(
        out,
        "<!-- Generated from the resource's declaration (provider/src/resources/); edit it there. -->\n"
    );
    let _ = writeln!(out, "{}\n", d.description);
    if !d.example.is_empty() {
        let _ = writeln!(out, "```hcl\n{}\n```\n", d.example.trim());
    }
    let _ = writeln!(out, "## What it builds\n");
    let _ = writeln!(
        out,
        "Children are created in this order (independent ones concurrently), each recorded in \
         state the moment it exists, and deleted in reverse order.\n"
    );
    let _ = writeln!(out, "| child | as | id in | after | how |");
    let _ = writeln!(out, "| --- | --- | --- | --- | --- |");
    for c in &d.children {
        let after = if c.depends_on.is_empty() {
            "-".to_string()
        } else {
            c.depends_on.join(", ")
        };
        let mut how = c.how.to_string();
        if c.optional {
            how.push_str(" (only for some inputs)");
        }
        if c.replace_when_gone {
            how.push_str("; if it is deleted out of band, the next plan replaces the resource");
        }
        let _ = writeln!(
            out,
            "| {} | `{}` | `{}` | {} | {} |",
            c.name,
            c.kind,
            c.id_attr,
            after,
            escape_cell(&how)
        );
    }
    let _ = writeln!(out, "\n## Arguments\n");
    let _ = writeln!(
        out,
        "| name | type | default | change | accepted | description |"
    );
    let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- |");
    for a in d.attrs.iter().filter(|a| a.presence == Presence::Required) {
        argument_row(&mut out, "", a);
    }
    for a in d
        .attrs
        .iter()
        .filter(|a| matches!(a.presence, Presence::Optional | Presence::OptionalComputed))
    {
        argument_row(&mut out, "", a);
    }
    for b in &d.blocks {
        if b.nesting == Nesting::List {
            let _ = writeln!(
                out,
                "| `{}` | block, repeatable | none | {} | any number, in order | {} |",
                b.name,
                if b.replaces { "replaces" } else { "in place" },
                escape_cell(b.description)
            );
        }
        for a in &b.attrs {
            argument_row(&mut out, &format!("{}.", b.name), a);
        }
    }
    let _ = writeln!(
        out,
        "| `timeouts` | block | 20m create/update/delete | in place | Go durations (`30s`, `10m`, `1h30m`, `1.5h`), at most `168h` | How long each operation may take. |"
    );
    let _ = writeln!(out, "\n## Attributes\n");
    let _ = writeln!(out, "| name | type | description |");
    let _ = writeln!(out, "| --- | --- | --- |");
    for a in d.attrs.iter().filter(|a| a.presence == Presence::Computed) {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            a.name,
            a.ty.describe(),
            escape_cell(a.description)
        );
    }
    let _ = writeln!(out, "\n## Import\n");
    if d.import_id.is_empty() {
        let _ = writeln!(
            out,
            "Not supported (see below): apply the configuration instead; children carrying \
             the owner tag are adopted."
        );
    } else {
        let _ = writeln!(
            out,
            "```sh\nterraform import {}.NAME {}\n```\n",
            d.type_name, d.import_id
        );
        let _ = writeln!(
            out,
            "Import reads every child from AWS; the imported state equals the applied one (the \
             end-to-end check verifies it)."
        );
    }
    if !d.notes.trim().is_empty() {
        let _ = writeln!(out, "\n{}", d.notes.trim());
    }
    out
}
