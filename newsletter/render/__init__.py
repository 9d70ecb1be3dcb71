"""Pure generators: the validated model in, text out (Markdown, email, plain text, .eml, feeds); they never read files."""
