"""INCRBYFLOAT arithmetic in x87 *long double*, as redis-server computes it.

Redis parses the stored value and the increment with ``strtold`` and adds them
as 80-bit long doubles (64-bit mantissa), then prints the sum with ``%.17Lf``
and trims trailing zeros. With plain Python floats (53-bit mantissa)
``10.5 + 0.1`` would print as ``10.59999999999999964``; Redis prints ``10.6``.
To give the same answers we do the arithmetic exactly with fractions and round
to a 64-bit mantissa at the same points the C code does.
"""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction

MANTISSA_BITS = 64
MAX_EXP = 16384  # long double exponent range (beyond it: infinity)
LDBL_MAX = (Fraction(2) - Fraction(1, 2**63)) * Fraction(2) ** 16383


def round_ld(x: Fraction) -> Fraction:
    """Round an exact value to the nearest long double (ties to even)."""
    if x == 0:
        return Fraction(0)
    sign = -1 if x < 0 else 1
    x = abs(x)
    # exponent e such that 2**(e-1) <= x < 2**e
    e = x.numerator.bit_length() - x.denominator.bit_length()
    if Fraction(2) ** e <= x:
        e += 1
    while Fraction(2) ** (e - 1) > x:
        e -= 1
    if e > MAX_EXP:
        raise OverflowError
    shift = MANTISSA_BITS - e
    scaled = x * (Fraction(2) ** shift)
    q, r = divmod(scaled.numerator, scaled.denominator)
    twice = 2 * r
    if twice > scaled.denominator or (twice == scaled.denominator and q % 2 == 1):
        q += 1
    return sign * Fraction(q) / (Fraction(2) ** shift)


def parse_ld(text: bytes) -> Fraction:
    """strtold: the long double nearest to a decimal (or hex) literal."""
    t = text.decode("ascii").strip().lower()
    if "x" in t:
        return round_ld(Fraction(float.fromhex(t)))
    if t.lstrip("+-") in ("inf", "infinity"):
        raise OverflowError
    return round_ld(Fraction(Decimal(t)))


def format_ld_human(value: Fraction) -> bytes:
    """``%.17Lf`` then strip trailing zeros and a trailing dot (LD_STR_HUMAN)."""
    d = Decimal(value.numerator) / Decimal(value.denominator) if value.denominator != 1 \
        else Decimal(value.numerator)
    if value.denominator != 1:
        # exact decimal expansion of a dyadic rational, then round to 17 places
        ctx = Context(prec=6000)
        d = ctx.divide(Decimal(value.numerator), Decimal(value.denominator))
    text = format(d.quantize(Decimal("1e-17"), rounding=ROUND_HALF_EVEN,
                             context=Context(prec=6000)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return text.encode()


def incr_by_float(current: bytes, increment: bytes) -> bytes:
    """The new value INCRBYFLOAT stores. Raises OverflowError for inf results."""
    total = round_ld(parse_ld(current) + parse_ld(increment))
    if abs(total) > LDBL_MAX:
        raise OverflowError
    return format_ld_human(total)
