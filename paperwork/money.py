"""Rubles and kopecks: figures, words, and the platform's commission split.

Amounts are `Decimal` in whole kopecks. An amount with a fraction of a kopeck is refused
rather than rounded: a document must show exactly the amount that was charged or paid.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

KOPECK = Decimal("0.01")
NBSP = "\u00a0"  # keeps "3 000,00 ₽" on one line when a paragraph wraps

# The largest amount spelled out: the scale words below stop at billions.
MAX_AMOUNT = Decimal("999999999999.99")

# Index = digit (for tens and hundreds: that digit). «Один/два» serve masculine nouns
# (рубль, миллион), «одна/две» the feminine «тысяча».
_UNITS_MASCULINE: tuple[str, ...] = (
    "",
    "один",
    "два",
    "три",
    "четыре",
    "пять",
    "шесть",
    "семь",
    "восемь",
    "девять",
)
_UNITS_FEMININE = ("", "одна", "две", *_UNITS_MASCULINE[3:])
_TEENS: tuple[str, ...] = (
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
)
_TENS: tuple[str, ...] = (
    "",
    "",
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "шестьдесят",
    "семьдесят",
    "восемьдесят",
    "девяносто",
)
_HUNDREDS: tuple[str, ...] = (
    "",
    "сто",
    "двести",
    "триста",
    "четыреста",
    "пятьсот",
    "шестьсот",
    "семьсот",
    "восемьсот",
    "девятьсот",
)

# (forms for 1, 2–4, 5–0, feminine?) — «тысяча» is feminine: «одна тысяча», «две тысячи».
_SCALES: tuple[tuple[tuple[str, str, str], bool], ...] = (
    (("", "", ""), False),
    (("тысяча", "тысячи", "тысяч"), True),
    (("миллион", "миллиона", "миллионов"), False),
    (("миллиард", "миллиарда", "миллиардов"), False),
)
RUBLE_FORMS = ("рубль", "рубля", "рублей")
KOPECK_FORMS = ("копейка", "копейки", "копеек")


def check_amount(amount: Decimal) -> None:
    """Refuse what a document cannot state: negative, fractional-kopeck or huge amounts."""
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"amount must be a non-negative number, got {amount}")
    if amount != amount.quantize(KOPECK):
        raise ValueError(f"amount must be whole kopecks, got {amount}")
    if amount > MAX_AMOUNT:
        raise ValueError(f"amount is too large to state in words: {amount}")


def plural(n: int, forms: tuple[str, str, str]) -> str:
    """The Russian form of a noun after the number `n`: 1 рубль, 2 рубля, 5 рублей."""
    n = abs(n) % 100
    if 11 <= n <= 19:
        return forms[2]
    last = n % 10
    if last == 1:
        return forms[0]
    if 2 <= last <= 4:
        return forms[1]
    return forms[2]


def _triad_in_words(n: int, feminine: bool) -> list[str]:
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words = [_HUNDREDS[hundreds]]
    if tens == 1:
        words.append(_TEENS[units])
    else:
        unit_words = _UNITS_FEMININE if feminine else _UNITS_MASCULINE
        words += [_TENS[tens], unit_words[units]]
    return [w for w in words if w]


def integer_in_words(n: int) -> str:
    """A whole number of rubles in words, lower case: 1234 -> «одна тысяча двести тридцать
    четыре». Masculine, as «рубль» needs."""
    if n < 0 or n >= 1000 ** len(_SCALES):
        raise ValueError(f"cannot spell {n}")
    if n == 0:
        return "ноль"
    words: list[str] = []
    for power in reversed(range(len(_SCALES))):
        triad = n // 1000**power % 1000
        if triad == 0:
            continue
        forms, feminine = _SCALES[power]
        words += _triad_in_words(triad, feminine)
        if power:
            words.append(plural(triad, forms))
    return " ".join(words)


def _split(amount: Decimal) -> tuple[int, int]:
    check_amount(amount)
    kopecks = int(amount * 100)
    return divmod(kopecks, 100)


def amount_in_words(amount: Decimal) -> str:
    """«Три тысячи рублей 00 копеек» — rubles in words, kopecks in figures, as in Russian
    acts and invoices (the first letter is capitalised so it can open a bracket)."""
    rubles, kopecks = _split(amount)
    words = integer_in_words(rubles)
    return (
        f"{words[0].upper()}{words[1:]} {plural(rubles, RUBLE_FORMS)} "
        f"{kopecks:02d} {plural(kopecks, KOPECK_FORMS)}"
    )


def format_amount(amount: Decimal, sign: str = "₽") -> str:
    """«3 000,00 ₽»: no-break spaces between thousands and before the sign."""
    rubles, kopecks = _split(amount)
    grouped = f"{rubles:,}".replace(",", NBSP)
    return f"{grouped},{kopecks:02d}{NBSP}{sign}"


def format_rate(rate: Decimal) -> str:
    """A commission rate as a percentage: Decimal("0.10") -> «10 %», 0.125 -> «12,5 %»."""
    percent = (rate * 100).normalize()
    # normalize() turns 10 into 1E+1; the fixed-point format brings the digits back.
    return f"{percent:f}".replace(".", ",") + f"{NBSP}%"


def split_payout(gross: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """(commission, net) of a payment of `gross` at the platform's `rate` (0.10 for 10 %).

    The commission is rounded half-up to kopecks and the net is what remains, so
    commission + net == gross exactly — no kopeck appears or disappears.
    """
    check_amount(gross)
    if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(1):
        raise ValueError(f"commission rate must be between 0 and 1, got {rate}")
    commission = (gross * rate).quantize(KOPECK, rounding=ROUND_HALF_UP)
    return commission, gross - commission
