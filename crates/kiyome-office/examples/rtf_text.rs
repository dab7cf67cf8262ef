//! Prints the visible text of an RTF file: `cargo run -p kiyome-office --example rtf_text FILE`.
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: rtf_text FILE.rtf");
        std::process::exit(2);
    };
    match std::fs::read(&path)
        .map_err(kiyome_core::Error::from)
        .and_then(|d| kiyome_office::rtf::rtf_text(&d))
    {
        Ok(t) => print!("{t}"),
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    }
}
