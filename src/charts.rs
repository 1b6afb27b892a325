//! Charts drawn on the server as SVG text with [plotters] (its SVG backend only: no fonts, no
//! bitmaps, no system libraries). A chart is a picture of numbers the caller already has; it
//! never decides what they mean. What it guarantees:
//!
//! - every text that reaches the SVG (title, labels, numbers) is XML-escaped, so a label such as
//!   `<script>` is shown as those characters and is never markup (plotters escapes what it draws;
//!   the `<title>` and the accessible name added here are escaped here);
//! - its size is bounded: at most [`MAX_BARS`] bars (the rest are named in one last bar), labels
//!   and titles cut to a fixed number of characters, a fixed width and a height that stops growing;
//! - any input draws: none at all (a frame that says there is no data), negative, huge and
//!   non-finite values (NaN and infinities get no bar and are named "no value"), and the drawing
//!   never panics; a drawing error is an error value.
//!
//! The colours are those of the pages' stylesheet (`assets/app.css`).

use std::collections::BTreeMap;

use plotters::coord::ranged1d::{IntoSegmentedCoord, SegmentValue};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use thiserror::Error;

/// Width of every chart, in pixels (the pages scale it down to fit a phone).
pub const WIDTH: u32 = 720;
/// Most bars one chart draws; further items are added up in one last bar.
pub const MAX_BARS: usize = 20;
/// Longest label shown, in characters; a longer one ends in `…`.
pub const MAX_LABEL_CHARS: usize = 28;
/// Longest title, in characters.
const MAX_TITLE_CHARS: usize = 90;
/// Height of the per-day chart and of a column chart.
const SERIES_HEIGHT: u32 = 320;
/// Values beyond this size are drawn at it: the axis of ±1e300 stays finite.
const LARGEST: f64 = 1e300;

/// The stylesheet's colours.
const ACCENT: RGBColor = RGBColor(0x1f, 0x4f, 0xb4);
const TEXT: RGBColor = RGBColor(0x1c, 0x23, 0x30);
const MUTED: RGBColor = RGBColor(0x56, 0x60, 0x70);
const BORDER: RGBColor = RGBColor(0xd9, 0xde, 0xe5);
const NEGATIVE: RGBColor = RGBColor(0x8a, 0x95, 0xa5);
const FONT: &str = "sans-serif";

/// A chart that could not be drawn.
#[derive(Debug, Error)]
#[error("the chart could not be drawn: {0}")]
pub struct ChartError(String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        ChartError(e.to_string())
    }
}

/// A horizontal bar chart of `items` (label, value), first item on top: for categories, such as
/// rejections by guard code or rows per customer segment.
pub fn bars(title: &str, items: &[(String, f64)]) -> Result<String, ChartError> {
    let items = bounded(items);
    if items.is_empty() {
        return empty(title, SERIES_HEIGHT);
    }
    let n = items.len();
    let height = (90 + 30 * n as u32).min(90 + 30 * (MAX_BARS as u32 + 1));
    let (lo, hi) = extent(items.iter().map(|(_, v)| *v));
    // Room on the right for the value written after the bar.
    let hi_room = hi + (hi - lo) * 0.15;
    let longest = items.iter().map(|(label, _)| label.chars().count()).max().unwrap_or(0);
    let label_width = (longest as u32 * 7 + 16).clamp(60, 220);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(cut(title, MAX_TITLE_CHARS), (FONT, 19).into_font().color(&TEXT))
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(label_width)
            .build_cartesian_2d(lo..hi_room, (0..(n as i32 - 1).max(1)).into_segmented())?;
        let labels: Vec<String> = items.iter().rev().map(|(label, _)| label.clone()).collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .bold_line_style(BORDER)
            .light_line_style(WHITE)
            .axis_style(BORDER)
            .y_labels(n + 1)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
                    usize::try_from(*i).ok().and_then(|i| labels.get(i)).cloned().unwrap_or_default()
                }
                SegmentValue::Last => String::new(),
            })
            .x_labels(ticks(&items, lo, hi))
            .x_label_formatter(&|v| tick(&items, *v))
            .label_style((FONT, 15).into_font().color(&TEXT))
            .draw()?;
        let row = |i: usize| (n - 1 - i) as i32;
        chart.draw_series(items.iter().enumerate().filter(|(_, (_, v))| v.is_finite()).map(|(i, (_, v))| {
            let color = if *v < 0.0 { NEGATIVE } else { ACCENT };
            let mut bar = Rectangle::new(
                [(0.0, SegmentValue::Exact(row(i))), (*v, SegmentValue::Exact(row(i) + 1))],
                color.filled(),
            );
            bar.set_margin(5, 5, 0, 0);
            bar
        }))?;
        chart.draw_series(items.iter().enumerate().map(|(i, (_, v))| {
            let (text, at) = if v.is_finite() { (number(*v), v.max(0.0)) } else { ("no value".to_owned(), 0.0) };
            Text::new(
                format!(" {text}"),
                (at, SegmentValue::CenterOf(row(i))),
                (FONT, 14).into_font().color(&MUTED).pos(Pos::new(HPos::Left, VPos::Center)),
            )
        }))?;
        root.present()?;
    }
    Ok(accessible(svg, title))
}

/// Counts per day from `from` to `to` (both included, UTC days), a day without records drawn as
/// zero: the dashboard's questions per day. Days of `counts` outside the range are left out.
pub fn daily(
    title: &str,
    from: time::Date,
    to: time::Date,
    counts: &BTreeMap<time::Date, u64>,
) -> Result<String, ChartError> {
    let mut items = Vec::new();
    let mut day = from;
    // At most 366 columns, whatever the caller passed.
    while day <= to && items.len() < 366 {
        let count = counts.get(&day).copied().unwrap_or(0);
        items.push((day.to_string(), count as f64));
        match day.next_day() {
            Some(next) => day = next,
            None => break,
        }
    }
    columns(title, &items)
}

/// Vertical columns over ordered labels (days, months, times), left to right: a series in time.
/// Labels are thinned to about eight along the axis; each column keeps its place.
pub fn columns(title: &str, items: &[(String, f64)]) -> Result<String, ChartError> {
    let items: Vec<(String, f64)> = items.iter().take(366).map(|(l, v)| (cut(l, MAX_LABEL_CHARS), clamp(*v))).collect();
    if items.is_empty() {
        return empty(title, SERIES_HEIGHT);
    }
    let n = items.len();
    let (lo, hi) = extent(items.iter().map(|(_, v)| *v));
    let hi_room = hi + (hi - lo) * 0.08;
    let every = n.div_ceil(8).max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, SERIES_HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(cut(title, MAX_TITLE_CHARS), (FONT, 19).into_font().color(&TEXT))
            .margin(12)
            .x_label_area_size(34)
            .y_label_area_size(64)
            .build_cartesian_2d((0..(n as i32 - 1).max(1)).into_segmented(), lo..hi_room)?;
        let labels: Vec<&str> = items.iter().map(|(label, _)| label.as_str()).collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(BORDER)
            .light_line_style(WHITE)
            .axis_style(BORDER)
            .x_labels(n + 1)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => usize::try_from(*i)
                    .ok()
                    .filter(|i| i % every == 0)
                    .and_then(|i| labels.get(i))
                    .map(|l| l.to_string())
                    .unwrap_or_default(),
                SegmentValue::Last => String::new(),
            })
            .y_labels(ticks(&items, lo, hi))
            .y_label_formatter(&|v| tick(&items, *v))
            .label_style((FONT, 15).into_font().color(&TEXT))
            .draw()?;
        let gap = if n > 60 { 0 } else { 3 };
        chart.draw_series(items.iter().enumerate().filter(|(_, (_, v))| v.is_finite()).map(|(i, (_, v))| {
            let color = if *v < 0.0 { NEGATIVE } else { ACCENT };
            let mut column = Rectangle::new(
                [(SegmentValue::Exact(i as i32), 0.0), (SegmentValue::Exact(i as i32 + 1), *v)],
                color.filled(),
            );
            column.set_margin(0, 0, gap, gap);
            column
        }))?;
        root.present()?;
    }
    Ok(accessible(svg, title))
}

/// A chart frame that says there is nothing to draw.
fn empty(title: &str, height: u32) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let root = root.titled(&cut(title, MAX_TITLE_CHARS), (FONT, 19).into_font().color(&TEXT))?;
        let (w, h) = root.dim_in_pixel();
        root.draw(&Text::new(
            "No data to draw",
            (w as i32 / 2, h as i32 / 2),
            (FONT, 15).into_font().color(&MUTED).pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
        root.present()?;
    }
    Ok(accessible(svg, title))
}

/// The items a bar chart draws: labels cut, values clamped, and past [`MAX_BARS`] the rest added
/// up in one last bar that says how many it holds.
fn bounded(items: &[(String, f64)]) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> =
        items.iter().take(MAX_BARS).map(|(label, v)| (cut(label, MAX_LABEL_CHARS), clamp(*v))).collect();
    if items.len() > MAX_BARS {
        let rest = &items[MAX_BARS..];
        let sum = rest.iter().map(|(_, v)| *v).filter(|v| v.is_finite()).sum::<f64>();
        out.push((format!("{} others", rest.len()), clamp(sum)));
    }
    out
}

/// A value as drawn: non-finite stays non-finite (no bar), the rest within ±[`LARGEST`].
fn clamp(v: f64) -> f64 {
    if v.is_finite() {
        v.clamp(-LARGEST, LARGEST)
    } else {
        f64::NAN
    }
}

/// The value axis: from the smallest value (or 0) to the largest (or 0), never empty.
fn extent(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi - lo <= f64::EPSILON {
        hi = lo + 1.0;
    }
    (lo, hi)
}

/// Whether every value drawn is a whole number (counts): the axis then names whole numbers only.
fn whole(items: &[(String, f64)]) -> bool {
    items.iter().all(|(_, v)| !v.is_finite() || v.fract() == 0.0)
}

/// How many labels the value axis asks for: at most six, and for small counts one per whole
/// number (so that a count of 1 is not read off a scale of 0.2 steps).
fn ticks(items: &[(String, f64)], lo: f64, hi: f64) -> usize {
    if whole(items) && hi - lo < 6.0 {
        ((hi - lo).ceil() as usize + 1).clamp(2, 6)
    } else {
        6
    }
}

/// A value axis label: counts only at whole numbers.
fn tick(items: &[(String, f64)], v: f64) -> String {
    if whole(items) && v.fract() != 0.0 {
        String::new()
    } else {
        number(v)
    }
}

/// A number as a chart writes it: whole numbers as they are, others with up to two
/// decimals, large ones with a suffix (k, M, B, T) or in scientific notation.
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return "no value".to_owned();
    }
    let a = v.abs();
    let sign = if v < 0.0 { "-" } else { "" };
    if a >= 1e15 {
        return format!("{v:.1e}");
    }
    // Below 10,000 a whole number is short enough as it is.
    for (from, size, suffix) in [(1e12, 1e12, "T"), (1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "k")] {
        if a >= from {
            let scaled = a / size;
            let text = if scaled >= 100.0 { format!("{scaled:.0}") } else { format!("{scaled:.1}") };
            return format!("{sign}{}{suffix}", text.trim_end_matches(".0"));
        }
    }
    if a.fract() == 0.0 {
        return format!("{sign}{}", a as u64);
    }
    let text = format!("{a:.2}");
    format!("{sign}{}", text.trim_end_matches('0').trim_end_matches('.'))
}

/// `text` cut to `max` characters (the last one `…`), on one line.
fn cut(text: &str, max: usize) -> String {
    let one_line: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut out: String = one_line.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Gives the SVG a `<title>` and an accessible name (`role="img"`, `aria-label`): what a screen
/// reader says when the file is opened by itself (a page's `<img>` has its own `alt`).
fn accessible(svg: String, title: &str) -> String {
    let title = escape(&cut(title, MAX_TITLE_CHARS));
    let Some(body) = svg.strip_prefix("<svg ") else { return svg };
    let Some(end) = body.find('>') else { return svg };
    let (attributes, rest) = body.split_at(end);
    format!("<svg role=\"img\" aria-label=\"{title}\" {attributes}>\n<title>{title}</title>{}", &rest[1..])
}

/// `text` safe in XML text and in a double-quoted attribute.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(list: &[(&str, f64)]) -> Vec<(String, f64)> {
        list.iter().map(|(l, v)| (l.to_string(), *v)).collect()
    }

    /// Checks what every chart must be: one SVG element with its size, title and name, only the
    /// elements plotters draws, and no markup from the data.
    fn well_formed(svg: &str, title: &str) {
        assert!(svg.starts_with("<svg role=\"img\" aria-label=\""), "{svg}");
        assert!(svg.contains(&format!("<title>{}</title>", escape(title))), "{svg}");
        assert!(svg.trim_end().ends_with("</svg>"), "{svg}");
        assert_eq!(svg.matches("<svg").count(), 1, "{svg}");
        assert!(svg.contains(&format!("width=\"{WIDTH}\"")), "{svg}");
        for tag in svg.match_indices('<').map(|(at, _)| {
            svg[at + 1..].split(|c: char| c.is_whitespace() || c == '>' || c == '/').next().unwrap_or_default()
        }) {
            assert!(
                ["svg", "title", "rect", "text", "line", "polyline", "circle", "polygon", "path", ""].contains(&tag),
                "<{tag} in {svg}"
            );
        }
        assert!(svg.len() < 200_000, "{} bytes", svg.len());
    }

    fn bar_count(svg: &str, color: &str) -> usize {
        svg.matches(&format!("fill=\"{color}\"")).count()
    }

    #[test]
    fn a_bar_chart_names_every_label_and_value() {
        let svg =
            bars("Rejections by code", &items(&[("write_statement", 3.0), ("function_not_allowed", 12.0)])).unwrap();
        well_formed(&svg, "Rejections by code");
        for text in ["write_statement", "function_not_allowed", ">\n 3\n<", ">\n 12\n<", "Rejections by code"] {
            assert!(svg.contains(text), "{text} missing: {svg}");
        }
        assert_eq!(bar_count(&svg, "#1F4FB4"), 2, "{svg}");
        // One item is a chart too, in either direction.
        for svg in
            [bars("One", &items(&[("only", 3.0)])).unwrap(), columns("One", &items(&[("2026-11", 3.0)])).unwrap()]
        {
            well_formed(&svg, "One");
            assert_eq!(bar_count(&svg, "#1F4FB4"), 1, "{svg}");
            assert!(svg.contains("only") || svg.contains("2026-11"), "{svg}");
        }
    }

    #[test]
    fn nothing_to_draw_is_a_frame_that_says_so() {
        for svg in [bars("Empty", &[]).unwrap(), columns("Empty", &[]).unwrap()] {
            well_formed(&svg, "Empty");
            assert!(svg.contains("No data to draw"), "{svg}");
        }
        let day = time::macros::date!(2026 - 11 - 01);
        let svg = daily("Nothing", day, day, &BTreeMap::new()).unwrap();
        well_formed(&svg, "Nothing");
        // A range ending before it starts has no days.
        let svg = daily("Backwards", day, time::macros::date!(2026 - 10 - 01), &BTreeMap::new()).unwrap();
        assert!(svg.contains("No data to draw"), "{svg}");
    }

    #[test]
    fn labels_and_titles_are_text_never_markup() {
        let hostile = "<script>alert(1)</script>";
        let attribute = "\"><img src=x onerror=alert(1)>";
        let list = items(&[(hostile, 1.0), (attribute, 2.0)]);
        for svg in [bars(hostile, &list).unwrap(), columns(attribute, &list).unwrap()] {
            assert!(!svg.contains("<script") && !svg.contains("<img"), "{svg}");
            assert!(svg.contains("&lt;script&gt;") || svg.contains("&quot;&gt;&lt;img"), "{svg}");
        }
        let svg = bars(hostile, &list).unwrap();
        well_formed(&svg, hostile);
        assert!(svg.contains("aria-label=\"&lt;script&gt;alert(1)&lt;/script&gt;\""), "{svg}");
    }

    #[test]
    fn long_labels_are_cut_and_many_bars_are_bounded() {
        let long = "a".repeat(500);
        let svg = bars("Long", &items(&[(&long, 1.0)])).unwrap();
        well_formed(&svg, "Long");
        assert!(
            !svg.contains(&"a".repeat(MAX_LABEL_CHARS))
                && svg.contains(&format!("{}…", "a".repeat(MAX_LABEL_CHARS - 1))),
            "{svg}"
        );
        let many: Vec<(String, f64)> = (0..1000).map(|i| (format!("code{i}"), 1.0)).collect();
        let svg = bars("Many", &many).unwrap();
        well_formed(&svg, "Many");
        assert_eq!(bar_count(&svg, "#1F4FB4"), MAX_BARS + 1, "{svg}");
        assert!(svg.contains("980 others") && svg.contains(" 980\n"), "{svg}");
        let height: u32 = svg.split("height=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
        assert!(height <= 90 + 30 * (MAX_BARS as u32 + 1), "{height}");
        let svg = bars(&"t".repeat(1000), &many).unwrap();
        assert!(!svg.contains(&"t".repeat(MAX_TITLE_CHARS)), "the title is not cut");
    }

    #[test]
    fn negative_huge_and_non_finite_values_draw_without_panicking() {
        let list = items(&[
            ("negative", -42.5),
            ("huge", 1e308),
            ("tiny", -1e308),
            ("nan", f64::NAN),
            ("inf", f64::INFINITY),
            ("-inf", f64::NEG_INFINITY),
            ("zero", 0.0),
        ]);
        for svg in [bars("Odd values", &list).unwrap(), columns("Odd values", &list).unwrap()] {
            well_formed(&svg, "Odd values");
            assert!(!svg.contains("NaN") && !svg.contains("inf\""), "{svg}");
        }
        let svg = bars("Odd values", &list).unwrap();
        assert!(svg.contains("-42.5") && svg.contains("no value"), "{svg}");
        // Only non-finite values: nothing to scale by, still a chart.
        let svg = bars("All NaN", &items(&[("a", f64::NAN), ("b", f64::INFINITY)])).unwrap();
        well_formed(&svg, "All NaN");
        let svg = bars("All zero", &items(&[("a", 0.0), ("b", 0.0)])).unwrap();
        well_formed(&svg, "All zero");
        let svg = bars("Negative only", &items(&[("a", -3.0), ("b", -1.0)])).unwrap();
        assert_eq!(bar_count(&svg, "#8A95A5"), 2, "{svg}");
    }

    #[test]
    fn a_daily_series_has_one_column_per_day_and_gaps_are_zero() {
        let from = time::macros::date!(2026 - 11 - 01);
        let to = time::macros::date!(2026 - 11 - 10);
        let mut counts = BTreeMap::new();
        counts.insert(time::macros::date!(2026 - 11 - 02), 5);
        counts.insert(time::macros::date!(2026 - 11 - 09), 2);
        // Outside the range: left out.
        counts.insert(time::macros::date!(2026 - 12 - 01), 99);
        let svg = daily("Questions per day", from, to, &counts).unwrap();
        well_formed(&svg, "Questions per day");
        // Two days have questions; the other eight are zero-height columns (drawn, zero tall).
        assert_eq!(bar_count(&svg, "#1F4FB4"), 10, "{svg}");
        assert!(svg.contains("2026-11-01") && !svg.contains("2026-12-01"), "{svg}");
        assert!(!svg.contains(">\n99\n<"), "{svg}");
        // A whole year still draws, bounded.
        let svg =
            daily("A year", time::macros::date!(2025 - 01 - 01), time::macros::date!(2026 - 12 - 31), &counts).unwrap();
        well_formed(&svg, "A year");
        assert_eq!(bar_count(&svg, "#1F4FB4"), 366, "{}", svg.len());
    }

    #[test]
    fn counts_are_scaled_in_whole_numbers() {
        let svg = bars("Ones", &items(&[("a", 1.0), ("b", 1.0)])).unwrap();
        assert!(!svg.contains(">\n0.2\n<") && !svg.contains(">\n0.5\n<"), "{svg}");
        assert!(svg.contains(">\n0\n<") && svg.contains(">\n1\n<"), "{svg}");
        // Fractions keep their scale.
        let svg = bars("Halves", &items(&[("a", 0.5), ("b", 1.5)])).unwrap();
        assert!(svg.contains(">\n0.5\n<") || svg.contains(">\n0.2\n<") || svg.contains(">\n0.4\n<"), "{svg}");
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        for (v, text) in [
            (0.0, "0"),
            (7.0, "7"),
            (1234.0, "1234"),
            (12_345.0, "12.3k"),
            (-2_500_000.0, "-2.5M"),
            (3e9, "3B"),
            (150e12, "150T"),
            (2.5e20, "2.5e20"),
            (0.126, "0.13"),
            (-1.5, "-1.5"),
            (f64::NAN, "no value"),
        ] {
            assert_eq!(number(v), text, "{v}");
        }
    }
}
