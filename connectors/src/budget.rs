//! Result budgets: how many rows, how many bytes of JSON, how large one cell may be, and the
//! trimming that enforces them while rows stream in. Nothing is cut silently: whatever was cut is
//! described by a [`Truncation`].

use serde::Serialize;
use serde_json::Value;

/// Limits on what one answer carries. Defaults: 20 rows, 32 KiB of JSON-encoded row data, 1 KiB
/// per cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Rows returned at most (the guard asks the database for one more).
    pub max_rows: u64,
    /// JSON-encoded bytes of all returned rows together.
    pub max_bytes: usize,
    /// JSON-encoded bytes of one cell's text before it is cut.
    pub max_cell_bytes: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget { max_rows: 20, max_bytes: 32 * 1024, max_cell_bytes: 1024 }
    }
}

/// Why an answer holds less than the query produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CutReason {
    /// The row cap was reached.
    Rows,
    /// The byte budget was reached.
    Bytes,
    /// Every row is here, but some cells were cut.
    Cells,
}

/// What was cut, as the API reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Truncation {
    /// The first limit that cut the answer.
    pub reason: CutReason,
    /// Rows in the answer.
    pub rows_returned: u64,
    /// Whether the database had more rows than the answer holds.
    pub more_rows: bool,
    /// Cells shortened to the cell cap (marked with a trailing `…[cut]`).
    pub cells_truncated: u64,
}

/// The marker appended to a cut cell.
pub const CUT_MARKER: &str = "…[cut]";

/// The smallest cell cap: a cut cell's JSON (quotes and marker) must fit in it.
pub const MIN_CELL_BYTES: usize = 2 + CUT_MARKER.len() + 4;

/// Collects rows under a [`Budget`]. Feed rows with [`Trimmer::offer`] until it answers `false`,
/// then take the rows and the truncation with [`Trimmer::finish`].
#[derive(Debug)]
pub struct Trimmer {
    budget: Budget,
    rows: Vec<Vec<Value>>,
    /// JSON bytes of `rows` as an array, without its outer brackets.
    bytes: usize,
    cells_truncated: u64,
    stopped: Option<CutReason>,
}

impl Trimmer {
    /// An empty trimmer for `budget`. A cell cap smaller than a cut cell's marker and quotes
    /// ([`MIN_CELL_BYTES`]) is raised to it: a cut cell must not be longer than the cap.
    pub fn new(mut budget: Budget) -> Self {
        budget.max_cell_bytes = budget.max_cell_bytes.max(MIN_CELL_BYTES);
        Trimmer { budget, rows: Vec::new(), bytes: 0, cells_truncated: 0, stopped: None }
    }

    /// The cell cap in force (the budget's, raised to [`MIN_CELL_BYTES`]): a cell longer than this
    /// is cut, so a reader need not copy more of it than this and one byte.
    pub fn cell_cap(&self) -> usize {
        self.budget.max_cell_bytes
    }

    /// Offers the next row. Returns `false` when reading must stop: the row was one past the row
    /// cap, or would break the byte budget (it is then not kept, and "more rows" is known).
    pub fn offer(&mut self, mut row: Vec<Value>) -> bool {
        if self.stopped.is_some() {
            return false;
        }
        if self.rows.len() as u64 >= self.budget.max_rows {
            self.stopped = Some(CutReason::Rows);
            return false;
        }
        let mut cut = 0;
        for cell in &mut row {
            if cut_cell(cell, self.budget.max_cell_bytes) {
                cut += 1;
            }
        }
        let size = encoded_len(&row) + usize::from(!self.rows.is_empty());
        if self.bytes + size > self.budget.max_bytes {
            self.stopped = Some(CutReason::Bytes);
            return false;
        }
        // Counted only for rows that are kept: the answer reports what it holds.
        self.cells_truncated += cut;
        self.bytes += size;
        self.rows.push(row);
        true
    }

    /// The kept rows and what was cut, if anything.
    pub fn finish(self) -> (Vec<Vec<Value>>, Option<Truncation>) {
        let rows_returned = self.rows.len() as u64;
        let reason = match (self.stopped, self.cells_truncated) {
            (Some(reason), _) => Some(reason),
            (None, 0) => None,
            (None, _) => Some(CutReason::Cells),
        };
        let truncation = reason.map(|reason| Truncation {
            reason,
            rows_returned,
            more_rows: self.stopped.is_some(),
            cells_truncated: self.cells_truncated,
        });
        (self.rows, truncation)
    }
}

/// Cuts a string cell whose JSON form exceeds `max` bytes, at a character boundary, and marks it.
fn cut_cell(cell: &mut Value, max: usize) -> bool {
    let Value::String(text) = cell else { return false };
    if encoded_len(&*text) <= max {
        return false;
    }
    // Keep a prefix whose JSON form, with the marker and quotes, fits.
    let mut keep = String::new();
    let mut used = 2 + CUT_MARKER.len();
    let mut utf8 = [0u8; 4];
    for c in text.chars() {
        let w = encoded_len(&*c.encode_utf8(&mut utf8)) - 2;
        if used + w > max {
            break;
        }
        used += w;
        keep.push(c);
    }
    keep.push_str(CUT_MARKER);
    *text = keep;
    true
}

/// The length of `value`'s JSON, counted without building it.
fn encoded_len<T: Serialize + ?Sized>(value: &T) -> usize {
    let mut counter = Counter(0);
    match serde_json::to_writer(&mut counter, value) {
        Ok(()) => counter.0,
        Err(_) => usize::MAX / 2,
    }
}

/// A writer that only counts bytes.
struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn budget(rows: u64, bytes: usize, cell: usize) -> Budget {
        Budget { max_rows: rows, max_bytes: bytes, max_cell_bytes: cell }
    }

    #[test]
    fn the_row_past_the_cap_says_there_was_more() {
        let mut t = Trimmer::new(budget(2, 1000, 100));
        assert!(t.offer(vec![json!(1)]));
        assert!(t.offer(vec![json!(2)]));
        assert!(!t.offer(vec![json!(3)]));
        let (rows, cut) = t.finish();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            cut,
            Some(Truncation { reason: CutReason::Rows, rows_returned: 2, more_rows: true, cells_truncated: 0 })
        );
    }

    #[test]
    fn exactly_the_cap_is_not_a_truncation() {
        let mut t = Trimmer::new(budget(2, 1000, 100));
        assert!(t.offer(vec![json!(1)]));
        assert!(t.offer(vec![json!(2)]));
        assert_eq!(t.finish().1, None);
    }

    #[test]
    fn the_byte_budget_counts_the_json_of_the_rows() {
        // [["aaaa"]] is 10 bytes as an array; each row `["aaaa"]` is 8, plus a comma after the first.
        let mut t = Trimmer::new(budget(20, 17, 100));
        assert!(t.offer(vec![json!("aaaa")]));
        assert!(t.offer(vec![json!("aaaa")]));
        assert!(!t.offer(vec![json!("aaaa")]));
        let (rows, cut) = t.finish();
        assert_eq!(rows.len(), 2);
        assert_eq!(serde_json::to_vec(&rows).unwrap().len() - 2, 17);
        assert_eq!(cut.unwrap().reason, CutReason::Bytes);
    }

    #[test]
    fn long_cells_are_cut_visibly_within_the_cap() {
        let mut t = Trimmer::new(budget(20, 10_000, 40));
        assert!(t.offer(vec![json!("é".repeat(100)), json!("short")]));
        let (rows, cut) = t.finish();
        let cell = rows[0][0].as_str().unwrap();
        assert!(cell.ends_with(CUT_MARKER));
        assert!(serde_json::to_vec(cell).unwrap().len() <= 40);
        assert_eq!(rows[0][1], json!("short"));
        assert_eq!(
            cut,
            Some(Truncation { reason: CutReason::Cells, rows_returned: 1, more_rows: false, cells_truncated: 1 })
        );
    }
}
