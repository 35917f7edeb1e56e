//! Values that come from standard input or files, one a line.

use std::io::{self, BufRead, Read};
use std::path::{Path, PathBuf};

/// Why an input could not be read.
#[derive(Debug)]
pub(crate) struct InputError {
    /// What was being read (`standard input`, a file name).
    pub(crate) what: String,
    /// The I/O error.
    pub(crate) error: io::Error,
}

/// The values of a list argument: the command-line values in order, `-` standing for the lines
/// of standard input (read once), followed by the lines of each file.
///
/// Lines are trimmed; empty lines and lines starting with `#` are skipped.
pub(crate) fn list(values: &[String], files: &[PathBuf]) -> Result<Vec<String>, InputError> {
    let mut out = Vec::with_capacity(values.len());
    let mut stdin_read = false;
    for value in values {
        if value == "-" {
            if !stdin_read {
                stdin_read = true;
                let stdin = io::stdin();
                read_lines(stdin.lock(), "standard input", &mut out)?;
            }
        } else {
            out.push(value.clone());
        }
    }
    for file in files {
        let opened = std::fs::File::open(file).map_err(|error| InputError {
            what: file.display().to_string(),
            error,
        })?;
        read_lines(
            io::BufReader::new(opened),
            &file.display().to_string(),
            &mut out,
        )?;
    }
    Ok(out)
}

fn read_lines(reader: impl BufRead, what: &str, out: &mut Vec<String>) -> Result<(), InputError> {
    for line in reader.lines() {
        let line = line.map_err(|error| InputError {
            what: what.to_owned(),
            error,
        })?;
        let line = line.trim();
        if !line.is_empty() && !line.starts_with('#') {
            out.push(line.to_owned());
        }
    }
    Ok(())
}

/// A whole file as text, or standard input for `-`.
pub(crate) fn text(path: &Path) -> Result<String, InputError> {
    if path == Path::new("-") {
        let mut text = String::new();
        io::stdin()
            .lock()
            .read_to_string(&mut text)
            .map_err(|error| InputError {
                what: "standard input".to_owned(),
                error,
            })?;
        Ok(text)
    } else {
        std::fs::read_to_string(path).map_err(|error| InputError {
            what: path.display().to_string(),
            error,
        })
    }
}

/// A whole file as bytes (certificates and keys).
pub(crate) fn bytes(path: &Path) -> Result<Vec<u8>, InputError> {
    std::fs::read(path).map_err(|error| InputError {
        what: path.display().to_string(),
        error,
    })
}
