//! The citizen's receipt as a PDF: A4, A5 or an 80 mm thermal roll, in the language the
//! citizen asked for at filing (not the clerk's), with its QR code.
//!
//! krilla writes the PDF and embeds (subsets) DejaVu Sans, which has every letter Uzbek is
//! written with in both scripts (ʻ ʼ Ў Қ Ғ Ҳ) and Russian's; the font ships in this crate, so a
//! receipt prints the same on every desk whatever fonts the machine has. The QR code is drawn
//! as vector squares from `qrcode`'s modules, so it stays sharp on any printer.

pub mod desk;

use std::sync::Arc;

use ariza_core::i18n::{Locale, Localizer, format_uzs};
use chrono::{DateTime, NaiveDate, Utc};
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

pub use ariza_core::receipt_layout::ReceiptLayout as Layout;

/// Page width, margin, base font size and QR side, in points (1/72 inch).
fn geometry(layout: Layout) -> Geometry {
    const MM: f32 = 72.0 / 25.4;
    match layout {
        Layout::A4 => Geometry {
            width: 210.0 * MM,
            height: Some(297.0 * MM),
            margin: 20.0 * MM,
            size: 12.0,
            qr: 50.0 * MM,
        },
        Layout::A5 => Geometry {
            width: 148.0 * MM,
            height: Some(210.0 * MM),
            margin: 12.0 * MM,
            size: 10.0,
            qr: 38.0 * MM,
        },
        Layout::Roll80 => Geometry {
            width: 80.0 * MM,
            height: None,
            margin: 4.0 * MM,
            size: 8.0,
            qr: 44.0 * MM,
        },
    }
}

struct Geometry {
    width: f32,
    /// None: the page is as long as its content (a roll).
    height: Option<f32>,
    margin: f32,
    size: f32,
    qr: f32,
}

/// What a receipt states, from the desk's records; the words around it come from the
/// citizen's locale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptFacts {
    pub center_name: String,
    pub center_code: String,
    /// The service's name in the citizen's language.
    pub service_name: String,
    pub tracking_number: String,
    pub filed_at: DateTime<Utc>,
    pub fee_uzs: i64,
    pub due_date: NaiveDate,
    /// The documents received, by name in the citizen's language.
    pub documents: Vec<String>,
    pub clerk_name: String,
    /// The status page's verification code, as printed (`7KQ4-M2XD`).
    pub code: Option<String>,
    /// The QR code's text (`ariza_core::receipt_seal`).
    pub qr_text: String,
    /// Whether the QR code is signed by the desk's key (an enrolled desk's receipt).
    pub sealed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    #[error("the QR code cannot hold this text: {0}")]
    Qr(String),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
    #[error("the embedded font cannot be read")]
    Font,
}

/// Renders the receipt to PDF bytes.
pub fn render(
    facts: &ReceiptFacts,
    layout: Layout,
    locale: Locale,
    l10n: &Localizer,
) -> Result<Vec<u8>, ReceiptError> {
    let tr = |key: &str, args: &[(&str, String)]| l10n.tr(locale, key, args);
    let g = geometry(layout);
    let fonts = Fonts {
        regular: Font::new(Arc::new(REGULAR.to_vec()).into(), 0).ok_or(ReceiptError::Font)?,
        bold: Font::new(Arc::new(BOLD.to_vec()).into(), 0).ok_or(ReceiptError::Font)?,
        regular_face: ttf_parser::Face::parse(REGULAR, 0).map_err(|_| ReceiptError::Font)?,
        bold_face: ttf_parser::Face::parse(BOLD, 0).map_err(|_| ReceiptError::Font)?,
    };
    let qr =
        qrcode::QrCode::with_error_correction_level(facts.qr_text.as_bytes(), qrcode::EcLevel::M)
            .map_err(|e| ReceiptError::Qr(e.to_string()))?;

    let local = facts.filed_at.with_timezone(&ariza_core::clock::tashkent());
    let fee = if facts.fee_uzs > 0 {
        tr("ui-amount-uzs", &[("fee", format_uzs(facts.fee_uzs))])
    } else {
        tr("ui-service-free", &[])
    };
    let mut rows = vec![
        (
            tr("ui-receipt-center", &[]),
            format!("{} ({})", facts.center_name, facts.center_code),
        ),
        (tr("ui-receipt-service", &[]), facts.service_name.clone()),
        (
            tr("ui-receipt-filed-at", &[]),
            local.format("%d.%m.%Y %H:%M").to_string(),
        ),
        (tr("ui-receipt-fee", &[]), fee),
        (
            tr("ui-receipt-due", &[]),
            facts.due_date.format("%d.%m.%Y").to_string(),
        ),
        (tr("ui-receipt-clerk", &[]), facts.clerk_name.clone()),
    ];
    if !facts.documents.is_empty() {
        rows.push((tr("receipt-documents", &[]), facts.documents.join("; ")));
    }

    // Laid out first, drawn after: a roll's page is exactly as long as what it holds.
    let text_width = g.width - 2.0 * g.margin;
    let mut lines: Vec<Line> = vec![
        Line::text(&tr("ui-receipt-title", &[]), g.size * 1.6, true),
        Line::gap(g.size * 0.6),
        Line::text(&tr("ui-receipt-tracking", &[]), g.size * 0.9, false),
        Line::text(&facts.tracking_number, g.size * 1.45, true),
    ];
    if let Some(code) = &facts.code {
        lines.push(Line::gap(g.size * 0.3));
        for l in fonts.wrap(&tr("ui-receipt-code", &[]), g.size * 0.9, false, text_width) {
            lines.push(Line::text(&l, g.size * 0.9, false));
        }
        lines.push(Line::text(code, g.size * 1.45, true));
    }
    lines.push(Line::gap(g.size * 0.6));
    for (label, value) in &rows {
        for l in fonts.wrap(label, g.size * 0.85, false, text_width) {
            lines.push(Line::text(&l, g.size * 0.85, false));
        }
        for l in fonts.wrap(value, g.size, true, text_width) {
            lines.push(Line::text(&l, g.size, true));
        }
        lines.push(Line::gap(g.size * 0.35));
    }
    lines.push(Line::qr(g.qr));
    let check = if facts.sealed {
        "receipt-scan-to-check"
    } else {
        "receipt-type-to-check"
    };
    for key in [check, "ui-receipt-keep"] {
        for l in fonts.wrap(&tr(key, &[]), g.size * 0.85, false, text_width) {
            lines.push(Line::text(&l, g.size * 0.85, false));
        }
    }
    let content_height: f32 = lines.iter().map(|l| l.height).sum();
    let height = g.height.unwrap_or(content_height + 2.0 * g.margin);

    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!(
                "{} {}",
                tr("ui-receipt-title", &[]),
                facts.tracking_number
            ))
            .language(locale.tag().to_string()),
    );
    let mut page = document.start_page_with(
        PageSettings::from_wh(g.width, height).ok_or(ReceiptError::Pdf("page size".into()))?,
    );
    let mut surface = page.surface();
    surface.set_fill(Some(black()));
    let mut y = g.margin;
    for line in &lines {
        match &line.kind {
            LineKind::Text { text, size, bold } => {
                let font = if *bold { &fonts.bold } else { &fonts.regular };
                // The baseline sits a font size below the line's top.
                surface.draw_text(
                    Point::from_xy(g.margin, y + size),
                    font.clone(),
                    *size,
                    text,
                    false,
                    TextDirection::Auto,
                );
            }
            LineKind::Qr { side } => draw_qr(&mut surface, &qr, g.margin, y, *side),
            LineKind::Gap => {}
        }
        y += line.height;
    }
    surface.finish();
    page.finish();
    document
        .finish()
        .map_err(|e| ReceiptError::Pdf(format!("{e:?}")))
}

fn black() -> Fill {
    Fill {
        paint: rgb::Color::new(0, 0, 0).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

/// The QR code's dark modules as squares, with the quiet zone its standard asks for (four
/// modules) inside `side`.
fn draw_qr(surface: &mut Surface<'_>, qr: &qrcode::QrCode, x: f32, y: f32, side: f32) {
    let n = qr.width();
    let module = side / (n + 8) as f32;
    let mut path = PathBuilder::new();
    for (i, color) in qr.to_colors().iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (col, row) = ((i % n) as f32, (i / n) as f32);
            if let Some(rect) = Rect::from_xywh(
                x + (col + 4.0) * module,
                y + (row + 4.0) * module,
                module,
                module,
            ) {
                path.push_rect(rect);
            }
        }
    }
    if let Some(path) = path.finish() {
        surface.draw_path(&path);
    }
}

struct Line {
    kind: LineKind,
    height: f32,
}

enum LineKind {
    Text { text: String, size: f32, bold: bool },
    Qr { side: f32 },
    Gap,
}

impl Line {
    fn text(text: &str, size: f32, bold: bool) -> Line {
        Line {
            kind: LineKind::Text {
                text: text.to_string(),
                size,
                bold,
            },
            height: size * 1.3,
        }
    }
    fn gap(height: f32) -> Line {
        Line {
            kind: LineKind::Gap,
            height,
        }
    }
    fn qr(side: f32) -> Line {
        Line {
            kind: LineKind::Qr { side },
            height: side,
        }
    }
}

struct Fonts<'a> {
    regular: Font,
    bold: Font,
    regular_face: ttf_parser::Face<'a>,
    bold_face: ttf_parser::Face<'a>,
}

impl Fonts<'_> {
    /// The width of `text` at `size` points, from the font's advances.
    fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        let face = if bold {
            &self.bold_face
        } else {
            &self.regular_face
        };
        let units: u32 = text
            .chars()
            .map(|c| {
                face.glyph_index(c)
                    .and_then(|g| face.glyph_hor_advance(g))
                    .map_or(u32::from(face.units_per_em()) / 2, u32::from)
            })
            .sum();
        units as f32 * size / f32::from(face.units_per_em())
    }

    /// `text` broken at spaces into lines no wider than `width` (a word wider than a line is
    /// broken where it must be).
    fn wrap(&self, text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut current = String::new();
        for word in text.split_whitespace() {
            let candidate = if current.is_empty() {
                word.to_string()
            } else {
                format!("{current} {word}")
            };
            if self.width(&candidate, size, bold) <= width {
                current = candidate;
                continue;
            }
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if self.width(&piece, size, bold) > width {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            current = piece;
        }
        if !current.is_empty() {
            lines.push(current);
        }
        lines
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_font_has_every_uzbek_letter() {
        let face = ttf_parser::Face::parse(REGULAR, 0).unwrap();
        for c in "ʻʼЎўҚқҒғҲҳOʻoʻGʻgʻЁёЖжЦцЩщЪъЫыЬьЭэЮюЯя".chars()
        {
            assert!(face.glyph_index(c).is_some(), "{c}");
        }
    }
}
