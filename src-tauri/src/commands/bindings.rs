//! Writes `ui/src/bindings/commands.ts`, the UI's typed function for every command, from the
//! one list in `commands/mod.rs` ([`super::handler`]) and each command's own signature.
//!
//! Why a generator of our own instead of tauri-specta: every type the UI sees is already
//! exported by ts-rs (`#[derive(TS)]` in core and store, one file per type in
//! `ui/src/bindings`), and tauri-specta would need all of them derived a second time with
//! specta (a release candidate) and the UI's imports changed. This test reads the same list
//! the compiler registers, so a command cannot be registered without a binding or the other
//! way round; the UI's type check then proves every named type exists. `cargo test` rewrites
//! the file and CI fails when the committed one differs.

// A test: a panic is the failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use syn::{FnArg, GenericArgument, Item, PathArguments, ReturnType, Type};

fn commands_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/commands")
}

fn parse(path: &Path) -> syn::File {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `module::command` paths inside `handler()`'s `generate_handler!`, in order.
fn command_list() -> Vec<(String, String)> {
    let file = parse(&commands_dir().join("mod.rs"));
    let handler = file
        .items
        .iter()
        .find_map(|item| match item {
            Item::Fn(f) if f.sig.ident == "handler" => Some(f),
            _ => None,
        })
        .expect("fn handler in commands/mod.rs");
    let mac = handler
        .block
        .stmts
        .iter()
        .find_map(|s| match s {
            syn::Stmt::Expr(syn::Expr::Macro(m), _) => Some(&m.mac),
            syn::Stmt::Macro(m) => Some(&m.mac),
            _ => None,
        })
        .expect("generate_handler! in handler()");
    let paths = mac
        .parse_body_with(syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
        .unwrap();
    paths
        .iter()
        .map(|p| {
            let segs: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
            assert_eq!(segs.len(), 2, "commands are listed as module::name");
            (segs[0].clone(), segs[1].clone())
        })
        .collect()
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) => p.path.segments.last(),
        _ => None,
    }
}

fn inner(seg: &syn::PathSegment) -> &Type {
    match &seg.arguments {
        PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .find_map(|g| match g {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .expect("a type argument"),
        _ => panic!("{} needs a type argument", seg.ident),
    }
}

/// The TypeScript spelling of a Rust argument or result type, as ts-rs names them; named
/// types are collected for the imports.
fn ts(ty: &Type, named: &mut BTreeSet<String>) -> String {
    if let Type::Tuple(t) = ty
        && t.elems.is_empty()
    {
        return "null".into();
    }
    if let Type::Reference(r) = ty {
        return ts(&r.elem, named);
    }
    let seg = last_segment(ty).expect("a named type");
    let name = seg.ident.to_string();
    match name.as_str() {
        "String" | "str" => "string".into(),
        "bool" => "boolean".into(),
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" | "isize" | "f32"
        | "f64" => "number".into(),
        "Option" => format!("{} | null", ts(inner(seg), named)),
        "Vec" => format!("Array<{}>", ts(inner(seg), named)),
        _ => {
            named.insert(name.clone());
            name
        }
    }
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    for (i, part) in snake.split('_').enumerate() {
        if i == 0 {
            out.push_str(part);
        } else {
            let mut chars = part.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
        }
    }
    out
}

/// Arguments Tauri fills in itself; the UI never passes them.
const INJECTED: &[&str] = &["AppHandle", "State", "Window", "WebviewWindow"];

#[test]
fn export_command_bindings() {
    let mut named = BTreeSet::new();
    let mut body = String::new();
    for (module, name) in command_list() {
        let file = parse(&commands_dir().join(format!("{module}.rs")));
        let f = file
            .items
            .iter()
            .find_map(|item| match item {
                Item::Fn(f) if f.sig.ident == name => Some(f),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{module}.rs has no fn {name}"));
        assert!(
            f.attrs
                .iter()
                .any(|a| a.path().segments.iter().any(|s| s.ident == "command")),
            "{module}::{name} is listed but not a #[tauri::command]"
        );
        assert!(
            f.sig.asyncness.is_some(),
            "{module}::{name} must be async so it runs off the window's thread"
        );
        let mut params = Vec::new();
        for arg in &f.sig.inputs {
            let FnArg::Typed(arg) = arg else {
                panic!("{module}::{name} takes self")
            };
            if last_segment(&arg.ty)
                .is_some_and(|s| INJECTED.contains(&s.ident.to_string().as_str()))
            {
                continue;
            }
            let syn::Pat::Ident(id) = &*arg.pat else {
                panic!("{module}::{name}: arguments are plain names")
            };
            params.push((camel(&id.ident.to_string()), ts(&arg.ty, &mut named)));
        }
        let ReturnType::Type(_, ret) = &f.sig.output else {
            panic!("{module}::{name} returns Reply<T>")
        };
        let reply = last_segment(ret).expect("Reply<T>");
        assert_eq!(reply.ident, "Reply", "{module}::{name} returns Reply<T>");
        let ret = ts(inner(reply), &mut named);
        let list = params
            .iter()
            .map(|(a, t)| format!("{a}: {t}"))
            .collect::<Vec<_>>()
            .join(", ");
        let pass = if params.is_empty() {
            String::new()
        } else {
            let keys = params.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>();
            format!(", {{ {} }}", keys.join(", "))
        };
        body.push_str(&format!(
            "export function {}({list}): Promise<{ret}> {{\n  return invoke<{ret}>(\"{name}\"{pass});\n}}\n\n",
            camel(&name)
        ));
    }
    let mut out = String::from(
        "// Generated by `cargo test -p ariza-desk` from the command list in src-tauri/src/commands/mod.rs. Do not edit.\n\n",
    );
    out.push_str("import { invoke } from \"@tauri-apps/api/core\";\n");
    for t in &named {
        out.push_str(&format!("import type {{ {t} }} from \"./{t}\";\n"));
    }
    out.push('\n');
    out.push_str(&body);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("commands.ts"), out.trim_end().to_string() + "\n").unwrap();
}

#[test]
fn every_command_file_is_in_the_list() {
    let listed: BTreeSet<(String, String)> = command_list().into_iter().collect();
    for entry in std::fs::read_dir(commands_dir()).unwrap() {
        let path = entry.unwrap().path();
        let module = path.file_stem().unwrap().to_string_lossy().to_string();
        if module == "mod" || module == "bindings" {
            continue;
        }
        for item in parse(&path).items {
            if let Item::Fn(f) = item
                && f.attrs
                    .iter()
                    .any(|a| a.path().segments.iter().any(|s| s.ident == "command"))
            {
                let key = (module.clone(), f.sig.ident.to_string());
                assert!(
                    listed.contains(&key),
                    "{module}::{} is not in handler()",
                    key.1
                );
            }
        }
    }
}
