//! Every exported function runs inside the boundary: a test that fails when an
//! `extern "C" fn` in `ffi/src` does not start its body with `boundary!`, is
//! not `#[no_mangle]`, or is missing from (or extra in) `include/dsr.h`.

use std::fs;
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without comment lines (doc examples mention `extern "C" fn`).
fn code_only(src: &str) -> String {
    src.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// (file, function name, whether #[no_mangle] precedes it, first token of the body)
fn exported(src: &str, file: &str) -> Vec<(String, String, bool, String)> {
    let mut found = Vec::new();
    let mut rest = src;
    let mut offset = 0;
    while let Some(i) = rest.find("extern \"C\" fn ") {
        let at = offset + i;
        let after = &src[at + "extern \"C\" fn ".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // The body starts at the first `{` after the parameter list's `)`.
        let sig_end = after.find(")").unwrap();
        let body_start = sig_end + after[sig_end..].find('{').unwrap() + 1;
        let body = after[body_start..].trim_start();
        let first: String = body.chars().take_while(|c| !c.is_whitespace()).collect();
        // Attributes: the lines before the `pub ... extern` line, back to the
        // doc comment.
        let before = &src[..at];
        let item_start = before.rfind("\n\n").unwrap_or(0);
        let attrs = &before[item_start..];
        found.push((
            file.to_string(),
            name,
            attrs.contains("#[no_mangle]"),
            first,
        ));
        offset = at + 1;
        rest = &src[offset..];
    }
    found
}

#[test]
fn every_exported_function_is_inside_the_boundary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    let mut all = Vec::new();
    for f in &files {
        let src = fs::read_to_string(f).unwrap();
        all.extend(exported(&code_only(&src), &f.display().to_string()));
    }
    assert!(
        all.len() >= 25,
        "found only {} exported functions",
        all.len()
    );
    let mut problems = Vec::new();
    for (file, name, no_mangle, first) in &all {
        if !first.starts_with("boundary!(") {
            problems.push(format!(
                "{file}: {name}: body starts with `{first}`, not `boundary!(`"
            ));
        }
        if !no_mangle {
            problems.push(format!("{file}: {name}: not #[no_mangle]"));
        }
        if !name.starts_with("dsr_") {
            problems.push(format!("{file}: {name}: not named dsr_*"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // The header declares exactly these functions.
    let header = fs::read_to_string(root.join("../include/dsr.h")).unwrap();
    let mut declared: Vec<String> = header
        .lines()
        .filter(|l| !l.trim_start().starts_with('*') && !l.trim_start().starts_with("/*"))
        .filter_map(|l| {
            let i = l.find(" dsr_").or_else(|| l.find("*dsr_"))?;
            let name: String = l[i + 1..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            l[i + 1 + name.len()..].starts_with('(').then_some(name)
        })
        .collect();
    declared.sort();
    let mut names: Vec<String> = all.iter().map(|(_, n, _, _)| n.clone()).collect();
    names.sort();
    assert_eq!(declared, names, "include/dsr.h and ffi/src disagree");
}

#[test]
fn the_scan_catches_a_function_without_the_boundary() {
    let src = "\n\n/// Doc.\n#[no_mangle]\npub extern \"C\" fn dsr_bad(x: u32) -> u32 {\n    x + 1\n}\n\n/// Doc.\n#[no_mangle]\npub unsafe extern \"C\" fn dsr_good(\n    p: *const u8,\n) -> dsr_result {\n    boundary!({ Ok(()) })\n}\n\npub extern \"C\" fn dsr_unmangled() -> usize {\n    boundary!(value 0, { 1 })\n}\n";
    let found = exported(src, "x.rs");
    assert_eq!(found.len(), 3);
    assert_eq!(found[0].1, "dsr_bad");
    assert_eq!(found[0].3, "x");
    assert!(found[0].2);
    assert_eq!(found[1].1, "dsr_good");
    assert!(found[1].3.starts_with("boundary!("));
    assert!(!found[2].2);
}
