//! Standalone images: EXIF/GPS removed losslessly from JPEG (the scan data is byte for byte the
//! same), areas filled and re-encoded, and the verifier (plus exiftool as a second opinion)
//! finds nothing left.

use kiyome_core::corpus::peer_tool;
use kiyome_core::{Budget, Ctx, Kind, Limits, NoNesting};
use kiyome_redact::{Area, Plan, RedactionReport, image};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(kiyome_core::corpus::fixtures_dir().join(name)).unwrap()
}

fn redact(data: &[u8], kind: Kind, plan: &Plan) -> (Vec<u8>, RedactionReport) {
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &NoNesting);
    let mut r = RedactionReport::new(plan, "00");
    let out = image::redact(data, kind, plan, &ctx, &mut r).unwrap();
    (out.data, r)
}

fn verify(data: &[u8], kind: Kind) -> kiyome_redact::LeakReport {
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &NoNesting);
    image::verify(data, kind, &Plan::default(), &ctx).unwrap()
}

/// Everything from the first SOS marker on: the entropy-coded pixels.
fn scan_data(jpeg: &[u8]) -> &[u8] {
    let i = jpeg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    &jpeg[i..]
}

#[test]
fn jpeg_gps_exif_is_removed_without_touching_the_scan_data() {
    let data = fixture("jpeg_gps_exif.jpg");
    assert!(!verify(&data, Kind::Jpeg).is_clean());
    let (out, report) = redact(&data, Kind::Jpeg, &Plan::default());
    assert_eq!(scan_data(&out), scan_data(&data), "pixels were re-encoded");
    assert!(!out.windows(4).any(|w| w == b"Exif"));
    let codes: Vec<&str> = report.removed.iter().map(|f| f.code.as_str()).collect();
    assert!(codes.contains(&"image.gps"), "{codes:?}");
    let v = verify(&out, Kind::Jpeg);
    assert!(v.is_clean(), "{:?}", v.leaks);
    if let Some(exiftool) = peer_tool("exiftool") {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.jpg");
        std::fs::write(&p, &out).unwrap();
        let o = std::process::Command::new(exiftool)
            .args(["-a", "-G1", "-s"])
            .arg(&p)
            .output()
            .unwrap();
        let s = String::from_utf8_lossy(&o.stdout);
        for g in ["[GPS]", "[IFD0]", "[ExifIFD]", "[XMP", "[IPTC]", "[ICC"] {
            assert!(!s.contains(g), "exiftool still sees {g}: {s}");
        }
    }
}

#[test]
fn png_area_is_filled_black_and_the_rest_kept() {
    let data = fixture("clean_small.png");
    let plan = Plan {
        areas: vec![Area::parse("1:0,0,4,4").unwrap()],
        ..Plan::default()
    };
    let (out, report) = redact(&data, Kind::Png, &plan);
    assert_eq!(report.categories.get("area"), Some(&1));
    let img = kiyome_image::image::load_from_memory(&out)
        .unwrap()
        .to_rgba8();
    let orig = kiyome_image::image::load_from_memory(&data)
        .unwrap()
        .to_rgba8();
    assert_eq!(img.get_pixel(1, 1).0, [0, 0, 0, 255]);
    assert_eq!(img.get_pixel(3, 3).0, [0, 0, 0, 255]);
    assert_eq!(img.get_pixel(10, 10), orig.get_pixel(10, 10));
    assert!(verify(&out, Kind::Png).is_clean());
}

#[test]
fn an_area_on_another_page_of_an_image_is_refused() {
    let data = fixture("clean_small.png");
    let plan = Plan {
        areas: vec![Area::parse("2:0,0,4,4").unwrap()],
        ..Plan::default()
    };
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &NoNesting);
    let mut r = RedactionReport::new(&plan, "00");
    assert!(image::redact(&data, Kind::Png, &plan, &ctx, &mut r).is_err());
}
