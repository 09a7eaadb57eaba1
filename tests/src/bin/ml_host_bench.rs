//! `ml-host-bench [RUNS]`: AWS calls per `blueprint_ml_host` create, and create wall time
//! against moto with the concurrent ordering versus strictly sequential. Printed, never asserted.
//!
//! Run: `cargo run -p blueprint-e2e --bin ml-host-bench -- 5` (after `scripts/setup.sh`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use blueprint_e2e::moto::MotoServer;
use blueprint_e2e::proxy::FaultProxy;
use blueprint_provider::clients::AwsClients;
use blueprint_provider::composite::{Composite, Ctx, Recorder};
use blueprint_provider::config::{ProviderSettings, StaticCredentials};
use blueprint_provider::resources::ml_host::{MlHost, MlHostState};
use blueprint_provider::tf::Diagnostics;
use blueprint_provider::tf::Value;

const PUBLIC_KEY: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCgZ3mCzt7RfOSGbNVBh2f501SCPPqB/ETXFYOMK7aeruEdCGfgXRwltAxK5AVBm1lMJVqMeFtyReITEsDMDoysj/6yYvogUVAVav4SrwCj5VKskPRXv/U4Lmue5lk64g2BXk28f2C04FCh6Jxo03Nk/ZiaLu4rmgsW2QsSrHUFaWiQYFgvZhZKJ+dBo8CQFF94eWYMiGzEJXCVMV2LuMNUibvle9anVLa0kELFj3J3E1tHUN95+ZgBZYNi3THnGiIeNxmkgg9La3q0A7lvPfMm4M0u9wUjtUW2XaQ3foJqVGQaAs5QUKfR7CPmgFuQhSA0lkCVX9FcR+PTb4pbzMs5 blueprint-test";

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let moto = MotoServer::start()?;
    let proxy = FaultProxy::start(&moto.endpoint())?;
    let endpoints: BTreeMap<String, String> = ["ec2", "iam", "sts"]
        .iter()
        .map(|s| (s.to_string(), proxy.endpoint()))
        .collect();
    let settings = ProviderSettings {
        region: Some("us-east-1".into()),
        credentials: Some(StaticCredentials {
            access_key: "testing".into(),
            secret_key: "testing".into(),
            token: None,
        }),
        max_retries: 2,
        endpoints,
        ..Default::default()
    };
    let clients = Arc::new(AwsClients::connect(&settings).await?);
    println!("ml_host create against moto, {runs} runs per ordering");
    for concurrent in [true, false] {
        let mut times = Vec::new();
        let mut calls = Vec::new();
        for i in 0..runs {
            let mut state = MlHostState {
                name: Value::Value(format!("bench-{}-{i}", if concurrent { "c" } else { "s" })),
                image: Value::Value(
                    "750477224025.dkr.ecr.us-east-2.amazonaws.com/ml-santiago-api:latest".into(),
                ),
                ssh_public_key: Value::Value(PUBLIC_KEY.into()),
                ..Default::default()
            };
            MlHost.plan_create(&mut state, Some(&clients), &mut Diagnostics::default());
            let mut ctx = Ctx::new(
                clients.clone(),
                Duration::from_secs(600),
                Default::default(),
            );
            ctx.concurrent = concurrent;
            let rec = Recorder::new(state);
            proxy.reset();
            let start = Instant::now();
            MlHost.create(&ctx, &rec).await?;
            times.push(start.elapsed());
            calls.push(proxy.requests().len());
            MlHost.delete(&ctx, &rec.snapshot()).await?;
        }
        println!(
            "  {:<10} median create {:>8.1?}  (min {:.1?}, max {:.1?}); AWS calls per create: {:?}",
            if concurrent {
                "concurrent"
            } else {
                "sequential"
            },
            median(times.clone()),
            times.iter().min().copied().unwrap_or_default(),
            times.iter().max().copied().unwrap_or_default(),
            calls.first().copied().unwrap_or_default(),
        );
    }
    Ok(())
}
