//! Printing results: a JSON array, JSON lines as they arrive, or a table; and the progress line.

use std::io::{self, IsTerminal, Write};
use std::time::{Duration, Instant};

use pyxis_gql::model::{ContainerImage, ContainerRepository};
use serde::Serialize;
use serde_json::Value;

use crate::args::Format;

/// What an image table shows of the RPM manifests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rpms {
    /// Nothing (the manifests were not asked for).
    Hidden,
    /// How many RPMs each image ships.
    Count,
    /// The NVRAs of the RPMs (already cut down to the ones searched for).
    List,
}

/// Items that can be shown as table rows.
pub(crate) trait Row: Serialize {
    /// The column names and one row of cells per item.
    fn table(items: &[Self], rpms: Rpms) -> (Vec<String>, Vec<Vec<String>>)
    where
        Self: Sized;
}

fn text(value: Option<&str>) -> String {
    value.unwrap_or("-").to_owned()
}

fn list(values: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    let joined = values
        .into_iter()
        .map(|value| value.as_ref().to_owned())
        .collect::<Vec<_>>()
        .join(",");
    if joined.is_empty() {
        "-".into()
    } else {
        joined
    }
}

fn headers(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

impl Row for ContainerRepository {
    fn table(items: &[Self], _: Rpms) -> (Vec<String>, Vec<Vec<String>>) {
        let rows = items
            .iter()
            .map(|repository| {
                vec![
                    text(repository.registry.as_deref()),
                    text(repository.repository.as_deref()),
                    repository
                        .published
                        .map_or_else(|| "-".into(), |published| published.to_string()),
                    list(&repository.release_categories),
                    list(&repository.auto_rebuild_tags),
                ]
            })
            .collect();
        let columns = [
            "REGISTRY",
            "REPOSITORY",
            "PUBLISHED",
            "RELEASE_CATEGORIES",
            "AUTO_REBUILD_TAGS",
        ];
        (headers(&columns), rows)
    }
}

impl Row for ContainerImage {
    fn table(items: &[Self], rpms: Rpms) -> (Vec<String>, Vec<Vec<String>>) {
        let rows = items
            .iter()
            .map(|image| {
                let mut row = vec![text(image.nvr()), text(image.architecture.as_deref())];
                match rpms {
                    Rpms::Hidden => {}
                    Rpms::Count => row.push(match image.rpm_manifest() {
                        Some(manifest) => manifest.rpms.len().to_string(),
                        None => "-".into(),
                    }),
                    Rpms::List => row.push(list(
                        image
                            .rpms()
                            .iter()
                            .map(|rpm| rpm.nvra().or(rpm.name()).unwrap_or("?")),
                    )),
                }
                row.push(list(image.repositories.iter().map(|repository| {
                    format!(
                        "{}/{}",
                        repository.registry.as_deref().unwrap_or("-"),
                        repository.repository.as_deref().unwrap_or("-")
                    )
                })));
                row
            })
            .collect();
        let mut columns = headers(&["NVR", "ARCH"]);
        if rpms != Rpms::Hidden {
            columns.push("RPMS".into());
        }
        columns.push("REPOSITORIES".into());
        (columns, rows)
    }
}

impl Row for Value {
    /// Objects: one column per key (in order of first appearance); anything else: one column.
    fn table(items: &[Self], _: Rpms) -> (Vec<String>, Vec<Vec<String>>) {
        let cell = |value: Option<&Value>| match value {
            None | Some(Value::Null) => "-".to_owned(),
            Some(Value::String(text)) => text.clone(),
            Some(other) => other.to_string(),
        };
        if !items.iter().all(Value::is_object) {
            let rows = items.iter().map(|item| vec![cell(Some(item))]).collect();
            return (headers(&["VALUE"]), rows);
        }
        let mut columns: Vec<String> = Vec::new();
        for item in items {
            for key in item
                .as_object()
                .into_iter()
                .flat_map(|object| object.keys())
            {
                if !columns.contains(key) {
                    columns.push(key.clone());
                }
            }
        }
        let rows = items
            .iter()
            .map(|item| columns.iter().map(|key| cell(item.get(key))).collect())
            .collect();
        (columns, rows)
    }
}

/// Writes a table with left-aligned, space-padded columns.
fn write_table(out: &mut impl Write, columns: &[String], rows: &[Vec<String>]) -> io::Result<()> {
    let mut widths: Vec<usize> = columns.iter().map(|c| c.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut line = |cells: &[String]| -> io::Result<()> {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(cell);
                let pad = widths[i] - cell.chars().count() + 2;
                text.extend(std::iter::repeat_n(' ', pad));
            }
        }
        writeln!(out, "{}", text.trim_end())
    };
    line(columns)?;
    for row in rows {
        line(row)?;
    }
    Ok(())
}

/// Prints the items of one command in the chosen format.
pub(crate) struct Printer<I> {
    format: Format,
    rpms: Rpms,
    out: io::BufWriter<io::Stdout>,
    held: Vec<I>,
}

impl<I: Row> Printer<I> {
    /// A printer to standard output.
    pub(crate) fn new(format: Format, rpms: Rpms) -> Self {
        Self {
            format,
            rpms,
            out: io::BufWriter::with_capacity(64 * 1024, io::stdout()),
            held: Vec::new(),
        }
    }

    /// Takes items as they arrive: written (and flushed) at once as JSON lines, held otherwise.
    pub(crate) fn items(&mut self, items: Vec<I>) -> io::Result<()> {
        match self.format {
            Format::Jsonl => {
                for item in &items {
                    serde_json::to_writer(&mut self.out, item)?;
                    self.out.write_all(b"\n")?;
                }
                self.out.flush()
            }
            Format::Json | Format::Table => {
                self.held.extend(items);
                Ok(())
            }
        }
    }

    /// Writes what was held: the JSON array or the table.
    pub(crate) fn finish(mut self) -> io::Result<()> {
        match self.format {
            Format::Jsonl => {}
            Format::Json => {
                serde_json::to_writer_pretty(&mut self.out, &self.held)?;
                self.out.write_all(b"\n")?;
            }
            Format::Table => {
                let (columns, rows) = I::table(&self.held, self.rpms);
                write_table(&mut self.out, &columns, &rows)?;
            }
        }
        self.out.flush()
    }

    /// Writes a single answer: the value itself (`null` when absent) as JSON, one line (none
    /// when absent) as JSON lines, one row as a table.
    pub(crate) fn single(mut self, item: Option<I>) -> io::Result<()> {
        match self.format {
            Format::Json => {
                serde_json::to_writer_pretty(&mut self.out, &item)?;
                self.out.write_all(b"\n")?;
                self.out.flush()
            }
            Format::Jsonl | Format::Table => {
                self.items(item.into_iter().collect())?;
                self.finish()
            }
        }
    }
}

/// A progress line on stderr, drawn only when stderr is a terminal, at most ten times a second,
/// and only once a run has taken more than half a second.
pub(crate) struct Progress {
    enabled: bool,
    started: Instant,
    drawn: Option<Instant>,
    items: u64,
    done: usize,
    total: Option<usize>,
}

impl Progress {
    /// A progress line for a run over `total` values (or one crawl when `None`).
    pub(crate) fn new(total: Option<usize>) -> Self {
        Self {
            enabled: io::stderr().is_terminal(),
            started: Instant::now(),
            drawn: None,
            items: 0,
            done: 0,
            total,
        }
    }

    /// Counts `items` more results and `values` more values looked up, and redraws.
    pub(crate) fn advance(&mut self, items: usize, values: usize) {
        self.items += items as u64;
        self.done += values;
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        let due = match self.drawn {
            None => now.duration_since(self.started) >= Duration::from_millis(500),
            Some(last) => now.duration_since(last) >= Duration::from_millis(100),
        };
        if due {
            self.drawn = Some(now);
            let elapsed = now.duration_since(self.started).as_secs_f64();
            let line = match self.total {
                Some(total) => format!(
                    "pyxis: {}/{total} looked up, {} items, {elapsed:.1}s",
                    self.done, self.items
                ),
                None => format!("pyxis: {} items, {elapsed:.1}s", self.items),
            };
            let mut err = io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{line}");
            let _ = err.flush();
        }
    }

    /// Erases the line (before output that shares the terminal, and at the end).
    pub(crate) fn clear(&mut self) {
        if self.drawn.is_some() {
            let mut err = io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_pad_all_but_the_last_column() {
        let mut out = Vec::new();
        let columns = headers(&["A", "LONGER"]);
        let rows = vec![
            vec!["wide-cell".to_owned(), "x".to_owned()],
            vec!["-".to_owned(), "".to_owned()],
        ];
        write_table(&mut out, &columns, &rows).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "A          LONGER\nwide-cell  x\n-\n"
        );
    }

    #[test]
    fn value_tables_have_a_column_per_key() {
        let items = vec![
            serde_json::json!({"a": "x", "b": 1}),
            serde_json::json!({"c": {"d": null}}),
        ];
        let (columns, rows) = Value::table(&items, Rpms::Hidden);
        assert_eq!(columns, ["a", "b", "c"]);
        assert_eq!(rows[0], ["x", "1", "-"]);
        assert_eq!(rows[1], ["-", "-", r#"{"d":null}"#]);
    }
}
