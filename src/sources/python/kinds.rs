//! tree-sitter-python node kinds and field names the analyser looks at, named once.

pub const FUNCTION_DEFINITION: &str = "function_definition";
pub const CLASS_DEFINITION: &str = "class_definition";
pub const DECORATED_DEFINITION: &str = "decorated_definition";
pub const DECORATOR: &str = "decorator";
pub const LAMBDA: &str = "lambda";
pub const DEFAULT_PARAMETER: &str = "default_parameter";
pub const TYPED_PARAMETER: &str = "typed_parameter";
pub const TYPED_DEFAULT_PARAMETER: &str = "typed_default_parameter";
pub const LIST_SPLAT_PATTERN: &str = "list_splat_pattern";
pub const DICTIONARY_SPLAT_PATTERN: &str = "dictionary_splat_pattern";
pub const KEYWORD_SEPARATOR: &str = "keyword_separator";

pub const IMPORT_STATEMENT: &str = "import_statement";
pub const IMPORT_FROM_STATEMENT: &str = "import_from_statement";
pub const ALIASED_IMPORT: &str = "aliased_import";
pub const DOTTED_NAME: &str = "dotted_name";
pub const RELATIVE_IMPORT: &str = "relative_import";
pub const IMPORT_PREFIX: &str = "import_prefix";
pub const WILDCARD_IMPORT: &str = "wildcard_import";

pub const ASSIGNMENT: &str = "assignment";
pub const AUGMENTED_ASSIGNMENT: &str = "augmented_assignment";
pub const NAMED_EXPRESSION: &str = "named_expression";
pub const RETURN_STATEMENT: &str = "return_statement";
pub const YIELD: &str = "yield";
pub const GLOBAL_STATEMENT: &str = "global_statement";
pub const FOR_STATEMENT: &str = "for_statement";
pub const FOR_IN_CLAUSE: &str = "for_in_clause";
pub const WITH_ITEM: &str = "with_item";
pub const AS_PATTERN: &str = "as_pattern";
pub const EXCEPT_CLAUSE: &str = "except_clause";

pub const IDENTIFIER: &str = "identifier";
pub const ATTRIBUTE: &str = "attribute";
pub const CALL: &str = "call";
pub const ARGUMENT_LIST: &str = "argument_list";
pub const KEYWORD_ARGUMENT: &str = "keyword_argument";
pub const LIST_SPLAT: &str = "list_splat";
pub const DICTIONARY_SPLAT: &str = "dictionary_splat";
pub const SUBSCRIPT: &str = "subscript";
pub const STRING: &str = "string";
pub const CONCATENATED_STRING: &str = "concatenated_string";
pub const STRING_START: &str = "string_start";
pub const STRING_CONTENT: &str = "string_content";
pub const INTERPOLATION: &str = "interpolation";
pub const INTEGER: &str = "integer";
pub const FLOAT: &str = "float";
pub const TRUE: &str = "true";
pub const FALSE: &str = "false";
pub const NONE: &str = "none";
pub const BINARY_OPERATOR: &str = "binary_operator";
pub const BOOLEAN_OPERATOR: &str = "boolean_operator";
pub const CONDITIONAL_EXPRESSION: &str = "conditional_expression";
pub const PARENTHESIZED_EXPRESSION: &str = "parenthesized_expression";
pub const AWAIT: &str = "await";
pub const DICTIONARY: &str = "dictionary";
pub const PAIR: &str = "pair";
pub const LIST: &str = "list";
pub const TUPLE: &str = "tuple";
pub const SET: &str = "set";
pub const EXPRESSION_LIST: &str = "expression_list";
pub const PATTERN_LIST: &str = "pattern_list";
pub const TUPLE_PATTERN: &str = "tuple_pattern";
pub const LIST_PATTERN: &str = "list_pattern";
pub const LIST_COMPREHENSION: &str = "list_comprehension";
pub const SET_COMPREHENSION: &str = "set_comprehension";
pub const GENERATOR_EXPRESSION: &str = "generator_expression";
pub const DICTIONARY_COMPREHENSION: &str = "dictionary_comprehension";
pub const COMMENT: &str = "comment";

/// Literal collection nodes whose elements are expressions.
pub fn is_sequence(kind: &str) -> bool {
    matches!(
        kind,
        LIST | TUPLE | SET | EXPRESSION_LIST | PATTERN_LIST | TUPLE_PATTERN | LIST_PATTERN
    )
}

/// Comprehension nodes (their `body` is evaluated once per element).
pub fn is_comprehension(kind: &str) -> bool {
    matches!(
        kind,
        LIST_COMPREHENSION | SET_COMPREHENSION | GENERATOR_EXPRESSION | DICTIONARY_COMPREHENSION
    )
}
