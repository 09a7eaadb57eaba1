//! The Mermaid of every `terraform/examples/seed-*` rendered by a real browser: Debian's Chromium,
//! headless, loading mermaid's own dist (`linter/tests/browser/`, `npm ci`) in a local page. The
//! rendered SVG must hold every node's label and the rule ids of the edges that break a rule.
//! With `BLESS_ARCHITECTURE=1` the SVG and a PNG screenshot go to `docs/architecture/img/`.
//! Without Chromium or the mermaid package the test says so loudly and passes (install them with
//! `linter/tests/browser/setup.sh`); `BLUEPRINT_REQUIRE_BROWSER=1` makes that a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use blueprint_lint::frontend::hcl::LoadOptions;
use blueprint_lint::graph::{self, GraphFormat};
use blueprint_lint::Profile;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn browser_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("BLUEPRINT_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
        .find(|p| p.is_file())
}

fn mermaid_js() -> Option<PathBuf> {
    let js = browser_dir().join("node_modules/mermaid/dist/mermaid.min.js");
    if !js.is_file() {
        // One try at installing it from the committed lock file.
        let _ = Command::new("npm")
            .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
            .current_dir(browser_dir())
            .output();
    }
    js.is_file().then_some(js)
}

/// Text as it appears in the DOM dump (`&`, `<`, `>` escaped).
fn dom_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn page(js: &Path, diagram: &str) -> String {
    // The diagram goes in a <pre> as text: HTML-escape it (mermaid reads textContent).
    format!(
        r##"<!doctype html>
<html><head><meta charset="utf-8"><title>blueprint-lint graph</title>
<style>body {{ margin: 0; background: #fff; }} #out svg {{ max-width: none !important; }}</style>
<script src="file://{js}"></script></head>
<body><pre class="mermaid" id="src">{diagram}</pre><div id="status">pending</div>
<script>
mermaid.initialize({{ startOnLoad: false, securityLevel: "strict", flowchart: {{ useMaxWidth: false }} }});
mermaid.run({{ querySelector: "#src" }})
  .then(() => {{ document.getElementById("status").textContent = "rendered"; }})
  .catch((e) => {{ document.getElementById("status").textContent = "error: " + e; }});
</script></body></html>
"##,
        js = js.display(),
        diagram = dom_text(diagram),
    )
}

fn chromium(chrome: &Path, profile: &Path, extra: &[&str], url: &str) -> std::process::Output {
    Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--allow-file-access-from-files",
            "--virtual-time-budget=20000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium runs")
}

#[test]
fn seeds_render_in_chromium() {
    let (chrome, js) = match (find_chromium(), mermaid_js()) {
        (Some(c), Some(j)) => (c, j),
        (c, j) => {
            let msg = format!(
                "\n\n!!!!! SKIPPED: the Mermaid browser test needs Chromium ({}) and the mermaid \
                 package ({}); run linter/tests/browser/setup.sh !!!!!\n",
                if c.is_some() { "found" } else { "MISSING" },
                if j.is_some() { "found" } else { "MISSING" },
            );
            assert!(
                std::env::var_os("BLUEPRINT_REQUIRE_BROWSER").is_none(),
                "{msg}"
            );
            eprintln!("{msg}");
            return;
        }
    };
    let bless = std::env::var_os("BLESS_ARCHITECTURE").is_some();
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut seeds: Vec<PathBuf> = std::fs::read_dir(repo().join("terraform/examples"))
        .expect("examples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("seed-"))
        })
        .collect();
    seeds.sort();
    assert_eq!(seeds.len(), 5, "{seeds:?}");
    for dir in seeds {
        let seed = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        let (graphs, errors) = graph::from_paths(
            std::slice::from_ref(&dir),
            &LoadOptions::default(),
            Profile::Dev,
        )
        .expect("loads");
        assert!(errors.is_empty(), "{seed}: {errors:?}");
        let g = &graphs[0];
        let mermaid = graph::render(g, GraphFormat::Mermaid);
        let html = tmp.path().join(format!("{seed}.html"));
        std::fs::write(&html, page(&js, &mermaid)).expect("page");
        let url = format!("file://{}", html.display());
        let profile = tmp.path().join(format!("profile-{seed}"));
        let out = chromium(&chrome, &profile, &["--dump-dom"], &url);
        let dom = String::from_utf8_lossy(&out.stdout);
        assert!(
            dom.contains("<div id=\"status\">rendered</div>"),
            "{seed}: mermaid did not render: {}\n{}",
            dom.split("<div id=\"status\">")
                .nth(1)
                .unwrap_or("(no status: the page did not load)")
                .chars()
                .take(400)
                .collect::<String>(),
            String::from_utf8_lossy(&out.stderr)
        );
        let start = dom.find("<svg").expect("an svg");
        let end = dom.rfind("</svg>").expect("svg end") + "</svg>".len();
        let svg = &dom[start..end];
        for n in &g.nodes {
            // Instances of one block reached only through the AWS API share a node, named
            // after the block.
            let base = n.name.split('[').next().unwrap_or(&n.name).to_string();
            for text in [&n.service, &base] {
                assert!(
                    svg.contains(&dom_text(text)),
                    "{seed}: node {} label `{text}` not in the rendered SVG",
                    n.id
                );
            }
        }
        for e in g.edges.iter().filter(|e| !e.rules.is_empty()) {
            for r in &e.rules {
                assert!(
                    svg.contains(r.as_str()),
                    "{seed}: rule `{r}` not on an edge"
                );
            }
        }
        // Every node the chart declares is drawn.
        let declared = mermaid
            .lines()
            .map(str::trim_start)
            .filter(|l| {
                l.strip_prefix('n')
                    .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
                    && !l.contains("-->")
            })
            .count();
        let drawn = svg.matches("class=\"node ").count();
        assert!(
            declared > 0 && drawn >= declared,
            "{seed}: {drawn} nodes drawn, {declared} declared"
        );
        if bless {
            let img = repo().join("docs/architecture/img");
            std::fs::create_dir_all(&img).expect("img dir");
            std::fs::write(img.join(format!("{seed}.svg")), svg).expect("svg");
            let (w, h) = svg_size(svg);
            let png = img.join(format!("{seed}.png"));
            let shot = chromium(
                &chrome,
                &profile,
                &[
                    &format!("--screenshot={}", png.display()),
                    &format!("--window-size={},{}", w + 16, h + 16),
                    "--hide-scrollbars",
                ],
                &url,
            );
            assert!(png.is_file(), "{seed}: no screenshot: {shot:?}");
        }
    }
}

/// Width and height of the rendered SVG (its `viewBox`), rounded up, at least 200×200.
fn svg_size(svg: &str) -> (u32, u32) {
    let vb = svg
        .split("viewBox=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("");
    let nums: Vec<f64> = vb
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    match nums.as_slice() {
        [_, _, w, h] => ((w.ceil() as u32).max(200), (h.ceil() as u32).max(200)),
        _ => (1600, 1200),
    }
}
