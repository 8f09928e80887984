//! The crate's one way to sort a slice.
//!
//! Every sort in the core orders by a total order in which only identical
//! elements compare equal (keys are unique, or the comparison ends with an id), so
//! any correct sort gives the same result: which algorithm runs never changes a
//! decision, a plan or a snapshot.
//!
//! By default that algorithm is the standard library's `sort_unstable_by`
//! (pattern-defeating quicksort), the fastest on large tables. It is also large:
//! each element type and comparison gets its own copy, 1–3 KB of code apiece.
//! With the `compact` feature (firmware, `tests/firmware/check.sh`) every sort is
//! [`heapsort`] instead: O(n log n) in the worst case as well, no recursion, a
//! fixed few words of stack; the algorithm exists once (it reaches the slice
//! through a `dyn` callback) and each use adds only a small adapter.

use core::cmp::Ordering;

/// Sorts `v` by `cmp`, which must be a total order (see the module
/// documentation).
#[inline]
pub(crate) fn sort_by<T, F>(v: &mut [T], cmp: F)
where
    F: FnMut(&T, &T) -> Ordering,
{
    #[cfg(not(feature = "compact"))]
    v.sort_unstable_by(cmp);
    #[cfg(feature = "compact")]
    {
        let mut cmp = cmp;
        heapsort(v, &mut |a: &T, b: &T| cmp(a, b) == Ordering::Less);
    }
}

/// Sorts `v` by the key `f` gives, which must be unique among `v`'s elements.
#[inline]
pub(crate) fn sort_by_key<T, K, F>(v: &mut [T], mut f: F)
where
    K: Ord,
    F: FnMut(&T) -> K,
{
    sort_by(v, |a, b| f(a).cmp(&f(b)));
}

/// Heapsort of `v` by `less`, a strict weak order.
///
/// Compiled in every build (the tests run it against the standard library's
/// sort); only the `compact` feature routes [`sort_by`] to it. What depends on
/// `T` is only this adapter; the algorithm, [`heapsort_indexed`], exists once.
#[cfg_attr(not(feature = "compact"), allow(dead_code))]
pub(crate) fn heapsort<T>(v: &mut [T], less: &mut dyn FnMut(&T, &T) -> bool) {
    let len = v.len();
    heapsort_indexed(len, &mut |i, j, op| match op {
        Op::Less => match (v.get(i), v.get(j)) {
            (Some(a), Some(b)) => less(a, b),
            _ => false,
        },
        Op::Swap => {
            // The algorithm only names indices below `len`; checked anyway.
            if i < v.len() && j < v.len() {
                v.swap(i, j);
            }
            false
        }
    });
}

/// What [`heapsort_indexed`] asks of the slice it sorts.
#[derive(Clone, Copy)]
pub(crate) enum Op {
    /// Whether element `i` orders before element `j`.
    Less,
    /// Swap elements `i` and `j` (the answer is ignored).
    Swap,
}

/// Heapsort of `len` elements reached only through `at(i, j, op)`: builds a
/// max-heap in place, then moves its root to the end, one element at a time.
/// Every index it passes is below `len`. No recursion; a few words of stack.
pub(crate) fn heapsort_indexed(len: usize, at: &mut dyn FnMut(usize, usize, Op) -> bool) {
    for root in (0..len / 2).rev() {
        sift_down(root, len, at);
    }
    for end in (1..len).rev() {
        at(0, end, Op::Swap);
        sift_down(0, end, at);
    }
}

/// Restores the heap property of the first `end` elements below `root`.
fn sift_down(mut root: usize, end: usize, at: &mut dyn FnMut(usize, usize, Op) -> bool) {
    loop {
        // root < end <= isize::MAX (a slice's length), so this does not overflow.
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && at(child, child + 1, Op::Less) {
            child += 1;
        }
        if !at(root, child, Op::Less) {
            return;
        }
        at(root, child, Op::Swap);
        root = child;
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use super::*;

    #[test]
    fn heapsort_agrees_with_the_standard_sort() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for len in 0..300usize {
            let v: Vec<(u32, u32)> = (0..len)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // Few distinct first components: many ties, broken by the index.
                    ((x % 7) as u32, i as u32)
                })
                .collect();
            let mut want = v.clone();
            want.sort_unstable();
            let mut got = v.clone();
            heapsort(&mut got, &mut |a, b| a < b);
            assert_eq!(got, want, "len {len}");
            let mut got = v.clone();
            sort_by(&mut got, |a, b| a.cmp(b));
            assert_eq!(got, want, "len {len}");
            let mut got = v;
            sort_by_key(&mut got, |p| (p.0, p.1));
            assert_eq!(got, want, "len {len}");
        }
    }

    #[test]
    fn heapsort_of_sorted_and_reversed_input() {
        let mut up: Vec<u32> = (0..1000).collect();
        heapsort(&mut up, &mut |a, b| a < b);
        assert!(up.windows(2).all(|w| w[0] < w[1]));
        let mut down: Vec<u32> = (0..1000).rev().collect();
        heapsort(&mut down, &mut |a, b| a < b);
        assert_eq!(down, up);
    }
}
