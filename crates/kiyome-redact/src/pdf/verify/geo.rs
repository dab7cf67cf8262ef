//! Matrices and rectangles of the leak check's geometry pass (ISO 32000-1 §8.3.4: row
//! vectors, `[a b c d e f]`, `x' = a·x + c·y + e`).

/// An affine matrix `[a b c d e f]`.
pub(crate) type M = [f64; 6];

/// The identity.
pub(crate) const ID: M = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `a` then `b` (the PDF product a × b).
pub(crate) fn mul(a: &M, b: &M) -> M {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

/// `m` applied to a point.
pub(crate) fn pt(m: &M, x: f64, y: f64) -> (f64, f64) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

/// The inverse, when `m` is invertible.
pub(crate) fn inv(m: &M) -> Option<M> {
    let det = m[0] * m[3] - m[1] * m[2];
    if det.abs() < 1e-12 || !det.is_finite() {
        return None;
    }
    let (a, b, c, d) = (m[3] / det, -m[1] / det, -m[2] / det, m[0] / det);
    Some([a, b, c, d, -(m[4] * a + m[5] * c), -(m[4] * b + m[5] * d)])
}

/// An axis-aligned rectangle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct R {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl R {
    /// The bounding box of points (None when there are none or one is not finite).
    pub(crate) fn around(pts: &[(f64, f64)]) -> Option<R> {
        let mut it = pts.iter();
        let &(x, y) = it.next()?;
        let mut r = R {
            x0: x,
            y0: y,
            x1: x,
            y1: y,
        };
        for &(x, y) in it {
            r.x0 = r.x0.min(x);
            r.y0 = r.y0.min(y);
            r.x1 = r.x1.max(x);
            r.y1 = r.y1.max(y);
        }
        [r.x0, r.y0, r.x1, r.y1]
            .iter()
            .all(|v| v.is_finite())
            .then_some(r)
    }

    /// The box of the rectangle `(x0,y0)-(x1,y1)` of another space, mapped by `m`.
    pub(crate) fn mapped(x0: f64, y0: f64, x1: f64, y1: f64, m: &M) -> Option<R> {
        R::around(&[pt(m, x0, y0), pt(m, x1, y0), pt(m, x0, y1), pt(m, x1, y1)])
    }

    pub(crate) fn area(&self) -> f64 {
        (self.x1 - self.x0).max(0.0) * (self.y1 - self.y0).max(0.0)
    }

    pub(crate) fn inter(&self, o: &R) -> Option<R> {
        let r = R {
            x0: self.x0.max(o.x0),
            y0: self.y0.max(o.y0),
            x1: self.x1.min(o.x1),
            y1: self.y1.min(o.y1),
        };
        (r.x1 > r.x0 && r.y1 > r.y0).then_some(r)
    }

    pub(crate) fn contains(&self, x: f64, y: f64) -> bool {
        self.x0 <= x && x <= self.x1 && self.y0 <= y && y <= self.y1
    }

    /// The rectangle moved in by `d` on every side (None when nothing is left).
    pub(crate) fn shrunk(&self, d: f64) -> Option<R> {
        let r = R {
            x0: self.x0 + d,
            y0: self.y0 + d,
            x1: self.x1 - d,
            y1: self.y1 - d,
        };
        (r.x1 > r.x0 && r.y1 > r.y0).then_some(r)
    }
}

impl std::fmt::Display for R {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.1},{:.1},{:.1},{:.1}",
            self.x0, self.y0, self.x1, self.y1
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_order_inverse_and_boxes() {
        let scale = [2.0, 0.0, 0.0, 2.0, 0.0, 0.0];
        let shift = [1.0, 0.0, 0.0, 1.0, 10.0, 0.0];
        // Scale first, then shift.
        assert_eq!(pt(&mul(&scale, &shift), 1.0, 1.0), (12.0, 2.0));
        let m = mul(&scale, &shift);
        let back = pt(&inv(&m).unwrap(), 12.0, 2.0);
        assert!((back.0 - 1.0).abs() < 1e-9 && (back.1 - 1.0).abs() < 1e-9);
        let rot = [0.0, 1.0, -1.0, 0.0, 0.0, 0.0];
        let r = R::mapped(0.0, 0.0, 2.0, 1.0, &rot).unwrap();
        assert_eq!((r.x0, r.y0, r.x1, r.y1), (-1.0, 0.0, 0.0, 2.0));
        assert!(
            r.inter(&R {
                x0: 5.0,
                y0: 5.0,
                x1: 6.0,
                y1: 6.0
            })
            .is_none()
        );
        assert!(inv(&[0.0; 6]).is_none());
    }
}
