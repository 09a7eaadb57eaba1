//! `moto_server` on a free loopback port, started per test and always stopped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// A running moto server. Dropping it (also while a test panics) kills it.
pub struct MotoServer {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// Options for starting moto.
#[derive(Debug, Clone, Default)]
pub struct MotoOptions {
    /// How many running tasks every new ECS service reports (`MOTO_ECS_SERVICE_RUNNING`, a
    /// number; moto reads anything else as 0).
    pub ecs_service_running: u32,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

fn answers_http(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 12];
    matches!(stream.read(&mut buf), Ok(n) if n >= 12 && buf.starts_with(b"HTTP/"))
}

impl MotoServer {
    /// Start with the defaults every Blueprint test needs.
    pub fn start() -> Result<Self> {
        Self::start_with(MotoOptions::default())
    }

    /// Start with options; waits until the server answers HTTP.
    pub fn start_with(options: MotoOptions) -> Result<Self> {
        let bin = crate::paths::moto_server()?;
        let dir = tempfile::tempdir()?;
        let mut last_err = None;
        for _ in 0..3 {
            match Self::try_start(&bin, &options, &dir) {
                Ok((child, port, log)) => {
                    return Ok(Self {
                        child,
                        port,
                        log,
                        _dir: dir,
                    })
                }
                Err(e) => last_err = Some(e),
            }
        }
        Err(last_err.unwrap_or_else(|| anyhow::anyhow!("moto did not start")))
    }

    fn try_start(
        bin: &std::path::Path,
        options: &MotoOptions,
        dir: &tempfile::TempDir,
    ) -> Result<(Child, u16, PathBuf)> {
        let port = free_port()?;
        let log = dir.path().join(format!("moto-{port}.log"));
        let log_file = std::fs::File::create(&log)?;
        let mut cmd = Command::new(bin);
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .env(
                "MOTO_ECS_SERVICE_RUNNING",
                options.ecs_service_running.to_string(),
            )
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file);
        for (k, v) in &options.env {
            cmd.env(k, v);
        }
        // SAFETY: prctl is async-signal-safe; it asks the kernel to kill moto if the test
        // process dies without running destructors (SIGKILL, abort).
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = cmd
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = child.try_wait()? {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                bail!("moto_server exited with {status} before answering:\n{text}");
            }
            if answers_http(port) {
                return Ok((child, port, log));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                bail!("moto_server did not answer on port {port} within 60 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Base URL, e.g. `http://127.0.0.1:40123`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port moto listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// What moto printed so far (request log and errors).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
