//! Where the picture goes: which centred part is kept (crop), how large the canvas is (pad),
//! and the final size, worked out on sizes alone before a pixel is touched. Sizes here are
//! as displayed (after EXIF orientation).

use super::{AspectRange, Change, Fit, ImageRules};
use crate::domain::media::content::ContentError;

/// The geometry of one conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Layout {
    /// The displayed size of the upload.
    pub source: (u32, u32),
    /// The centred part of it that is kept (all of it unless cropped).
    pub kept: (u32, u32),
    /// The canvas at the source's scale (the kept part unless padded).
    pub canvas_at_source: (u32, u32),
    /// What the kept part is scaled to.
    pub scaled: (u32, u32),
    /// The output's size; `scaled` centred on it.
    pub canvas: (u32, u32),
}

impl Layout {
    /// The changes this geometry makes, in the order they are described.
    pub fn changes(&self) -> Vec<Change> {
        let mut out = Vec::new();
        if self.kept != self.source {
            out.push(Change::Cropped { to: self.kept });
        }
        if self.canvas_at_source != self.kept {
            out.push(Change::Padded {
                to: self.canvas_at_source,
            });
        }
        if self.canvas != self.canvas_at_source {
            out.push(Change::Resized {
                from: self.canvas_at_source,
                to: self.canvas,
            });
        }
        out
    }

    /// Whether the kept part is drawn at a different size or from a part of the source.
    pub fn resamples(&self) -> bool {
        self.scaled != self.source
    }
}

/// The layout of a `source`-sized picture under `rules`.
pub(super) fn plan(source: (u32, u32), rules: &ImageRules) -> Result<Layout, ContentError> {
    let (w, h) = source;
    let AspectRange { min, max } = rules.aspect;
    let ratio = f64::from(w) / f64::from(h);
    let inside = rules.aspect.contains(w, h);
    let (kept, canvas_at_source) = match rules.fit {
        _ if inside => (source, source),
        Fit::Refuse => {
            return Err(ContentError::UnsupportedAspectRatio {
                width: w,
                height: h,
                min,
                max,
            });
        }
        Fit::Crop if ratio > max => {
            let kept = (floor(f64::from(h) * max).min(w), h);
            (kept, kept)
        }
        Fit::Crop => {
            let kept = (w, floor(f64::from(w) / min).min(h));
            (kept, kept)
        }
        Fit::Pad { .. } if ratio > max => (source, (w, ceil(f64::from(w) / max).max(h))),
        Fit::Pad { .. } => (source, (ceil(f64::from(h) * min).max(w), h)),
    };
    let scale = (f64::from(rules.max_width) / f64::from(canvas_at_source.0)).min(1.0);
    let canvas = if scale < 1.0 {
        let width = rules.max_width.max(1);
        // Rounding the height may step just outside the range: keep the width, mend the height.
        into_range(
            (width, round(f64::from(canvas_at_source.1) * scale)),
            rules.aspect,
        )
    } else {
        canvas_at_source
    };
    let scaled = if kept == canvas_at_source {
        canvas
    } else {
        (
            round(f64::from(kept.0) * scale).min(canvas.0),
            round(f64::from(kept.1) * scale).min(canvas.1),
        )
    };
    Ok(Layout {
        source,
        kept,
        canvas_at_source,
        scaled,
        canvas,
    })
}

/// `(w, h)` with `h` changed by the least needed to be within `range`.
fn into_range((w, h): (u32, u32), range: AspectRange) -> (u32, u32) {
    let ratio = f64::from(w) / f64::from(h);
    if ratio > range.max {
        (w, ceil(f64::from(w) / range.max))
    } else if ratio < range.min {
        (w, floor(f64::from(w) / range.min))
    } else {
        (w, h)
    }
}

// Sizes are at most a few hundred thousand pixels: the casts cannot truncate, and a size is
// never less than one pixel.
fn floor(x: f64) -> u32 {
    (x.floor() as u32).max(1)
}

fn ceil(x: f64) -> u32 {
    (x.ceil() as u32).max(1)
}

fn round(x: f64) -> u32 {
    (x.round() as u32).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::media::content::{PostType, image_rules_for};
    use proptest::prelude::*;

    fn feed(fit: Fit) -> ImageRules {
        image_rules_for(PostType::Feed, fit)
    }

    #[test]
    fn a_picture_in_range_is_only_scaled_down() {
        let l = plan((4000, 3000), &feed(Fit::Refuse)).unwrap();
        assert_eq!(l.canvas, (1440, 1080));
        assert_eq!(
            l.changes(),
            vec![Change::Resized {
                from: (4000, 3000),
                to: (1440, 1080)
            }]
        );
        let small = plan((640, 640), &feed(Fit::Refuse)).unwrap();
        assert_eq!(small.canvas, (640, 640));
        assert!(small.changes().is_empty() && !small.resamples());
    }

    #[test]
    fn a_picture_narrower_than_the_minimum_is_kept_as_it_is() {
        let l = plan((200, 200), &feed(Fit::Refuse)).unwrap();
        assert_eq!(l.canvas, (200, 200));
    }

    #[test]
    fn out_of_range_is_refused_with_the_range() {
        let err = plan((1080, 1920), &feed(Fit::Refuse)).unwrap_err();
        assert_eq!(
            err,
            ContentError::UnsupportedAspectRatio {
                width: 1080,
                height: 1920,
                min: 0.8,
                max: 1.91
            }
        );
        assert!(err.to_string().contains("0.80:1 to 1.91:1"), "{err}");
    }

    #[test]
    fn a_tall_picture_is_cropped_to_4_5_centred() {
        let l = plan((3000, 6000), &feed(Fit::Crop)).unwrap();
        assert_eq!(l.kept, (3000, 3750));
        assert_eq!(l.canvas, (1440, 1800));
        assert_eq!(l.scaled, l.canvas);
    }

    #[test]
    fn a_wide_picture_is_padded_to_1_91() {
        let l = plan((4000, 1000), &feed(Fit::Pad { rgb: [0, 0, 0] })).unwrap();
        assert_eq!(l.kept, (4000, 1000));
        assert_eq!(l.canvas_at_source, (4000, 2095));
        assert_eq!(l.canvas, (1440, 754));
        assert_eq!(l.scaled, (1440, 360));
    }

    proptest! {
        #[test]
        fn every_fitted_output_is_in_range_and_within_max_width(
            w in 1u32..20_000, h in 1u32..20_000, pad in any::<bool>(),
        ) {
            let fit = if pad { Fit::Pad { rgb: [255; 3] } } else { Fit::Crop };
            let rules = feed(fit);
            let l = plan((w, h), &rules).unwrap();
            prop_assert!(l.canvas.0 <= rules.max_width);
            prop_assert!(l.scaled.0 <= l.canvas.0 && l.scaled.1 <= l.canvas.1);
            // Only degenerate slivers (a few pixels) may miss the range by rounding.
            if l.canvas.0 >= 8 && l.canvas.1 >= 8 {
                prop_assert!(rules.aspect.contains(l.canvas.0, l.canvas.1), "{l:?}");
            }
        }
    }
}
