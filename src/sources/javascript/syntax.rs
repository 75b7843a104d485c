//! Tree-sitter node kinds of the JavaScript and TypeScript grammars, as named constants,
//! and small helpers over nodes (text, children, iterative traversal, string values).

use tree_sitter::Node;

pub const PROGRAM: &str = "program";
pub const IDENTIFIER: &str = "identifier";
pub const PROPERTY_IDENTIFIER: &str = "property_identifier";
pub const PRIVATE_PROPERTY_IDENTIFIER: &str = "private_property_identifier";
pub const SHORTHAND_PROPERTY_IDENTIFIER: &str = "shorthand_property_identifier";
pub const SHORTHAND_PROPERTY_IDENTIFIER_PATTERN: &str = "shorthand_property_identifier_pattern";
pub const STRING: &str = "string";
pub const TEMPLATE_STRING: &str = "template_string";
pub const TEMPLATE_SUBSTITUTION: &str = "template_substitution";
pub const NUMBER: &str = "number";
pub const TRUE: &str = "true";
pub const FALSE: &str = "false";
pub const NULL: &str = "null";
pub const THIS: &str = "this";
pub const MEMBER_EXPRESSION: &str = "member_expression";
pub const SUBSCRIPT_EXPRESSION: &str = "subscript_expression";
pub const CALL_EXPRESSION: &str = "call_expression";
pub const NEW_EXPRESSION: &str = "new_expression";
pub const ARGUMENTS: &str = "arguments";
pub const OBJECT: &str = "object";
pub const PAIR: &str = "pair";
pub const SPREAD_ELEMENT: &str = "spread_element";
pub const ARRAY: &str = "array";
pub const AWAIT_EXPRESSION: &str = "await_expression";
pub const PARENTHESIZED_EXPRESSION: &str = "parenthesized_expression";
pub const BINARY_EXPRESSION: &str = "binary_expression";
pub const TERNARY_EXPRESSION: &str = "ternary_expression";
pub const ASSIGNMENT_EXPRESSION: &str = "assignment_expression";
pub const AUGMENTED_ASSIGNMENT_EXPRESSION: &str = "augmented_assignment_expression";
pub const SEQUENCE_EXPRESSION: &str = "sequence_expression";
pub const COMPUTED_PROPERTY_NAME: &str = "computed_property_name";
pub const IMPORT: &str = "import";
// TypeScript expression wrappers that do not change the value.
pub const AS_EXPRESSION: &str = "as_expression";
pub const SATISFIES_EXPRESSION: &str = "satisfies_expression";
pub const NON_NULL_EXPRESSION: &str = "non_null_expression";
pub const TYPE_ASSERTION: &str = "type_assertion";
pub const INSTANTIATION_EXPRESSION: &str = "instantiation_expression";

// Functions and classes.
pub const FUNCTION_DECLARATION: &str = "function_declaration";
pub const FUNCTION_EXPRESSION: &str = "function_expression";
pub const ARROW_FUNCTION: &str = "arrow_function";
pub const GENERATOR_FUNCTION: &str = "generator_function";
pub const GENERATOR_FUNCTION_DECLARATION: &str = "generator_function_declaration";
pub const METHOD_DEFINITION: &str = "method_definition";
pub const CLASS_DECLARATION: &str = "class_declaration";
pub const ABSTRACT_CLASS_DECLARATION: &str = "abstract_class_declaration";
pub const CLASS: &str = "class";
pub const CLASS_BODY: &str = "class_body";
pub const FIELD_DEFINITION: &str = "field_definition";
pub const PUBLIC_FIELD_DEFINITION: &str = "public_field_definition";
pub const REQUIRED_PARAMETER: &str = "required_parameter";
pub const OPTIONAL_PARAMETER: &str = "optional_parameter";
pub const ACCESSIBILITY_MODIFIER: &str = "accessibility_modifier";
pub const RETURN_STATEMENT: &str = "return_statement";
pub const STATEMENT_BLOCK: &str = "statement_block";

// Patterns and declarations.
pub const ASSIGNMENT_PATTERN: &str = "assignment_pattern";
pub const OBJECT_PATTERN: &str = "object_pattern";
pub const ARRAY_PATTERN: &str = "array_pattern";
pub const PAIR_PATTERN: &str = "pair_pattern";
pub const OBJECT_ASSIGNMENT_PATTERN: &str = "object_assignment_pattern";
pub const REST_PATTERN: &str = "rest_pattern";
pub const LEXICAL_DECLARATION: &str = "lexical_declaration";
pub const VARIABLE_DECLARATION: &str = "variable_declaration";
pub const VARIABLE_DECLARATOR: &str = "variable_declarator";
pub const FOR_STATEMENT: &str = "for_statement";
pub const FOR_IN_STATEMENT: &str = "for_in_statement";
pub const CATCH_CLAUSE: &str = "catch_clause";
pub const SWITCH_BODY: &str = "switch_body";
pub const ENUM_DECLARATION: &str = "enum_declaration";
pub const ENUM_ASSIGNMENT: &str = "enum_assignment";

// Modules.
pub const IMPORT_STATEMENT: &str = "import_statement";
pub const IMPORT_CLAUSE: &str = "import_clause";
pub const NAMED_IMPORTS: &str = "named_imports";
pub const NAMESPACE_IMPORT: &str = "namespace_import";
pub const IMPORT_SPECIFIER: &str = "import_specifier";
pub const IMPORT_REQUIRE_CLAUSE: &str = "import_require_clause";
pub const EXPORT_STATEMENT: &str = "export_statement";
pub const EXPORT_CLAUSE: &str = "export_clause";
pub const EXPORT_SPECIFIER: &str = "export_specifier";
pub const NAMESPACE_EXPORT: &str = "namespace_export";

// Types (TypeScript).
pub const TYPE_IDENTIFIER: &str = "type_identifier";
pub const NESTED_TYPE_IDENTIFIER: &str = "nested_type_identifier";

/// Node kinds whose body is a function: they own a scope holding their parameters.
pub fn is_function(kind: &str) -> bool {
    matches!(
        kind,
        FUNCTION_DECLARATION
            | FUNCTION_EXPRESSION
            | ARROW_FUNCTION
            | GENERATOR_FUNCTION
            | GENERATOR_FUNCTION_DECLARATION
            | METHOD_DEFINITION
            | "function"
    )
}

pub fn is_class(kind: &str) -> bool {
    matches!(kind, CLASS_DECLARATION | ABSTRACT_CLASS_DECLARATION | CLASS)
}

/// The source text of a node (empty when the range is not on a char boundary).
pub fn text<'s>(node: Node<'_>, source: &'s str) -> &'s str {
    source.get(node.byte_range()).unwrap_or("")
}

/// One-based line of the node's first character.
pub fn line(node: Node<'_>) -> u32 {
    u32::try_from(node.start_position().row).unwrap_or(u32::MAX - 1) + 1
}

/// Named children, collected with a cursor (linear, unlike repeated `named_child(i)`).
pub fn named_children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).filter(|n| !n.is_extra()).collect()
}

/// The expression inside wrappers that do not change the value: parentheses, `await`,
/// TypeScript `as`, `satisfies`, `!` and `<T>x`.
pub fn unwrap_expr(mut node: Node<'_>) -> Node<'_> {
    for _ in 0..64 {
        match node.kind() {
            PARENTHESIZED_EXPRESSION
            | AWAIT_EXPRESSION
            | AS_EXPRESSION
            | SATISFIES_EXPRESSION
            | NON_NULL_EXPRESSION
            | TYPE_ASSERTION => {
                let inner = named_children(node).into_iter().find(|c| !is_type_node(c.kind()));
                match inner {
                    Some(inner) => node = inner,
                    None => return node,
                }
            }
            SEQUENCE_EXPRESSION => match named_children(node).last() {
                Some(last) => node = *last,
                None => return node,
            },
            _ => return node,
        }
    }
    node
}

/// Type nodes of TypeScript that may sit beside an expression (`x as T`, `<T>x`).
fn is_type_node(kind: &str) -> bool {
    kind.ends_with("_type")
        || matches!(
            kind,
            TYPE_IDENTIFIER | NESTED_TYPE_IDENTIFIER | "type_arguments" | "predefined_type" | "literal_type" | "const"
        )
}

/// The value a `string` literal spells, with common escapes decoded.
pub fn string_value(node: Node<'_>, source: &str) -> String {
    let raw = text(node, source);
    let inner = if raw.len() >= 2 { &raw[1..raw.len() - 1] } else { "" };
    unescape(inner)
}

/// Decodes the escapes of a JS string or template piece (`\n`, `\t`, `\\`, `\'`, `\u0041`).
pub fn unescape(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('u') => {
                let rest: String = chars.clone().take(4).collect();
                match u32::from_str_radix(&rest, 16).ok().and_then(char::from_u32) {
                    Some(ch) if rest.len() == 4 => {
                        out.push(ch);
                        for _ in 0..4 {
                            chars.next();
                        }
                    }
                    _ => out.push('u'),
                }
            }
            Some('\n') => {}
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// The name a property key spells (`a`, `"a"`, `1`), when it is not computed.
pub fn property_name(key: Node<'_>, source: &str) -> Option<String> {
    match key.kind() {
        PROPERTY_IDENTIFIER
        | IDENTIFIER
        | PRIVATE_PROPERTY_IDENTIFIER
        | SHORTHAND_PROPERTY_IDENTIFIER
        | SHORTHAND_PROPERTY_IDENTIFIER_PATTERN => Some(text(key, source).to_string()),
        STRING => Some(string_value(key, source)),
        NUMBER => Some(text(key, source).to_string()),
        _ => None,
    }
}

/// Source text shortened for messages and `call` fields: whitespace collapsed, at most
/// `max` characters.
pub fn short(node: Node<'_>, source: &str, max: usize) -> String {
    let collapsed: String = text(node, source).split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= max {
        return collapsed;
    }
    let cut: String = collapsed.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

/// Pre-order walk without recursion. `visit(node, true)` runs on entering a node and
/// returns whether to descend into it; `visit(node, false)` runs after its subtree (also
/// for nodes not descended into).
pub fn walk<'t>(root: Node<'t>, mut visit: impl FnMut(Node<'t>, bool) -> bool) {
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        let descend = visit(node, true);
        if descend && cursor.goto_first_child() {
            continue;
        }
        // Leave this node and every ancestor that has no next sibling.
        loop {
            let done = cursor.node();
            visit(done, false);
            if done.id() == root.id() {
                return;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_decodes_common_escapes() {
        assert_eq!(unescape(r"a\nb"), "a\nb");
        assert_eq!(unescape(r"it\'s"), "it's");
        assert_eq!(unescape(r"\u0041B"), "AB");
        assert_eq!(unescape("plain"), "plain");
    }
}
