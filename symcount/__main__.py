"""The `symcount` command (and `python -m symcount`): `cli.main`, and Ctrl-C.

This is the entry point, rather than `cli.main` itself, so that Ctrl-C is
handled from the first lines of symcount's code on, imports included: the
command then prints one line `symcount: interrupted`, exits 130 and leaves no
partial output file (`atomic` removes its temporary). So this module imports
nothing heavy, and neither does the package's `__init__`. (Before that, while
the Python interpreter itself starts, a Ctrl-C is Python's to handle.)
`cli.main`, for callers in Python, leaves KeyboardInterrupt to them.
"""

import io
import sys

# `signal` is imported inside `main`, under its try: importing it (it imports
# enum) takes long enough for a Ctrl-C to land there, outside any handler.

INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for a program stopped by Ctrl-C


def main(argv: list[str] | None = None) -> int:
    """Run the command in this process, which it then owns (its SIGINT handling)."""
    try:
        import signal  # noqa: F401  (first, inside the try: see the top of the module)

        _stop_on_first_interrupt()
        _print_names_as_given()
        from .cli import main as run

        return run(argv)
    except KeyboardInterrupt:
        print("symcount: interrupted", file=sys.stderr)
        return INTERRUPTED
    finally:
        _ignore_interrupts()


def _stop_on_first_interrupt() -> None:
    """Ctrl-C raises KeyboardInterrupt once; a second one, while the first is
    being handled (a temporary file removed, the message printed), is ignored,
    so it cannot cut that short or print a second report."""
    import signal

    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return  # ignored by whoever started us (`nohup`, a background job): keep it so

    def interrupted(number, frame):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise KeyboardInterrupt

    # A Ctrl-C that lands inside a callback Python cannot raise from (one of
    # importlib's weakref callbacks, say) would be printed as "Exception
    # ignored" and lost; it is raised again a moment later, from an alarm,
    # once the callback has returned.
    previous = sys.unraisablehook

    def again(number, frame):
        raise KeyboardInterrupt

    def unraisable(report):
        if isinstance(report.exc_value, KeyboardInterrupt) and hasattr(signal, "setitimer"):
            signal.signal(signal.SIGALRM, again)
            signal.setitimer(signal.ITIMER_REAL, 0.001)
            return
        previous(report)

    sys.unraisablehook = unraisable
    signal.signal(signal.SIGINT, interrupted)


def _print_names_as_given() -> None:
    """A file name that is not UTF-8 reaches Python as lone surrogates
    (`\\udcff` for the byte 0xff); printed, it is those bytes again, as the
    shell gave them, not a UnicodeEncodeError (Python's standard output is
    strict about them outside the C locale)."""
    if isinstance(sys.stdout, io.TextIOWrapper) and sys.stdout.errors == "strict":
        sys.stdout.reconfigure(errors="surrogateescape")


def _ignore_interrupts() -> None:
    """The command is over: a Ctrl-C during Python's own shutdown would print
    a traceback from wherever it landed."""
    import signal

    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, 0)  # an interrupt raised again, still pending
    if signal.getsignal(signal.SIGINT) not in (None, signal.SIG_DFL):
        signal.signal(signal.SIGINT, signal.SIG_IGN)


if __name__ == "__main__":
    sys.exit(main())
