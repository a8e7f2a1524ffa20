//! The crate's layers, as `src/lib.rs` lists them ("Crate layout", lowest first) and
//! `ARCHITECTURE.md` explains them, are the real ones: no module uses a module listed above
//! it, no two files of one module use each other, MPI is named only in `dist`, and one module
//! lowers and runs computations. Read from the sources, so that a change that breaks a layer
//! fails here rather than in a review.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// A source file's code as the library builds it: without comments, and without its unit
/// tests (a `#[cfg(test)]` module at the end, or a `test.rs` of their own), which may use any
/// layer to check one.
fn library_code(path: &Path) -> String {
    let name = path.file_name().unwrap().to_str().unwrap();
    if name == "test.rs" || name == "tests.rs" {
        return String::new();
    }
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => &text[..],
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The identifiers that follow `prefix` in `code` (`crate::` gives the modules used).
fn after<'c>(code: &'c str, prefix: &str) -> Vec<&'c str> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        out.push(&rest[..end]);
    }
    out
}

/// The top-level module a file belongs to (`scheduler` for `src/scheduler/budget.rs`).
fn module_of(path: &Path) -> String {
    let rel = path.strip_prefix(src()).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_str()
        .unwrap();
    first.trim_end_matches(".rs").to_string()
}

/// The layers, lowest first, as the "Crate layout" of `src/lib.rs` lists them.
fn layers() -> Vec<String> {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let layout = lib
        .split("//! ## Crate layout")
        .nth(1)
        .expect("lib.rs has a Crate layout section");
    let layout = layout.split("//! ##").next().unwrap();
    layout
        .lines()
        .filter_map(|l| l.strip_prefix("//! - "))
        .map(|item| {
            let name = item.trim_start_matches('[').trim_start_matches('`');
            let end = name.find('`').expect("a module name in backticks");
            name[..end].to_string()
        })
        .collect()
}

/// The modules the crate root re-exports names from: `crate::Array` is `array`'s.
fn root_names() -> BTreeMap<String, String> {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let mut names = BTreeMap::new();
    for item in lib.split("pub use ").skip(1) {
        let item = item.split(';').next().unwrap();
        let (module, rest) = item.split_once("::").unwrap_or((item, ""));
        for name in rest.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if !name.is_empty() {
                names.insert(name.to_string(), module.to_string());
            }
        }
    }
    names
}

#[test]
fn no_module_uses_a_layer_above_its_own() {
    let order = layers();
    let rank = |m: &str| order.iter().position(|l| l == m);
    let roots = root_names();
    let mut files = Vec::new();
    sources(&src(), &mut files);
    let mut wrong = BTreeSet::new();
    let mut modules = BTreeSet::new();
    for path in &files {
        let module = module_of(path);
        if module == "lib" {
            continue;
        }
        modules.insert(module.clone());
        let own = rank(&module).unwrap_or_else(|| {
            panic!("module {module} is missing from lib.rs's Crate layout: {order:?}")
        });
        let code = library_code(path);
        for used in after(&code, "crate::") {
            let used = roots.get(used).map_or(used, String::as_str);
            if used == module || used == "ndarray" {
                continue;
            }
            match rank(used) {
                Some(r) if r < own => {}
                _ => {
                    wrong.insert(format!(
                        "{} uses crate::{used}",
                        path.strip_prefix(src()).unwrap().display()
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "uses of a layer at or above the user's own (layers, lowest first: {order:?}):\n{}",
        wrong.into_iter().collect::<Vec<_>>().join("\n")
    );
    let listed: BTreeSet<String> = order.iter().cloned().collect();
    assert_eq!(
        listed, modules,
        "lib.rs's Crate layout lists exactly the modules"
    );
}

#[test]
fn no_two_files_of_a_module_use_each_other() {
    let mut files = Vec::new();
    sources(&src(), &mut files);
    // For each module folder, the files (by name) each file uses, through `super::` or
    // `crate::module::`.
    let mut uses: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut names: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in &files {
        let module = module_of(path);
        let rel = path.strip_prefix(src().join(&module));
        let Ok(rel) = rel else { continue };
        let Some(first) = rel.components().next() else {
            continue;
        };
        let file = first.as_os_str().to_str().unwrap().trim_end_matches(".rs");
        if file == "mod" {
            continue;
        }
        names
            .entry(module.clone())
            .or_default()
            .insert(file.to_string());
        let code = library_code(path);
        let mut used: BTreeSet<String> = after(&code, &format!("crate::{module}::"))
            .into_iter()
            .map(String::from)
            .collect();
        if rel.components().count() == 1 {
            used.extend(after(&code, "super::").into_iter().map(String::from));
        }
        used.remove(file);
        uses.entry((module, file.to_string()))
            .or_default()
            .extend(used);
    }
    let mut cycles = Vec::new();
    for ((module, file), used) in &uses {
        for other in used {
            if !names[module].contains(other) {
                continue;
            }
            let back = uses.get(&(module.clone(), other.clone()));
            if file < other && back.is_some_and(|b| b.contains(file)) {
                cycles.push(format!("{module}: {file} <-> {other}"));
            }
        }
    }
    assert!(cycles.is_empty(), "files that use each other: {cycles:?}");
}

#[test]
fn only_dist_names_mpi() {
    let mut files = Vec::new();
    sources(&src(), &mut files);
    let mut found = Vec::new();
    for path in &files {
        let rel = path.strip_prefix(src()).unwrap();
        if rel.starts_with("dist") {
            continue;
        }
        let code = library_code(path);
        let n = code.matches("feature = \"mpi\"").count() + after(&code, "mpi::").len();
        // The one line that declares the module.
        let allowed = usize::from(rel == Path::new("lib.rs"));
        if n > allowed {
            found.push(format!("{}: {n}", rel.display()));
        }
    }
    assert!(found.is_empty(), "MPI named outside dist: {found:?}");
}

/// Whether `code` calls a function or method `name` (not only defines it).
fn calls(code: &str, name: &str) -> bool {
    let call = format!("{name}(");
    code.match_indices(&call).any(|(i, _)| {
        let before = &code[..i];
        let ident = before
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        !ident && !before.trim_end().ends_with("fn")
    })
}

#[test]
fn one_module_lowers_and_runs_computations() {
    let mut files = Vec::new();
    sources(&src(), &mut files);
    let mut found = Vec::new();
    for path in &files {
        let rel = path.strip_prefix(src()).unwrap();
        let code = library_code(path);
        // Lowering a plan to tasks, announcing reads, and running a task graph: the one entry
        // in lower/ does these for every computation (the scheduler runs a user's own `Graph`).
        let lowers =
            !rel.starts_with("lower") && (calls(&code, "lower") || calls(&code, "announce_reads"));
        let runs = !(rel.starts_with("lower") || rel.starts_with("scheduler"))
            && (calls(&code, "execute") || calls(&code, "execute_fed"));
        if lowers || runs {
            found.push(rel.display().to_string());
        }
    }
    // The MPI backend runs a rank's share of the graph that the entry lowered.
    found.retain(|f| f != "dist/flow.rs");
    assert!(
        found.is_empty(),
        "lowering or running outside lower/: {found:?}"
    );
}

/// The expression nodes' trait stays small: a new capability is a new field of `Props` or a
/// new `Role`, matched in one place, not one more optional method on every node.
#[test]
fn the_node_trait_has_at_most_eight_methods() {
    let code = library_code(&src().join("expr").join("mod.rs"));
    let start = code
        .find("pub(crate) trait Node")
        .expect("expr/mod.rs declares Node");
    let body = &code[start..];
    let end = body.find("\n}").expect("the trait ends");
    let methods = body[..end].matches("fn ").count();
    assert!((1..=8).contains(&methods), "Node has {methods} methods");
}
