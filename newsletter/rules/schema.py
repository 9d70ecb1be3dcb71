"""Rules the loader reports while reading a file; registered here so they are listed and configurable."""

from newsletter.rules import loader_rule

loader_rule("yaml-syntax", "error", "the file is not readable UTF-8 YAML (syntax error, tabs, bad indentation)")
loader_rule("schema", "error", "a key is missing, unknown, duplicated or has a value of the wrong kind")
loader_rule("date-invalid", "error", "`date` is not a YYYY-MM-DD date or lies outside the week named by the file")
loader_rule("type-unknown", "error", "an entry's `type` is not one of the types in newsletter.toml")
