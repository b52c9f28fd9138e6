//! A plain self-contained HTML page (the comparison report's style sheet, inline SVG, no
//! script) for the reports of sweep, capacity and map, and their shared pieces: a figure, a
//! table, the command and the scenario at the end.
//!
//! Like every report, a page depends only on its inputs: the same findings, the same bytes.

use std::fmt::Write;

use crate::figures::Figure;
use crate::html::{escape, strip_prolog, STYLE};

/// A page under construction: a title, then sections of HTML in order.
pub struct Page {
    html: String,
}

impl Page {
    /// A page titled `title` with a lead paragraph (skipped when empty).
    pub fn new(title: &str, lead: &str) -> Page {
        let mut html = String::new();
        html.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        let _ = writeln!(html, "<title>{}</title>", escape(title));
        let _ = writeln!(html, "<style>{STYLE}</style>\n</head>\n<body>");
        let _ = writeln!(html, "<h1>{}</h1>", escape(title));
        if !lead.is_empty() {
            let _ = writeln!(html, "<p class=\"lead\">{}</p>", escape(lead));
        }
        Page { html }
    }

    /// A section heading.
    pub fn heading(&mut self, text: &str) {
        let _ = writeln!(self.html, "<h2>{}</h2>", escape(text));
    }

    /// A paragraph of plain text.
    pub fn paragraph(&mut self, text: &str) {
        let _ = writeln!(self.html, "<p>{}</p>", escape(text));
    }

    /// A bulleted list of plain-text items.
    pub fn list(&mut self, items: &[String]) {
        self.html.push_str("<ul class=\"verdicts\">\n");
        for item in items {
            let _ = writeln!(self.html, "<li>{}</li>", escape(item));
        }
        self.html.push_str("</ul>\n");
    }

    /// A table: a header row and rows of plain-text cells; the first column is left-aligned,
    /// and a cell may carry a class (`pass`, `fail`) for its colour.
    pub fn table(&mut self, header: &[String], rows: &[Vec<(String, Option<&str>)>]) {
        self.html.push_str("<div class=\"scroll\"><table>\n<tr>");
        for (i, cell) in header.iter().enumerate() {
            let class = if i == 0 { " class=\"name\"" } else { "" };
            let _ = write!(self.html, "<th{class}>{}</th>", escape(cell));
        }
        self.html.push_str("</tr>\n");
        for row in rows {
            self.html.push_str("<tr>");
            for (i, (cell, class)) in row.iter().enumerate() {
                let class = match (i, class) {
                    (_, Some(class)) => format!(" class=\"{class}\""),
                    (0, None) => " class=\"name\"".to_string(),
                    _ => String::new(),
                };
                let _ = write!(self.html, "<td{class}>{}</td>", escape(cell));
            }
            self.html.push_str("</tr>\n");
        }
        self.html.push_str("</table></div>\n");
    }

    /// A chart with its title and caption.
    pub fn figure(&mut self, figure: &Figure) {
        let _ = writeln!(
            self.html,
            "<figure id=\"{}\">\n{}\n<figcaption><b>{}</b>. {}</figcaption>\n</figure>",
            escape(&figure.name),
            strip_prolog(&figure.svg),
            escape(&figure.title),
            escape(&figure.caption)
        );
    }

    /// Preformatted text (a command, a scenario file).
    pub fn code(&mut self, text: &str) {
        let _ = writeln!(self.html, "<pre>{}</pre>", escape(text));
    }

    /// The finished page.
    pub fn finish(mut self) -> String {
        self.html.push_str("</body>\n</html>\n");
        self.html
    }
}
