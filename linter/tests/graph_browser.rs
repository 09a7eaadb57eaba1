//! The Mermaid of every `terraform/examples/seed-*` rendered by a real browser: Debian's Chromium,
//! headless, loading mermaid's own dist (`linter/tests/browser/`, `npm ci`) in a local page. The
//! rendered SVG must hold every node's label and the rule ids of the edges that break a rule,
//! and every node, edge label and box title must lie inside the SVG's viewport (its `viewBox`,
//! what the saved SVG shows, is the size it is drawn at), the SVG must start at the page's
//! origin with no other text on the page, and the screenshot, taken at the SVG's size from the
//! origin, must be that size: so every label is inside the picture. The page measures the boxes
//! with `getBoundingClientRect` once mermaid has drawn them; the PNG's size is read from its
//! header. With `BLESS_ARCHITECTURE=1` the SVG and that screenshot go to
//! `docs/architecture/img/`.
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

/// The page: the diagram in a margin-less `<pre>` (mermaid replaces its text with the SVG) and
/// a hidden status line that ends as `rendered` followed by the JSON of [`Layout`].
fn page(js: &Path, diagram: &str) -> String {
    // The diagram goes in a <pre> as text: HTML-escape it (mermaid reads textContent).
    format!(
        r##"<!doctype html>
<html><head><meta charset="utf-8"><title>blueprint-lint graph</title>
<style>html, body {{ margin: 0; padding: 0; background: #fff; }} pre.mermaid {{ margin: 0; }}
#status {{ display: none; }} svg {{ max-width: none !important; display: block; }}</style>
<script src="file://{js}"></script></head>
<body><pre class="mermaid" id="src">{diagram}</pre><div id="status">pending</div>
<script>
const box = (el) => {{ const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }};
mermaid.initialize({{ startOnLoad: false, securityLevel: "strict", flowchart: {{ useMaxWidth: false }} }});
mermaid.run({{ querySelector: "#src" }})
  .then(() => {{
    const svg = document.querySelector("#src svg");
    const labels = [];
    for (const el of svg.querySelectorAll("g.node, g.edgeLabel, g.cluster-label")) {{
      const text = el.textContent.trim();
      if (text) labels.push({{ kind: el.getAttribute("class"), text, rect: box(el) }});
    }}
    // Text drawn outside the SVG (the status line once showed in the screenshots).
    const stray = [];
    const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (texts.nextNode()) {{
      const t = texts.currentNode;
      if (svg.contains(t) || !t.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(t);
      const r = range.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) stray.push(t.textContent.trim().slice(0, 60));
    }}
    const layout = {{ svg: box(svg), stray, labels }};
    document.getElementById("status").textContent = "rendered" + JSON.stringify(layout);
  }})
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
        let (dom, layout) = render(&chrome, &profile, &url, &seed);
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
                    && !l.contains("~~~")
            })
            .count();
        let drawn = svg.matches("class=\"node ").count();
        assert!(
            declared > 0 && drawn >= declared,
            "{seed}: {drawn} nodes drawn, {declared} declared"
        );
        let labelled_edges = mermaid.lines().filter(|l| l.contains("-->|")).count();
        let edge_labels = layout
            .labels
            .iter()
            .filter(|l| l.kind.contains("edgeLabel"))
            .count();
        assert_eq!(edge_labels, labelled_edges, "{seed}: edge labels drawn");
        assert!(
            layout
                .labels
                .iter()
                .filter(|l| l.kind.starts_with("node"))
                .count()
                >= declared,
            "{seed}: {:?}",
            layout.labels
        );
        // Every label inside the SVG's own viewport, the SVG at the page's origin, and no text
        // anywhere else on the page.
        assert_inside(&seed, "the SVG viewport", layout.svg, &layout.labels);
        let [left, top, right, bottom] = layout.svg;
        assert!(
            left.abs() < 0.5 && top.abs() < 0.5,
            "{seed}: the SVG starts at ({left}, {top}), not at the page's origin"
        );
        assert!(
            layout.stray.is_empty(),
            "{seed}: text outside the SVG: {:?}",
            layout.stray
        );

        // The screenshot: a window of the SVG's size, captured from the page's origin. Its PNG
        // must be that size, so the SVG, and every label in it, is inside the picture.
        let (w, h) = (right.ceil() as u32, bottom.ceil() as u32);
        let view_box = view_box(svg);
        assert!(
            (view_box[2] - right).abs() < 1.0 && (view_box[3] - bottom).abs() < 1.0,
            "{seed}: the viewBox {view_box:?} is not the drawn size {right}×{bottom}"
        );
        let window = format!("--window-size={w},{h}");
        let png = if bless {
            let img = repo().join("docs/architecture/img");
            std::fs::create_dir_all(&img).expect("img dir");
            std::fs::write(img.join(format!("{seed}.svg")), svg).expect("svg");
            img.join(format!("{seed}.png"))
        } else {
            tmp.path().join(format!("{seed}.png"))
        };
        let _ = std::fs::remove_file(&png);
        let shot = chromium(
            &chrome,
            &profile,
            &[
                &format!("--screenshot={}", png.display()),
                &window,
                "--hide-scrollbars",
            ],
            &url,
        );
        let bytes =
            std::fs::read(&png).unwrap_or_else(|e| panic!("{seed}: no screenshot ({e}): {shot:?}"));
        assert_eq!(png_size(&bytes), Some((w, h)), "{seed}: screenshot size");
    }
}

/// What the page measured once mermaid had drawn the chart (CSS pixels, page coordinates).
#[derive(Debug)]
struct Layout {
    /// The SVG element's box: left, top, right, bottom.
    svg: [f64; 4],
    /// Visible text outside the SVG.
    stray: Vec<String>,
    labels: Vec<Label>,
}

/// A node, an edge label or a box title with its text and box.
#[derive(Debug)]
struct Label {
    kind: String,
    text: String,
    rect: [f64; 4],
}

fn four(v: &serde_json::Value) -> [f64; 4] {
    let n = |i: usize| v[i].as_f64().unwrap_or(f64::NAN);
    [n(0), n(1), n(2), n(3)]
}

/// Renders `url` and returns the DOM and the page's measurements.
fn render(chrome: &Path, profile: &Path, url: &str, seed: &str) -> (String, Layout) {
    let out = chromium(chrome, profile, &["--dump-dom"], url);
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    let status = dom
        .split("<div id=\"status\">")
        .nth(1)
        .and_then(|r| r.split("</div>").next())
        .unwrap_or("(no status: the page did not load)");
    let Some(json) = status.strip_prefix("rendered") else {
        panic!(
            "{seed}: mermaid did not render: {}\n{}",
            status.chars().take(400).collect::<String>(),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let json = json
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&");
    let v: serde_json::Value = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("{seed}: the page's measurements: {e}: {json}"));
    let labels = v["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|l| Label {
            kind: l["kind"].as_str().unwrap_or("").to_string(),
            text: l["text"].as_str().unwrap_or("").to_string(),
            rect: four(&l["rect"]),
        })
        .collect();
    let stray = v["stray"]
        .as_array()
        .expect("stray")
        .iter()
        .map(|t| t.as_str().unwrap_or("").to_string())
        .collect();
    let layout = Layout {
        svg: four(&v["svg"]),
        stray,
        labels,
    };
    (dom, layout)
}

/// Every label's box lies inside `area` (left, top, right, bottom; half a pixel of rounding).
fn assert_inside(seed: &str, what: &str, area: [f64; 4], labels: &[Label]) {
    const SLACK: f64 = 0.5;
    let outside: Vec<String> = labels
        .iter()
        .filter(|l| {
            let [x0, y0, x1, y1] = l.rect;
            !(x0 >= area[0] - SLACK
                && y0 >= area[1] - SLACK
                && x1 <= area[2] + SLACK
                && y1 <= area[3] + SLACK)
        })
        .map(|l| format!("{} `{}` at {:?}", l.kind, l.text, l.rect))
        .collect();
    assert!(
        outside.is_empty(),
        "{seed}: outside {what} {area:?}:\n  {}",
        outside.join("\n  ")
    );
    assert!(!labels.is_empty(), "{seed}: no labels measured");
}

/// The root `<svg>`'s `viewBox` (x, y, width, height).
fn view_box(svg: &str) -> [f64; 4] {
    let head = svg.split('>').next().unwrap_or("");
    let nums: Vec<f64> = head
        .split("viewBox=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("")
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    match nums.as_slice() {
        [x, y, w, h] => [*x, *y, *w, *h],
        _ => panic!("no viewBox on the root svg: {head}"),
    }
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.get(..8)? != b"\x89PNG\r\n\x1a\n" || bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    let be = |r: std::ops::Range<usize>| -> Option<u32> {
        Some(u32::from_be_bytes(bytes.get(r)?.try_into().ok()?))
    };
    Some((be(16..20)?, be(20..24)?))
}
