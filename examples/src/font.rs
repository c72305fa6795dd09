//! The font the examples draw their pictures' text with: DejaVu Sans, compiled into the binary
//! (crate `dejavu`), so that no system font package is needed. The font's licence (Bitstream
//! Vera, with DejaVu's changes in the public domain) ships with that crate, in
//! `assets/dejavu-fonts-ttf-2.37/LICENSE`; it allows embedding and redistribution.

/// The family name the pictures ask plotters for.
pub const FAMILY: &str = "sans-serif";

/// Registers the embedded DejaVu Sans as [`FAMILY`]; call once before drawing any text.
pub fn register() -> Result<(), String> {
    plotters::style::register_font(
        FAMILY,
        plotters::style::FontStyle::Normal,
        dejavu::sans::regular(),
    )
    .map_err(|_| "the embedded DejaVu Sans font is not a valid TrueType font".to_string())
}
