//! `docs/rules/` is what `blueprint_lint::rules::docs::render` makes of the rules' metadata and
//! fixtures, page for page; and each rule's declared `reads` are enough for it.

use std::collections::BTreeSet;
use std::path::PathBuf;

use blueprint_lint::frontend::hcl::{load, LoadOptions};
use blueprint_lint::rules::{docs, registry, Context};
use blueprint_lint::{path_to_string, Mode, Model, Profile, Value};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn committed_rule_docs_are_generated() {
    let pages = docs::render(&repo().join("terraform/lint-fixtures")).expect("renders");
    let dir = repo().join("docs/rules");
    let mut stale = Vec::new();
    for p in &pages {
        let committed = std::fs::read_to_string(dir.join(&p.name)).unwrap_or_default();
        if committed != p.text {
            stale.push(p.name.clone());
        }
    }
    let expected: BTreeSet<&str> = pages.iter().map(|p| p.name.as_str()).collect();
    for e in std::fs::read_dir(&dir).expect("docs/rules") {
        let name = e.expect("entry").file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") && !expected.contains(name.as_str()) {
            stale.push(format!("{name} (no such rule)"));
        }
    }
    assert!(
        stale.is_empty(),
        "docs/rules is out of date ({}); regenerate with `{}`",
        stale.join(", "),
        docs::COMMAND
    );
}

#[test]
fn pages_show_the_fixtures_and_the_metadata() {
    let pages = docs::render(&repo().join("terraform/lint-fixtures")).expect("renders");
    for rule in registry() {
        let m = rule.meta();
        let page = pages
            .iter()
            .find(|p| p.name == format!("{}.md", m.id))
            .expect("a page per rule");
        for kind in ["bad", "good"] {
            let fixture = std::fs::read_to_string(
                repo()
                    .join("terraform/lint-fixtures")
                    .join(m.id)
                    .join(kind)
                    .join("main.tf"),
            )
            .expect("fixture");
            assert!(page.text.contains(fixture.trim_end()), "{} {kind}", m.id);
        }
        for text in [m.title, m.description, m.checks, m.fix] {
            assert!(page.text.contains(text), "{}", m.id);
        }
        for ty in m.reads {
            assert!(page.text.contains(&format!("`{ty}`")), "{} {ty}", m.id);
        }
    }
}

/// Only `id` and `arn`, as the plan front-end keeps resources of types no rule reads.
fn stripped(v: &Value) -> Value {
    let mut out = std::collections::BTreeMap::new();
    for k in ["id", "arn"] {
        let x = v.get(k);
        if !x.is_null() {
            out.insert(k.to_string(), x.clone());
        }
    }
    Value::Map(out)
}

/// Every rule gives the same findings on its fixtures when the attributes of every type it does
/// not declare in `reads` are dropped: the declared types are all it reads.
#[test]
fn declared_reads_are_enough() {
    for rule in registry() {
        let m = rule.meta();
        for kind in ["bad", "good"] {
            let dir = repo().join("terraform/lint-fixtures").join(m.id).join(kind);
            let loaded = load(&[dir], &LoadOptions::default()).expect("loads");
            for model in &loaded.roots {
                let full = rule.check(&Context::new(model, Profile::Prod));
                let resources = model
                    .resources
                    .iter()
                    .map(|r| {
                        let mut r = r.clone();
                        // The backend block is not a resource: plans do not carry it.
                        let resource = matches!(r.mode, Mode::Managed | Mode::Data);
                        if resource && !m.reads.contains(&r.resource_type.as_str()) {
                            r.attributes = stripped(&r.attributes);
                        }
                        r
                    })
                    .collect();
                let thin = Model::new(resources);
                let reduced = rule.check(&Context::new(&thin, Profile::Prod));
                let key = |fs: &[blueprint_lint::Finding]| {
                    fs.iter()
                        .map(|f| (f.address.clone(), path_to_string(&f.attribute_path)))
                        .collect::<Vec<_>>()
                };
                assert_eq!(
                    key(&reduced),
                    key(&full),
                    "{} {kind}: reads a type missing from `reads`",
                    m.id
                );
            }
        }
    }
}

/// The Markdown files a reader of a clone sees, outside the generated rule pages.
fn hand_written_docs() -> Vec<PathBuf> {
    let mut files = vec![repo().join("README.md"), repo().join("linter/README.md")];
    let mut dirs = vec![repo().join("docs")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d)
            .expect("docs dir")
            .filter_map(|e| e.ok())
        {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "md") {
                files.push(p);
            }
        }
    }
    files
}

/// Wherever the docs say how many rules there are ("23 rules"), it is the registry's count.
#[test]
fn stated_rule_counts_match_the_registry() {
    let n = registry().len();
    let mut stated = 0;
    for f in hand_written_docs() {
        let text = std::fs::read_to_string(&f).expect("read");
        let words: Vec<&str> = text.split_whitespace().collect();
        for w in words.windows(2) {
            let rules = w[1].trim_end_matches(|c: char| !c.is_alphanumeric());
            if let (Ok(k), "rules") = (w[0].parse::<usize>(), rules) {
                assert_eq!(k, n, "{} says {k} rules; the registry has {n}", f.display());
                stated += 1;
            }
        }
    }
    assert!(stated >= 2, "README.md and docs/ci.md state the rule count");
}

/// A clone has no `shared/seeds/`: the docs link `docs/seeds.md`, which lists every rule under
/// the seed whose sentence it quotes.
#[test]
fn seeds_page_lists_every_rule_under_its_seed_and_nothing_links_shared_seeds() {
    for f in hand_written_docs() {
        let text = std::fs::read_to_string(&f).expect("read");
        assert!(
            !text.contains("shared/seeds"),
            "{} points at shared/seeds/, which a clone does not have: link docs/seeds.md",
            f.display()
        );
    }
    let pages = docs::render(&repo().join("terraform/lint-fixtures")).expect("renders");
    assert!(pages.iter().all(|p| !p.text.contains("shared/seeds")));
    let seeds = std::fs::read_to_string(repo().join("docs/seeds.md")).expect("docs/seeds.md");
    for rule in registry() {
        let m = rule.meta();
        let number = docs::seed_number(m.seed.file);
        let section = seeds
            .split(&format!("\n## Seed {number}\n"))
            .nth(1)
            .unwrap_or_else(|| panic!("docs/seeds.md has no `## Seed {number}` ({})", m.id));
        let section = section.split("\n## ").next().unwrap_or(section);
        assert!(
            section.contains(&format!("(rules/{}.md)", m.id)),
            "docs/seeds.md does not list {} under Seed {number}",
            m.id
        );
    }
}
