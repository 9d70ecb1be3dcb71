"""The one Jinja2 environment, with every filter: the project's ``templates/`` overrides the package's
templates, and ``default/NAME`` always names the package's own, for an override to extend."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import jinja2

from newsletter import PACKAGE_TEMPLATES, __version__
from newsletter.errors import NewsletterError
from newsletter.render.filters import FILTERS, TESTS

# the prefix under which a template override finds the package's template it replaces
DEFAULT_PREFIX = "default"


def _autoescape(name: str | None) -> bool:
    return bool(name) and name.rsplit(".", 2)[-2 if name.endswith(".j2") else -1] in ("html", "mjml", "xml")


def environment(project_templates: Path | None) -> jinja2.Environment:
    """An environment that looks in ``project_templates`` first, then in the package, with every filter and test."""
    folders = [p for p in (project_templates, PACKAGE_TEMPLATES) if p is not None and p.is_dir()]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([
            jinja2.PrefixLoader({DEFAULT_PREFIX: jinja2.FileSystemLoader(str(PACKAGE_TEMPLATES))}),
            jinja2.FileSystemLoader([str(p) for p in folders]),
        ]),
        autoescape=_autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # a build renders each template thousands of times and a change to one starts a new build:
        # checking every template file's mtime on each render would be wasted
        auto_reload=False,
    )
    env.filters.update(FILTERS)
    env.tests.update(TESTS)
    env.bytecode_cache = _compiled_templates()
    return env


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Templates compiled by earlier runs, in Jinja's folder for them: the user's own, in the temporary folder, never
    one of the project, whose files are read but never run. A file that cannot be read or written is a miss."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a damaged file may fail in any way unpickling can
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with suppress(OSError):
            super().dump_bytecode(bucket)


def _compiled_templates() -> jinja2.BytecodeCache | None:
    """Compiling a build's templates took a tenth of the time of a build after an edit; None when there is no folder
    for them (Jinja refuses one another user could write to). The code compiled depends on the versions."""
    try:
        return _CompiledTemplates(pattern=f"newsletter-{__version__}-jinja-{jinja2.__version__}-%s.cache")
    except (OSError, RuntimeError):
        return None


def render(env: jinja2.Environment, name: str, **context: Any) -> str:
    """Render template ``name``; template mistakes become errors naming the template and line."""
    with _reported(env, name):
        return env.get_template(name).render(**context)


def render_bytes(env: jinja2.Environment, name: str, **context: Any) -> bytes:
    """:func:`render` in UTF-8, encoded piece by piece: a large output (the digest of a large archive) never exists
    as one str, which takes up to four bytes a character."""
    out = io.BytesIO()  # grows in place, and hands its bytes over without a copy
    with _reported(env, name):
        for piece in env.get_template(name).generate(**context):
            out.write(piece.encode())
    return out.getvalue()


def macro(env: jinja2.Environment, name: str, macro_name: str, **context: Any) -> Callable[..., str]:
    """The macro ``macro_name`` of template ``name``, its template run once with ``context``: cheaper than a
    render per call where a page is assembled from many small parts. Mistakes are reported as :func:`render` does."""
    with _reported(env, name):
        function = getattr(env.get_template(name).make_module(context), macro_name, None)
    if not callable(function):
        raise NewsletterError(f"template error: no macro {macro_name}; define it, as the packaged template does", name)

    def call(*args: Any) -> str:
        with _reported(env, name):
            return str(function(*args))

    return call


@contextmanager
def _reported(env: jinja2.Environment, name: str) -> Iterator[None]:
    """Template mistakes raised inside as errors naming the template file and line."""
    try:
        yield
    except jinja2.TemplateSyntaxError as e:
        raise NewsletterError(f"template error: {e.message}", e.filename or name, e.lineno, 1) from None
    except UnicodeDecodeError:
        raise NewsletterError("template error: the template (or one it includes) is not valid UTF-8; save it as UTF-8", _not_utf8(env, name)) from None
    except RecursionError:
        raise NewsletterError("template error: the template includes, extends or calls itself without end; "
                              "extend 'default/NAME' to reuse the template it replaces", _origin(env, name)) from None
    except (jinja2.TemplateError, ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as e:
        # an override's own mistake at render time ({{ 1 / 0 }}, [].pop()): its file and line, not a crash
        filename, line = _template_frame(e, name)
        what = str(e) if isinstance(e, jinja2.TemplateError) else f"{type(e).__name__}: {e}"
        raise NewsletterError(f"template error: {what}", filename, line, 1) from None


def _origin(env: jinja2.Environment, name: str) -> str:
    """The file template ``name`` is read from (the project's override or the package's)."""
    loaders = getattr(env.loader, "loaders", [])
    for folder in (f for loader in loaders if isinstance(loader, jinja2.FileSystemLoader) for f in loader.searchpath):
        if (path := Path(folder, name)).is_file():
            return str(path)
    return name


def _not_utf8(env: jinja2.Environment, name: str) -> str:
    """The template file that is not UTF-8: ``name``'s own or, failing that, the first such override."""
    origin = Path(_origin(env, name))
    candidates = [origin, *sorted(p for p in origin.parent.glob("*") if p.is_file())] if origin.is_file() else []
    for path in candidates:
        try:
            path.read_bytes().decode("utf-8")
        except (UnicodeDecodeError, OSError):
            return str(path)
    return str(origin)


def _template_frame(error: Exception, name: str) -> tuple[str, int | None]:
    """The template file and line where a render-time error was raised."""
    tb = error.__traceback__
    found: tuple[str, int | None] = (name, None)
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename.endswith((".j2", ".html", ".mjml", ".md", ".txt", ".xml")):
            found = (code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found
