//! `plugin-bench [RUNS]`: figures for the plugin binary, printed (never asserted).
//!
//! - binary size;
//! - time from spawning the plugin to its handshake line (through the mTLS front);
//! - time for launch + handshake + mTLS connect + GetProviderSchema;
//! - resident memory of the plugin right after GetProviderSchema.
//!
//! Run: `cargo run --release -p blueprint-e2e --bin plugin-bench -- 20` after building the
//! plugin in the same profile.

use std::time::{Duration, Instant};

use blueprint_e2e::plugin_client::PluginClient;
use blueprint_e2e::tfplugin6::get_provider_schema;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10);
    let bin = blueprint_e2e::paths::provider_binary()?;
    let size = std::fs::metadata(&bin)?.len();
    let mut handshake = Vec::new();
    let mut schema = Vec::new();
    let mut rss = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let mut plugin = PluginClient::launch(&bin).await?;
        handshake.push(plugin.launch_to_handshake);
        plugin
            .client
            .get_provider_schema(get_provider_schema::Request {})
            .await?;
        schema.push(start.elapsed());
        rss.extend(plugin.rss_kib());
        plugin.shutdown().await;
    }
    rss.sort();
    println!(
        "plugin binary:                 {} ({:.1} MiB)",
        bin.display(),
        size as f64 / 1048576.0
    );
    println!("runs:                          {runs}");
    println!(
        "launch -> handshake (median):  {:?}",
        median(handshake.clone())
    );
    println!(
        "launch -> handshake (max):     {:?}",
        handshake.iter().max().copied().unwrap_or_default()
    );
    println!("launch -> schema (median):     {:?}", median(schema));
    println!(
        "RSS after GetProviderSchema:   median {} KiB, max {} KiB",
        rss.get(rss.len() / 2).copied().unwrap_or_default(),
        rss.last().copied().unwrap_or_default()
    );
    Ok(())
}
