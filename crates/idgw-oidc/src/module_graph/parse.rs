//! Reading the paths a Rust source file names, without a parser: comments and literals are
//! blanked, use trees expanded, and inline `mod` blocks flattened into their file's module.

/// The source without comments, string literals and char literals.
pub fn strip(source: &str) -> String {
    let c: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(c.len());
    let mut i = 0;
    while i < c.len() {
        if c[i] == '/' && peek(&c, i, 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && peek(&c, i, 1) == '*' {
            i += 2;
            while i < c.len() && !(c[i] == '*' && peek(&c, i, 1) == '/') {
                i += 1;
            }
            i += 2;
        } else if c[i] == 'r'
            && (peek(&c, i, 1) == '#' || peek(&c, i, 1) == '"')
            && raw_start(&c, i)
        {
            let hashes = (1..).take_while(|k| peek(&c, i, *k) == '#').count();
            if peek(&c, i, hashes + 1) != '"' {
                out.push(c[i]);
                i += 1;
                continue;
            }
            i += hashes + 2;
            let closing: String = std::iter::once('"')
                .chain("#".repeat(hashes).chars())
                .collect();
            while i < c.len() && !c[i..].iter().collect::<String>().starts_with(&closing) {
                i += 1;
            }
            i += closing.len();
            out.push_str("\"\"");
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c[i] == '\'' && (peek(&c, i, 1) == '\\' || peek(&c, i, 2) == '\'') {
            i += 1;
            while i < c.len() && c[i] != '\'' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

fn peek(c: &[char], i: usize, k: usize) -> char {
    c.get(i + k).copied().unwrap_or('\0')
}

/// Whether the `r` at `i` begins a raw string (`r"`, `r#"`, `br#"`), not an identifier.
fn raw_start(c: &[char], i: usize) -> bool {
    let before = |k: usize| if i >= k { c[i - k] } else { ' ' };
    !ident_char(before(1)) || (before(1) == 'b' && !ident_char(before(2)))
}

pub fn ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The code with `super::` inside an inline module (`mod tests { use super::*; }`) written as
/// `self::`: both name the file's module.
pub fn inline_modules_flattened(code: &str) -> String {
    let mut out = code.to_string();
    let mut from = 0;
    while let Some(k) = find_word(&out[from..], "mod") {
        let at = from + k;
        let head_end = out[at..].find([';', '{']).map_or(out.len(), |e| at + e);
        from = head_end;
        if !out[head_end..].starts_with('{') {
            continue; // `mod name;`: another file
        }
        let mut depth = 0;
        let mut end = out.len();
        for (i, ch) in out[head_end..].char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = head_end + i;
                break;
            }
        }
        let body = out[head_end..end].replace("super::", "self::");
        out.replace_range(head_end..end, &body);
    }
    out
}

/// Expands a use tree (`a::{b, c::{self, D}}`) into paths of segments.
pub fn expand(prefix: &[String], tree: &str, out: &mut Vec<(Vec<String>, Option<String>)>) {
    let tree = tree.trim();
    if tree.is_empty() {
        return;
    }
    if let Some(open) = tree.find('{') {
        let mut base = prefix.to_vec();
        base.extend(segments(&tree[..open]));
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let (mut depth, mut start) = (0, 0);
        for (k, ch) in inner.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&base, &inner[start..k], out);
                    start = k + 1;
                }
                _ => {}
            }
        }
        expand(&base, &inner[start..], out);
        return;
    }
    let (path, alias) = match tree.split_once(" as ") {
        Some((p, a)) => (p, Some(a.trim().to_string())),
        None => (tree, None),
    };
    let mut full = prefix.to_vec();
    for s in segments(path) {
        if s != "self" || full.is_empty() {
            full.push(s);
        }
    }
    out.push((full, alias));
}

pub fn segments(path: &str) -> Vec<String> {
    path.split("::")
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "*")
        .map(str::to_string)
        .collect()
}

/// The position of `word` in `text` where it is not part of a longer identifier.
pub fn find_word(text: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(k) = text[from..].find(word) {
        let at = from + k;
        let before = text[..at].chars().next_back().unwrap_or(' ');
        let after = text[at + word.len()..].chars().next().unwrap_or(' ');
        let whole_end = word.ends_with(':') || !ident_char(after);
        if !ident_char(before) && before != ':' && whole_end {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}
