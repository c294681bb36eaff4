"""argparse types of the ``spectral-ssl`` options: each error says what is expected.

:func:`integer` accepts a whole number written as a float (``8.0``), as the Python API does;
:func:`choice` replaces argparse's ``choices=`` so that a near miss is answered with the
closest valid value ("did you mean 'vicreg'?").
"""

import argparse


def integer(low):
    def parse(text):
        # A whole number written as a float ("5.0", "1e3") is the count it equals, as in
        # the Python API (_validation.check_integer); "5.5" is refused.
        try:
            value = int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                number = float("nan")
            if not number.is_integer():
                raise argparse.ArgumentTypeError(f"must be an integer >= {low}, got {text!r}") from None
            value = int(number)
        if value < low:
            raise argparse.ArgumentTypeError(f"must be an integer >= {low}, got {text!r}")
        return value

    parse.__name__ = f"integer >= {low}"
    return parse


def choice(options):
    """An argparse type accepting one of ``options``; a near miss is answered with the closest.

    Used instead of ``choices=`` so that the error can suggest ("did you mean 'vicreg'?");
    declare ``metavar=braces(options)`` to keep argparse's ``{a,b,c}`` in the usage.
    """
    options = tuple(options)

    def parse(text):
        if text in options:
            return text
        from ._validation import suggest

        match = suggest(text, options)
        hint = "" if match is None else f"; did you mean {match!r}?"
        raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from "
                                         f"{', '.join(map(repr, options))}){hint}")

    parse.__name__ = "choice"
    return parse


def braces(options):
    return "{" + ",".join(options) + "}"


def real(low, *, inclusive):
    bound = f"{'>=' if inclusive else '>'} {low:g}"

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number {bound}, got {text!r}") from None
        if not (value >= low if inclusive else value > low) or value == float("inf"):
            raise argparse.ArgumentTypeError(f"must be a finite number {bound}, got {text!r}")
        return value

    parse.__name__ = f"number {bound}"
    return parse


def finite_float(text):
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value
