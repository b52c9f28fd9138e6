//! Hand-written SVG drawn on top of plotters' layer: series lines, markers, legends, seed dots.
//!
//! Plotters' SVG backend writes a polyline's colour and width but no dash pattern, no line
//! join and no outlined shape, so what needs those is written here and spliced into plotters'
//! document just before its closing tag, which draws it last, on top. Coordinates are whole
//! pixels or have one decimal, written with Rust's exact float formatting, so the bytes are
//! the same on every machine. This module knows elements, not charts.

use std::fmt::Write;

use plotters::style::RGBColor;

use super::axis;
use super::layout::Rect;
use super::stroke::{Marker, Stroke};

/// SVG elements to draw over a plotters document, in drawing order.
#[derive(Debug, Default)]
pub(crate) struct Overlay {
    svg: String,
}

/// How a rectangle is painted: a fill colour and opacity, and an optional 1 px border.
pub(crate) struct Paint {
    pub fill: RGBColor,
    pub opacity: f64,
    pub border: Option<(RGBColor, f64)>,
}

impl Overlay {
    /// A series line through `points` in the look of `stroke`.
    pub(crate) fn polyline(&mut self, points: &[(i32, i32)], stroke: &Stroke) {
        let mut list = String::with_capacity(points.len() * 8);
        for (i, (x, y)) in points.iter().enumerate() {
            let sep = if i == 0 { "" } else { " " };
            // Writing to a String cannot fail.
            let _ = write!(list, "{sep}{x},{y}");
        }
        self.open("polyline");
        self.attr("fill", "none");
        self.stroke_attrs(stroke);
        self.attr("points", &list);
        self.close();
    }

    /// A straight line from `from` to `to` in the look of `stroke` (a legend swatch).
    pub(crate) fn line(&mut self, from: (i32, i32), to: (i32, i32), stroke: &Stroke) {
        self.open("line");
        self.attr("x1", &from.0.to_string());
        self.attr("y1", &from.1.to_string());
        self.attr("x2", &to.0.to_string());
        self.attr("y2", &to.1.to_string());
        self.stroke_attrs(stroke);
        self.close();
    }

    /// `stroke`'s marker centered at `at`, `r` pixels in radius, with a thin white rim so it
    /// reads over lines of any colour.
    pub(crate) fn marker(&mut self, at: (f64, f64), stroke: &Stroke, r: f64) {
        let (x, y) = at;
        let polygon = |overlay: &mut Overlay, corners: &[(f64, f64)]| {
            let list: Vec<String> = corners
                .iter()
                .map(|(dx, dy)| format!("{},{}", num(x + dx * r), num(y + dy * r)))
                .collect();
            overlay.open("polygon");
            overlay.attr("points", &list.join(" "));
        };
        match stroke.marker {
            Marker::Circle => {
                self.open("circle");
                self.attr("cx", &num(x));
                self.attr("cy", &num(y));
                self.attr("r", &num(r));
            }
            Marker::Square => {
                let h = 0.88;
                polygon(self, &[(-h, -h), (h, -h), (h, h), (-h, h)]);
            }
            Marker::Triangle => polygon(self, &[(0.0, -1.25), (1.15, 0.8), (-1.15, 0.8)]),
            Marker::TriangleDown => polygon(self, &[(0.0, 1.25), (1.15, -0.8), (-1.15, -0.8)]),
            Marker::Diamond => polygon(self, &[(0.0, -1.3), (1.05, 0.0), (0.0, 1.3), (-1.05, 0.0)]),
            Marker::Plus => {
                let (a, b) = (1.2, 0.42);
                polygon(
                    self,
                    &[
                        (-b, -a),
                        (b, -a),
                        (b, -b),
                        (a, -b),
                        (a, b),
                        (b, b),
                        (b, a),
                        (-b, a),
                        (-b, b),
                        (-a, b),
                        (-a, -b),
                        (-b, -b),
                    ],
                );
            }
        }
        self.attr("fill", &hex(stroke.color));
        self.attr("stroke", "#FFFFFF");
        self.attr("stroke-width", "1");
        self.close();
    }

    /// A dot of radius `r` at `at`, filled with `fill` and outlined with `outline`.
    pub(crate) fn dot(&mut self, at: (f64, f64), r: f64, fill: RGBColor, outline: RGBColor) {
        self.open("circle");
        self.attr("cx", &num(at.0));
        self.attr("cy", &num(at.1));
        self.attr("r", &num(r));
        self.attr("fill", &hex(fill));
        self.attr("stroke", &hex(outline));
        self.attr("stroke-width", "1");
        self.close();
    }

    /// A rectangle covering `rect` (both ends included, as plotters' are).
    pub(crate) fn rect(&mut self, rect: Rect, paint: &Paint) {
        self.open("rect");
        self.attr("x", &rect.x0.to_string());
        self.attr("y", &rect.y0.to_string());
        self.attr("width", &(rect.x1 - rect.x0).to_string());
        self.attr("height", &(rect.y1 - rect.y0).to_string());
        self.attr("fill", &hex(paint.fill));
        self.attr("fill-opacity", &num_fine(paint.opacity));
        match paint.border {
            Some((color, opacity)) => {
                self.attr("stroke", &hex(color));
                self.attr("stroke-opacity", &num_fine(opacity));
                self.attr("stroke-width", "1");
            }
            None => self.attr("stroke", "none"),
        }
        self.close();
    }

    /// `text` at `at`, its left edge there and vertically centered, `px` CSS pixels high,
    /// as plotters writes text with that anchor.
    pub(crate) fn text(&mut self, text: &str, at: (i32, i32), px: f64, color: RGBColor) {
        self.open("text");
        self.attr("x", &at.0.to_string());
        self.attr("y", &at.1.to_string());
        self.attr("dy", "0.5ex");
        self.attr("text-anchor", "start");
        self.attr("font-family", "sans-serif");
        self.attr("font-size", &num(px));
        self.attr("fill", &hex(color));
        self.svg.push('>');
        escape_into(&mut self.svg, text);
        self.svg.push_str("</text>\n");
    }

    /// `svg` (a plotters document) with these elements drawn last.
    pub(crate) fn splice(self, mut svg: String) -> String {
        const END: &str = "</svg>";
        let at = svg
            .rfind(END)
            .expect("a plotters document ends with </svg>");
        svg.insert_str(at, &self.svg);
        svg
    }

    /// The attributes of a line in the look of `stroke`.
    fn stroke_attrs(&mut self, stroke: &Stroke) {
        self.attr("stroke", &hex(stroke.color));
        self.attr("stroke-width", &num(stroke.width));
        self.attr("stroke-linejoin", "round");
        if stroke.round {
            self.attr("stroke-linecap", "round");
        }
        if let Some(dash) = stroke.dash {
            self.attr("stroke-dasharray", dash);
        }
    }

    /// Starts an element.
    fn open(&mut self, tag: &str) {
        self.svg.push('<');
        self.svg.push_str(tag);
    }

    /// One attribute of the element being written.
    fn attr(&mut self, name: &str, value: &str) {
        self.svg.push(' ');
        self.svg.push_str(name);
        self.svg.push_str("=\"");
        escape_into(&mut self.svg, value);
        self.svg.push('"');
    }

    /// Ends an element without content.
    fn close(&mut self) {
        self.svg.push_str("/>\n");
    }
}

/// A colour as `#RRGGBB`, as plotters writes it.
pub(crate) fn hex(color: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", color.0, color.1, color.2)
}

/// A coordinate with at most one decimal (sub-pixel precision no screen shows).
fn num(value: f64) -> String {
    trim(axis::clean(value, 1))
}

/// An opacity with at most three decimals.
fn num_fine(value: f64) -> String {
    trim(axis::clean(value, 3))
}

/// A decimal without trailing zeros or point.
fn trim(text: String) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// `text` with the XML special characters escaped, appended to `out`.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::stroke::stroke;

    #[test]
    fn elements_are_written_with_stable_numbers_and_escaped_text() {
        let mut overlay = Overlay::default();
        overlay.polyline(&[(1, 2), (3, 4)], &stroke(1));
        overlay.marker((10.0, 20.26), &stroke(0), 3.5);
        overlay.text("a<b & \"c\"", (5, 6), 12.0, RGBColor(0x22, 0x22, 0x22));
        let svg = overlay.splice("<svg>\n</svg>\n".to_string());
        assert_eq!(
            svg,
            "<svg>\n\
             <polyline fill=\"none\" stroke=\"#E69F00\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-dasharray=\"9 4\" points=\"1,2 3,4\"/>\n\
             <circle cx=\"10\" cy=\"20.3\" r=\"3.5\" fill=\"#0072B2\" stroke=\"#FFFFFF\" stroke-width=\"1\"/>\n\
             <text x=\"5\" y=\"6\" dy=\"0.5ex\" text-anchor=\"start\" font-family=\"sans-serif\" font-size=\"12\" fill=\"#222222\">a&lt;b &amp; &quot;c&quot;</text>\n\
             </svg>\n"
        );
    }

    #[test]
    fn numbers_have_one_decimal_at_most_and_no_negative_zero() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(-0.01), "0");
        assert_eq!(num(4.0625), "4.1");
        assert_eq!(num_fine(0.18), "0.18");
    }
}
