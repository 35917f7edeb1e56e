//! A loopback Pyxis to point `pyxis` at: starts the embedded server the tests use, writes its CA
//! and a client identity to a temporary directory, prints the flags that reach it, and serves
//! until interrupted.
//!
//! ```sh
//! cargo run -p pyxis-gql-cli --example loopback
//! # in another shell, with the printed flags:
//! cargo run -p pyxis-gql-cli -- $FLAGS -o table latest-images busy-container 1.2
//! ```

use std::time::Duration;

fn main() -> std::io::Result<()> {
    let server = pyxis_loopback::LoopbackPyxis::start();
    let dir = std::env::temp_dir().join(format!("pyxis-loopback-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let write = |name: &str, pem: String| -> std::io::Result<String> {
        let path = dir.join(name);
        std::fs::write(&path, pem)?;
        Ok(path.display().to_string())
    };
    let ca = write("ca.pem", server.ca_pem())?;
    let cert = write("cert.pem", server.client_cert_pem())?;
    let key = write("key.pem", server.client_key_pem())?;
    println!("--url {} --cert {cert} --key {key} --ca {ca}", server.url());
    eprintln!("serving until interrupted (Ctrl-C)");
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}
