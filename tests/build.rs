//! Compile the project's own tfplugin6 subset for the test client.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=../proto/tfplugin6.proto");
    tonic_build::configure()
        .build_server(false)
        .compile_protos(&["../proto/tfplugin6.proto"], &["../proto"])?;
    Ok(())
}
