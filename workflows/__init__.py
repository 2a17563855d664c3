# CLDR's currency digits, registered for ``charter.money`` before anything counts money.
from workflows.fees import currencies as _currencies  # noqa: F401
