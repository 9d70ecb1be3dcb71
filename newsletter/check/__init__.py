"""The check runner, its pool of worker processes, its fixes, its output formats and its command."""
