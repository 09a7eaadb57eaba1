//! Compile the project's plugin protocol definitions (proto/) for the test client.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for f in ["tfplugin6.proto", "go_plugin.proto", "health.proto"] {
        println!("cargo:rerun-if-changed=../proto/{f}");
    }
    tonic_build::configure()
        .build_server(false)
        .compile_protos(
            &[
                "../proto/tfplugin6.proto",
                "../proto/go_plugin.proto",
                "../proto/health.proto",
            ],
            &["../proto"],
        )?;
    Ok(())
}
