//! `einsum`, as numpy's: subscripts parsed into labels, repeated labels of one operand taken
//! as diagonals, labels only one operand has and the output lacks summed away at once; then
//! two operands contracted over the labels they share go through `tensordot`, and anything
//! else (batch labels, three operands, broadcasting) is the operands aligned on the union of
//! their labels, multiplied with broadcasting and summed over the contracted labels.

use std::collections::BTreeSet;

use ndarray::LinalgScalar;

use crate::array::Array;
use crate::error::{Error, Result};
use crate::expr::block::Element;

/// A label: a letter, or an axis of the ellipsis counted from the right.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Label {
    Letter(char),
    Ellipsis(usize),
}

fn bad(value: impl std::fmt::Display, expected: &'static str) -> Error {
    Error::invalid("einsum", "subscripts", value, expected)
}

/// The labels of one term for an operand of `ndim` axes (`None` for the output: its ellipsis
/// takes `ellipsis` axes).
fn parse_term(term: &str, ndim: Option<usize>, ellipsis: usize) -> Result<Vec<Label>> {
    let term: String = term.chars().filter(|c| !c.is_whitespace()).collect();
    let parts: Vec<&str> = term.split("...").collect();
    if parts.len() > 2 {
        return Err(bad(&term, "at most one ellipsis per term"));
    }
    let letters = |s: &str| -> Result<Vec<Label>> {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphabetic() {
                    Ok(Label::Letter(c))
                } else {
                    Err(bad(c, "letters, ',', '->' and '...'"))
                }
            })
            .collect()
    };
    let head = letters(parts[0])?;
    let Some(tail) = parts.get(1) else {
        if let Some(nd) = ndim
            && nd != head.len()
        {
            return Err(bad(
                format!("'{term}' for an operand of {nd} axes"),
                "a label per axis",
            ));
        }
        return Ok(head);
    };
    let tail = letters(tail)?;
    let k = match ndim {
        Some(nd) if nd < head.len() + tail.len() => {
            return Err(bad(
                format!("'{term}' for an operand of {nd} axes"),
                "no more labels than axes",
            ));
        }
        Some(nd) => nd - head.len() - tail.len(),
        None => ellipsis,
    };
    let mut labels = head;
    labels.extend((0..k).rev().map(Label::Ellipsis));
    labels.extend(tail);
    Ok(labels)
}

/// Evaluates the Einstein summation `subscripts` over `operands`, as numpy's
/// `einsum(subscripts, *operands)`: terms of letters separated by commas, one per operand, and
/// `->` with the output's letters (without it, the letters that appear once, in alphabetical
/// order); a letter repeated in one term takes the diagonal, one missing from the output is
/// summed over, and `...` stands for the axes not labelled, broadcast as numpy does. Lazy: two
/// operands contracted over the labels they share (`ij,jk->ik`, `i,i`, `abc,cd->abd`) are
/// [`Array::tensordot`], one matrix product per pair of blocks; otherwise (a label in both
/// operands and the output, as `bij,bjk->bik`; three operands; broadcast lengths) the operands
/// aligned on their labels are multiplied elementwise with broadcasting and summed over the
/// contracted labels, block by block (each block of that product holds the extents of all the
/// labels it spans: chunk the contracted axes to keep that small).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for subscripts that do not parse, whose terms do not match the
/// operands' numbers of axes, or whose output names a letter twice or one no operand has; and
/// [`Error::IncompatibleShapes`] for a letter with two lengths (other than 1).
///
/// # Examples
///
/// ```
/// use chunkwise::{Array, linalg::einsum};
/// let a = Array::from_ndarray(ndarray::array![[1.0, 2.0], [3.0, 4.0]].into_dyn(), [1, 2])?;
/// let b = Array::from_ndarray(ndarray::array![[5.0, 6.0], [7.0, 8.0]].into_dyn(), [2, 1])?;
/// assert_eq!(einsum("ij,jk->ik", &[&a, &b])?.compute()?, ndarray::array![[19.0, 22.0], [43.0, 50.0]].into_dyn());
/// assert_eq!(einsum("ii", &[&a])?.compute_scalar()?, 5.0); // the trace
/// assert_eq!(einsum("ij->ji", &[&a])?.compute()?, ndarray::array![[1.0, 3.0], [2.0, 4.0]].into_dyn());
/// # Ok::<(), chunkwise::Error>(())
/// ```
pub fn einsum<T>(subscripts: &str, operands: &[&Array<T>]) -> Result<Array<T>>
where
    T: Element + LinalgScalar,
{
    let (lhs, rhs) = match subscripts.split_once("->") {
        Some((l, r)) => (l, Some(r)),
        None => (subscripts, None),
    };
    let terms: Vec<&str> = lhs.split(',').collect();
    if terms.len() != operands.len() {
        return Err(bad(
            format!("{} terms for {} operands", terms.len(), operands.len()),
            "one term per operand",
        ));
    }
    let mut labels: Vec<Vec<Label>> = Vec::with_capacity(terms.len());
    for (term, x) in terms.iter().zip(operands) {
        labels.push(parse_term(term, Some(x.ndim()), 0)?);
    }
    let ellipsis = labels
        .iter()
        .flatten()
        .filter_map(|l| match l {
            Label::Ellipsis(k) => Some(k + 1),
            Label::Letter(_) => None,
        })
        .max()
        .unwrap_or(0);
    let output = match rhs {
        Some(r) => {
            let out = parse_term(r, None, ellipsis)?;
            let mut seen = BTreeSet::new();
            for l in &out {
                if !seen.insert(*l) {
                    return Err(bad(r, "an output naming each letter once"));
                }
                if !labels.iter().flatten().any(|m| m == l) {
                    return Err(bad(r, "an output of letters the operands have"));
                }
            }
            out
        }
        None => {
            let mut out: Vec<Label> = (0..ellipsis).rev().map(Label::Ellipsis).collect();
            let letters: BTreeSet<Label> = labels
                .iter()
                .flatten()
                .filter(|l| matches!(l, Label::Letter(_)))
                .copied()
                .collect();
            out.extend(
                letters
                    .into_iter()
                    .filter(|l| labels.iter().flatten().filter(|m| *m == l).count() == 1),
            );
            out
        }
    };
    let mut arrays: Vec<Array<T>> = operands.iter().map(|a| (*a).clone()).collect();
    // Repeated labels within a term: the diagonal, moved last.
    for (a, ls) in arrays.iter_mut().zip(labels.iter_mut()) {
        while let Some((i, j)) = (0..ls.len())
            .flat_map(|i| (i + 1..ls.len()).map(move |j| (i, j)))
            .find(|&(i, j)| ls[i] == ls[j])
        {
            *a = super::diagonal(a, 0, i, j)?;
            let l = ls[i];
            ls.remove(j);
            ls.remove(i);
            ls.push(l);
        }
    }
    // Labels only this operand has and the output lacks: summed at once.
    for k in 0..arrays.len() {
        let alone: Vec<usize> = (0..labels[k].len())
            .filter(|&p| {
                let l = labels[k][p];
                !output.contains(&l)
                    && !labels
                        .iter()
                        .enumerate()
                        .any(|(m, other)| m != k && other.contains(&l))
            })
            .collect();
        if !alone.is_empty() {
            arrays[k] = arrays[k].sum_axes(&alone, false)?;
            let kept: Vec<Label> = (0..labels[k].len())
                .filter(|p| !alone.contains(p))
                .map(|p| labels[k][p])
                .collect();
            labels[k] = kept;
        }
    }
    if let Some(c) = as_tensordot(&arrays, &labels, &output)? {
        return Ok(c);
    }
    // The union: the output's labels, then those contracted, in order of appearance.
    let mut union = output.clone();
    for l in labels.iter().flatten() {
        if !union.contains(l) {
            union.push(*l);
        }
    }
    let mut product: Option<Array<T>> = None;
    for (a, ls) in arrays.iter().zip(&labels) {
        // Axes in the union's order, then a length-1 axis for each label it lacks.
        let mut order: Vec<usize> = Vec::with_capacity(ls.len());
        for l in &union {
            if let Some(p) = ls.iter().position(|m| m == l) {
                order.push(p);
            }
        }
        let mut aligned = if order.len() > 1 {
            a.permuted_axes(&order)?
        } else {
            a.clone()
        };
        for (p, l) in union.iter().enumerate() {
            if !ls.contains(l) {
                aligned = aligned.insert_axis(p)?;
            }
        }
        product = Some(match product {
            None => aligned,
            Some(acc) => acc.try_mul(&aligned)?,
        });
    }
    let product = product.ok_or_else(|| bad("no operands", "at least one operand"))?;
    let contracted: Vec<usize> = (output.len()..union.len()).collect();
    if contracted.is_empty() {
        // A lone operand only permuted still has its own extents; a product broadcasts.
        return Ok(product);
    }
    product.sum_axes(&contracted, false)
}

/// Two operands contracted over the labels they share, each of the output's labels in one of
/// them (no batch labels, no broadcast lengths): [`Array::tensordot`] over the shared labels,
/// then the output's order. A product of blocks per pair of blocks, where the general path
/// would make blocks spanning every label's extent. `None` where that does not apply.
fn as_tensordot<T: Element + LinalgScalar>(
    arrays: &[Array<T>],
    labels: &[Vec<Label>],
    output: &[Label],
) -> Result<Option<Array<T>>> {
    let ([a, b], [la, lb]) = (arrays, labels) else {
        return Ok(None);
    };
    let shared: Vec<Label> = la.iter().filter(|l| lb.contains(l)).copied().collect();
    if shared.is_empty() || shared.iter().any(|l| output.contains(l)) {
        return Ok(None);
    }
    let a_con: Vec<usize> = shared
        .iter()
        .map(|l| la.iter().position(|m| m == l).expect("shared"))
        .collect();
    let b_con: Vec<usize> = shared
        .iter()
        .map(|l| lb.iter().position(|m| m == l).expect("shared"))
        .collect();
    if a_con
        .iter()
        .zip(&b_con)
        .any(|(&i, &j)| a.shape()[i] != b.shape()[j])
    {
        return Ok(None);
    }
    let c = a.tensordot(b, (&a_con, &b_con))?;
    // tensordot's axes: a's free labels, then b's.
    let free: Vec<Label> = la
        .iter()
        .chain(lb)
        .filter(|l| !shared.contains(l))
        .copied()
        .collect();
    let order: Vec<usize> = output
        .iter()
        .map(|l| {
            free.iter()
                .position(|m| m == l)
                .expect("an output label is free")
        })
        .collect();
    if order.iter().enumerate().all(|(i, &p)| i == p) {
        return Ok(Some(c));
    }
    Ok(Some(c.permuted_axes(&order)?))
}
