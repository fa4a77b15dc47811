//! Whatever bytes arrive, the content layer answers with facts or an error, never a panic.

use crate::domain::media::content::samples::Movie;
use crate::domain::media::content::*;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn box_walks_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = next_box(&bytes);
        let _ = locate_moov(&bytes);
        let _ = probe_video(&bytes);
    }

    #[test]
    fn a_damaged_movie_never_panics(at in 0usize..2000, byte in any::<u8>(), cut in 0usize..2000) {
        let mut file = Movie::default().write();
        let at = at % file.len();
        file[at] = byte;
        file.truncate(file.len() - cut.min(file.len()));
        if let Ok(boxes) = locate_moov(&file) {
            let _ = probe_video(&boxes);
        }
    }

    #[test]
    fn a_damaged_image_never_panics(
        at in 0usize..4000, byte in any::<u8>(), png in any::<bool>(),
    ) {
        let mut file = if png {
            sample_png(40, 30, true)
        } else {
            sample_jpeg_with_gps(40, 30, 6)
        };
        let at = at % file.len();
        file[at] = byte;
        let rules = image_rules_for(PostType::Feed, Fit::Crop);
        let _ = inspect_image(&file, rules.max_pixels);
        let _ = convert_image(&file, &rules);
    }
}
