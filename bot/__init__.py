"""The Telegram-facing side of Majlis: every word, tag and button a person sees, and the
processes that run it.

``app`` runs the bot (engine, a runtime, and with ``majlis run`` everything else), ``cli``
is the ``majlis`` command, ``platform`` starts the database, Redis (or the embedded
Valkey), the broker, the workers and the scheduler; ``engine`` is the conversation engine
(routers, typed flow state, one update in and replies out in one unit of work), ``chat``
the framework-neutral event and replies, ``callbacks`` the typed callback data, ``reasons``
the one table of refusal sentences, ``notices`` the words of every notice a workflow names,
``buttons`` the label and typed callback of every button a notice carries, ``i18n`` texts in the reader's language, ``lengths``
Telegram's length limits, ``delivery`` the outbox rendered, sent and stamped,
``telegram_api`` the workers' Bot API client and the shared rate limiter, ``uploads`` what
a sent file really is; ``conversations/`` holds the flows by feature, ``runtimes/`` the
aiogram and python-telegram-bot adapters. The bot may
import ``workflows``, ``models`` and ``locales``, and nothing imports it (tests and bench
aside); only ``runtimes/`` imports a Telegram library, and the ``sandbox`` only ``app``
(to serve ``majlis run`` when no token is given) and the broadcast conversation (its
parser of Telegram's HTML).
"""
