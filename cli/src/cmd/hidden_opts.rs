//! `--keep-…` / `--remove-…` flags of `kiyome scrub` and `kiyome redact`: what the Office
//! scrub does with hidden content ([`kiyome_redact::office::ScrubOptions`]). Every kind of
//! hidden content is removed by default; `--keep-X` keeps (and reports) it, `--remove-X`
//! restores the default after a `--keep-hidden`; the last flag given wins.

use kiyome_redact::office::ScrubOptions;

/// The flags.
#[derive(clap::Args, Debug, Default)]
pub struct HiddenArgs {
    /// Keep every kind of hidden content below (report it only).
    #[arg(long)]
    keep_hidden: bool,
    /// Keep hidden Word text (w:vanish) [default: removed].
    #[arg(long, overrides_with = "remove_hidden_text")]
    keep_hidden_text: bool,
    /// Remove hidden Word text (w:vanish).
    #[arg(long, overrides_with = "keep_hidden_text")]
    remove_hidden_text: bool,
    /// Keep PowerPoint speaker notes [default: removed].
    #[arg(long, overrides_with = "remove_notes")]
    keep_notes: bool,
    /// Remove PowerPoint speaker notes.
    #[arg(long, overrides_with = "keep_notes")]
    remove_notes: bool,
    /// Keep white text on a white page [default: removed; white text that may be visible is
    /// always kept and reported].
    #[arg(long, overrides_with = "remove_invisible_text")]
    keep_invisible_text: bool,
    /// Remove white text on a white page.
    #[arg(long, overrides_with = "keep_invisible_text")]
    remove_invisible_text: bool,
    /// Keep the content of hidden Excel sheets [default: emptied].
    #[arg(long, overrides_with = "remove_hidden_sheets")]
    keep_hidden_sheets: bool,
    /// Empty hidden Excel sheets.
    #[arg(long, overrides_with = "keep_hidden_sheets")]
    remove_hidden_sheets: bool,
    /// Keep the cells of hidden Excel rows and columns [default: removed].
    #[arg(long, overrides_with = "remove_hidden_cells")]
    keep_hidden_cells: bool,
    /// Remove the cells of hidden Excel rows and columns.
    #[arg(long, overrides_with = "keep_hidden_cells")]
    remove_hidden_cells: bool,
}

impl HiddenArgs {
    /// The scrub options these flags ask for.
    pub fn options(&self) -> ScrubOptions {
        let base = if self.keep_hidden {
            ScrubOptions::keep_all()
        } else {
            ScrubOptions::default()
        };
        let pick = |default: bool, keep: bool, remove: bool| {
            if remove {
                true
            } else if keep {
                false
            } else {
                default
            }
        };
        ScrubOptions {
            remove_hidden_text: pick(
                base.remove_hidden_text,
                self.keep_hidden_text,
                self.remove_hidden_text,
            ),
            remove_notes: pick(base.remove_notes, self.keep_notes, self.remove_notes),
            remove_invisible_text: pick(
                base.remove_invisible_text,
                self.keep_invisible_text,
                self.remove_invisible_text,
            ),
            remove_hidden_sheets: pick(
                base.remove_hidden_sheets,
                self.keep_hidden_sheets,
                self.remove_hidden_sheets,
            ),
            remove_hidden_cells: pick(
                base.remove_hidden_cells,
                self.keep_hidden_cells,
                self.remove_hidden_cells,
            ),
        }
    }
}
