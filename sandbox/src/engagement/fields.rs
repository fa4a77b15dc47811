//! Graph's `fields` parameter with field expansion: `id,text,replies{id,text},media{id}`
//! asks for an edge or object with fields of its own. The flat `params::list` would cut
//! such a list inside its braces.

use crate::errors::GraphError;

/// One requested field and what was asked of it in braces (empty: its defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    pub name: String,
    pub sub: Vec<Field>,
}

/// Parses `raw`; absent or empty is `default`. Unbalanced braces are Meta's syntax error
/// (code 2500), as is a name with characters no field has.
pub(crate) fn parse(raw: Option<&str>, default: &[&str]) -> Result<Vec<Field>, GraphError> {
    let raw = raw.unwrap_or_default().trim();
    if raw.is_empty() {
        return Ok(default.iter().map(|d| leaf(d)).collect());
    }
    let mut chars = raw.chars().peekable();
    let fields = list(&mut chars, 0)?;
    if chars.next().is_some() {
        return Err(syntax_error());
    }
    Ok(fields)
}

fn leaf(name: &str) -> Field {
    Field {
        name: name.to_owned(),
        sub: Vec::new(),
    }
}

fn syntax_error() -> GraphError {
    GraphError::new(
        2500,
        None,
        "Syntax error \"Expected end of string instead of \"}\".\"",
    )
}

/// Nesting deeper than this is refused rather than recursed into.
const MAX_DEPTH: usize = 4;

fn list(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    depth: usize,
) -> Result<Vec<Field>, GraphError> {
    if depth > MAX_DEPTH {
        return Err(syntax_error());
    }
    let mut out: Vec<Field> = Vec::new();
    let mut name = String::new();
    let push = |name: &mut String, sub: Vec<Field>, out: &mut Vec<Field>| {
        let trimmed = name.trim();
        if !trimmed.is_empty() && !out.iter().any(|f| f.name == trimmed) {
            out.push(Field {
                name: trimmed.to_owned(),
                sub,
            });
        }
        name.clear();
    };
    while let Some(c) = chars.peek().copied() {
        match c {
            ',' => {
                chars.next();
                push(&mut name, Vec::new(), &mut out);
            }
            '{' => {
                chars.next();
                let sub = list(chars, depth + 1)?;
                if chars.next() != Some('}') || name.trim().is_empty() {
                    return Err(syntax_error());
                }
                push(&mut name, sub, &mut out);
            }
            '}' if depth > 0 => break,
            c if c.is_ascii_alphanumeric() || c == '_' || c == ' ' => {
                chars.next();
                name.push(c);
            }
            _ => return Err(syntax_error()),
        }
    }
    push(&mut name, Vec::new(), &mut out);
    Ok(out)
}

/// The names alone, for nodes whose fields take no expansion: `owner{id}` reads as
/// `owner`, `children{id}` as `children`.
pub(crate) fn flat(raw: Option<&str>) -> Result<Option<String>, GraphError> {
    if raw.is_none_or(|r| !r.contains('{')) {
        return Ok(raw.map(str::to_owned));
    }
    let names: Vec<String> = parse(raw, &[])?.into_iter().map(|f| f.name).collect();
    Ok(Some(names.join(",")))
}

/// Meta's error for a field `node_type` does not have, if one of `fields` is such.
pub(crate) fn check(fields: &[Field], allowed: &[&str], node_type: &str) -> Result<(), GraphError> {
    match fields.iter().find(|f| !allowed.contains(&f.name.as_str())) {
        Some(bad) => Err(GraphError::nonexisting_field(&bad.name, node_type)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(fields: &[Field]) -> Vec<&str> {
        fields.iter().map(|f| f.name.as_str()).collect()
    }

    #[test]
    fn braces_expand_an_edge_with_its_own_fields() {
        let f = parse(
            Some("id,text,replies{id,text,parent_id},media{id}, hidden"),
            &[],
        )
        .unwrap();
        assert_eq!(names(&f), ["id", "text", "replies", "media", "hidden"]);
        assert_eq!(names(&f[2].sub), ["id", "text", "parent_id"]);
        assert_eq!(names(&f[3].sub), ["id"]);
    }

    #[test]
    fn absent_means_the_defaults_and_bad_syntax_is_refused() {
        assert_eq!(
            names(&parse(None, &["id", "text"]).unwrap()),
            ["id", "text"]
        );
        for bad in [
            "id,replies{id",
            "id}",
            "{id}",
            "id;drop",
            "a{b{c{d{e{f}}}}}",
        ] {
            assert!(parse(Some(bad), &[]).is_err(), "{bad}");
        }
    }

    #[test]
    fn flat_drops_expansions() {
        assert_eq!(
            flat(Some("id,owner{id},children{id,media_type}"))
                .unwrap()
                .as_deref(),
            Some("id,owner,children")
        );
        assert_eq!(
            flat(Some("id,caption")).unwrap().as_deref(),
            Some("id,caption")
        );
        assert_eq!(flat(None).unwrap(), None);
    }
}
