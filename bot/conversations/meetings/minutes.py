"""The minutes as a CSV: one row per fact, both names of every member.

The PDF, in English or in Arabic, is ``bot.conversations.meetings.minutes_pdf``.
"""

from bot.conversations.meetings.minutes_pdf import plain
from bot.i18n import Text
from workflows.charter.meetings import DelegationState
from workflows.charter.voting import Result
from workflows.meetings import motions
from workflows.meetings.minutes import Minutes
from workflows.platform import spreadsheets
from workflows.platform.values import N_

CHOICES = {"yes": N_("Yes"), "no": N_("No"), "abstain": N_("Abstain")}


def as_csv(t: Text, minutes: Minutes) -> bytes:
    """One row per fact: attendance, delegates, ballots; both names of every member."""
    rows: list[list[str]] = []
    for row in minutes.present:
        rows.append(
            [
                t._(ATTENDANCE_SHORT),
                "",
                row.name.en,
                row.name.ar,
                t._(HAND if row.by_hand else BUTTON),
                row.by,
                row.at.isoformat(),
            ]
        )
    for delegate in minutes.delegates:
        rows.append(
            [
                t._(DELEGATES),
                "",
                delegate.member.en,
                delegate.member.ar,
                t._(DELEGATION_STATES[DelegationState(delegate.state)]),
                delegate.delegate,
                "",
            ]
        )
    for item in minutes.motions:
        motion = item.motion
        result = t._(motions.OUTCOMES[Result(motion.result)]) if motion.result else t._(NOT_CLOSED)
        detail = ""
        if motion.result is not None:
            # Sentences, as in the PDF: a reader of the sheet knows no rule codes.
            rule = motions.rule_message(motion.rule or "", motions.rules_of(motion).majority_base)
            counts = plain(
                t,
                COUNTS,
                yes=motion.yes,
                no=motion.no,
                abstain=motion.abstain,
                cast=motion.votes_cast,
                attending=motion.quorum_attending,
                total=motion.quorum_total,
            )
            detail = f"{counts}. {plain(t, rule.key, **rule.args)}"
        rows.append([t._(MOTION_SHORT), str(motion.id), motion.text, "", result, detail, ""])
        for vote in item.votes:
            rows.append(
                [
                    t._(BALLOT_SHORT),
                    str(motion.id),
                    vote.voter.en,
                    vote.voter.ar,
                    t._(CHOICES[vote.choice]) if vote.choice else t._(SECRET),
                    vote.by,
                    "",
                ]
            )
    header = [t._(h) for h in (SECTION, ITEM, NAME_EN, NAME_AR, DETAIL, BY, TIME)]
    return spreadsheets.to_csv(header, rows)


DELEGATION_STATES = {
    DelegationState.PENDING: N_("not yet answered"),
    DelegationState.ACCEPTED: N_("accepted"),
    DelegationState.DECLINED: N_("refused"),
    DelegationState.REVOKED: N_("replaced"),
}
ATTENDANCE_SHORT = N_("Attendance")
DELEGATES = N_("Delegates")
MOTION_SHORT = N_("Motion")
BALLOT_SHORT = N_("Ballot")
COUNTS = N_(
    "Yes {yes}, No {no}, Abstain {abstain}; votes cast {cast}; present {attending} of {total}"
)
NOT_CLOSED = N_("Not decided yet.")
SECRET = N_("secret")
SECTION = N_("Section")
ITEM = N_("No.")
NAME_EN = N_("Name (English)")
NAME_AR = N_("Name (Arabic)")
DETAIL = N_("Detail")
BY = N_("By")
TIME = N_("Time")
HAND = N_("by hand")
BUTTON = N_("by button")
