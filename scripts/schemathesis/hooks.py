"""Schemathesis hooks for docs/openapi.yaml (loaded by scripts/schemathesis/schemathesis.toml).

The document gives certificate codes and credit codes a pattern for their structure and a custom
`format` for what no pattern can say: the check character (ledger-format/src/code.rs, GB 32100).
These strategies generate codes that are valid in full, so that positive tests send codes the node
must accept; negative tests still send codes that break the pattern.
"""

import schemathesis
from hypothesis import strategies as st

# ledger_format::code::ALPHABET: 0-9 and A-Z without I, O, Z, S, V; a character's value is its index.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
MODULUS = 31
# ledger_format::code::PROVINCE_CODES: the mainland's province-level GB/T 2260 prefixes.
PROVINCES = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45,
             46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65]


def check_character(payload: str) -> str:
    """The check character of `payload`: (31 - sum(value * 3^(i-1) mod 31)) mod 31."""
    total, weight = 0, 1
    for c in payload:
        total += weight * ALPHABET.index(c)
        weight = weight * 3 % MODULUS
    return ALPHABET[(MODULUS - total % MODULUS) % MODULUS]


@st.composite
def region(draw) -> str:
    """A GB/T 2260 code as `is_region_code` accepts it: no county part under `xx00`."""
    province = draw(st.sampled_from(PROVINCES))
    prefecture = draw(st.integers(0, 99))
    county = draw(st.integers(0, 99)) if prefecture else 0
    return f"{province:02}{prefecture:02}{county:02}"


@st.composite
def certificate_code(draw) -> str:
    """Region, year 1970-9999, kind R or P, 8-digit serial, check character."""
    payload = (draw(region()) + f"{draw(st.integers(1970, 9999)):04}"
               + draw(st.sampled_from("RP")) + f"{draw(st.integers(0, 99_999_999)):08}")
    return payload + check_character(payload)


@st.composite
def credit_code(draw) -> str:
    """17 characters of the alphabet and the check character (GB 32100-2015)."""
    payload = "".join(draw(st.lists(st.sampled_from(ALPHABET), min_size=17, max_size=17)))
    return payload + check_character(payload)


schemathesis.openapi.format("certificate-code", certificate_code())
schemathesis.openapi.format("credit-code", credit_code())


def _plain_integers(value):
    """`value` with every whole float (`2.0`) written as an integer (`2`)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_plain_integers(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain_integers(item) for key, item in value.items()}
    return value


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    """Sends integers as OpenAPI 3.1 defines `integer` (§4.2: "a JSON number without a fraction or
    exponent part"), which is what the node reads. JSON Schema, and so Schemathesis, also counts
    `2.0` as an integer; the node refuses it with 400. A whole float is never what makes a case
    negative (it is a valid `integer` to JSON Schema), so this changes no case's verdict."""
    if isinstance(case.body, (dict, list)):
        case.body = _plain_integers(case.body)
