"""Meetings in chat: the list, a session's page, RSVP, delegates, check-in, attendance
and the minutes (Art. 23–26).

Who may press what is decided by the workflows from the database; a refusal is
told with its reason (``refusals``).
"""

import enum
from dataclasses import dataclass
from typing import ClassVar

from sqlmodel import col, select

from bot.buttons import CHECK_IN_LABEL, RSVP_LABELS, CheckIn, DelegationAnswer, RsvpPress
from bot.callbacks import Callback
from bot.chat import Button, Document, Keyboard, Reply
from bot.conversations import steps
from bot.conversations.meetings import minutes as documents
from bot.conversations.meetings import minutes_pdf
from bot.conversations.meetings import votes as vote_pages
from bot.conversations.meetings.callbacks import NewSession, SeatsHome, TextsFor
from bot.conversations.refusals import explained
from bot.conversations.start import Item, opens
from bot.engine import Router, Turn
from bot.i18n import Html, text_for
from models import Invitation, Meeting, Member, User
from workflows.charter.bodies import Body
from workflows.charter.errors import NotAllowed
from workflows.charter.meetings import MeetingState, Rsvp
from workflows.charter.roles import STAFF
from workflows.charter.voting import MajorityBase
from workflows.meetings import attendance, minutes, seats, sessions, speakers
from workflows.membership import representation
from workflows.platform import people
from workflows.platform.values import N_

router = Router("meetings")


class Act(enum.StrEnum):
    VIEW = "view"
    OPEN = "open"
    CLOSE = "close"
    CLOSE_NOW = "close_now"
    CANCEL = "cancel"
    CANCEL_NOW = "cancel_now"
    RECORD = "record"
    CSV = "csv"
    PDF_EN = "pdf_en"
    PDF_AR = "pdf_ar"
    DELEGATE = "delegate"


@dataclass(frozen=True)
class Meet(Callback, prefix="mtg"):
    meeting_id: int
    act: Act


@dataclass(frozen=True)
class PastSessions(Callback, prefix="mpast"):
    pass


@dataclass(frozen=True)
class MeetBase(Callback, prefix="mbb"):
    """The Secretariat's choice of a body's majority base, from a scheduled session."""

    meeting_id: int
    base: MajorityBase


@dataclass(frozen=True)
class RecordPresent(Callback, prefix="mrec"):
    meeting_id: int
    invitation_id: int


class DelegateNaming(steps.Typed):
    """A representative typing who is ``member``'s delegate at session ``meeting``."""

    FLOW: ClassVar[str] = "meet_delegate"
    meeting: int
    member: int


def is_staff(turn: Turn) -> bool:
    return bool(turn.roles & STAFF)


def mine(turn: Turn, *, past: bool = False) -> list[Meeting]:
    """Sessions not over (``past``: over, the latest first): all of them for the
    Secretariat, those one was invited to for the others."""
    over = [MeetingState.CLOSED.value, MeetingState.CANCELLED.value]
    state = col(Meeting.state)
    query = select(Meeting).where(state.in_(over) if past else state.not_in(over))
    query = query.order_by(col(Meeting.starts_at).desc() if past else col(Meeting.starts_at))
    found = list(turn.session.exec(query))
    if is_staff(turn):
        return found
    return [m for m in found if voters_for(turn, m)]


def voters_for(turn: Turn, meeting: Meeting) -> list[str]:
    if Body(meeting.body) != Body.ASSEMBLY:
        holders = seats.holders(turn.session, Body(meeting.body))
        return [f"u{turn.user.id}"] if turn.user.id in holders else []
    return [f"m{m.id}" for m in speakers.members_of(turn.session, meeting, turn.user.id)]


def home(turn: Turn) -> None:
    """The menu's "Meetings and votes"."""
    t = turn.t
    rows: Keyboard = []
    if is_staff(turn):
        rows.append(
            [
                Button(t._(NEW_SESSION), NewSession().pack()),
                Button(t._(SEATS), SeatsHome().pack()),
            ]
        )
    listed = mine(turn)
    rows += session_buttons(turn, listed)
    if mine(turn, past=True):
        rows.append([Button(t._(PAST_SESSIONS), PastSessions().pack())])
    turn.say(t._(HOME) if listed else t._(NOTHING_SCHEDULED), rows)


def session_buttons(turn: Turn, listed: list[Meeting]) -> Keyboard:
    return [
        [
            Button(
                f"{sessions.title_of(meeting).in_(turn.t.language)} · {_state(turn, meeting)}",
                Meet(meeting.id or 0, Act.VIEW).pack(),
            )
        ]
        for meeting in listed[:15]
    ]


@router.button(PastSessions)
@explained
def past_sessions(turn: Turn, _press: PastSessions) -> None:
    """Closed and cancelled sessions, the latest first, to read or export again."""
    listed = mine(turn, past=True)
    turn.say(turn.t._(PAST if listed else NO_PAST), session_buttons(turn, listed))


def _state(turn: Turn, meeting: Meeting) -> str:
    return turn.t._(STATE_NAMES[MeetingState(meeting.state)])


def page(turn: Turn, meeting: Meeting, *, edit: bool = False) -> None:
    t = turn.t
    assert meeting.id is not None
    result = sessions.quorum_of(turn.session, meeting)
    shortfall = sessions.seating_shortfall(turn.session, meeting)
    text = "\n".join(
        [
            t._(sessions.SESSION_LINES, **sessions.describe(turn.session, meeting)),
            t._(STATE_LINE, state=Html(_state(turn, meeting))),
            t._(
                PRESENT_LINE,
                present=len(speakers.attended(turn.session, meeting.id)),
                invited=len(speakers.invitations(turn.session, meeting)),
            ),
            t.show(sessions.quorum_message(result)),
            t.show(sessions.rules_message(sessions.rules_of(meeting))),
            *([t._(sessions.TOO_FEW_SEATED, **shortfall)] if shortfall else []),
        ]
    )
    rows: Keyboard = []
    act = lambda label, a: Button(t._(label), Meet(meeting.id or 0, a).pack())  # noqa: E731
    state = MeetingState(meeting.state)
    if is_staff(turn):
        if state is MeetingState.SCHEDULED:
            rows.append([act(OPEN_LABEL, Act.OPEN), act(CANCEL_LABEL, Act.CANCEL)])
            rows.append(base_buttons(turn, MajorityBase(meeting.majority_base), meeting.id))
        if state is MeetingState.OPEN:
            rows.append([act(RECORD_LABEL, Act.RECORD), act(CLOSE_LABEL, Act.CLOSE)])
        rows.append(
            [act(CSV_LABEL, Act.CSV), act(PDF_EN_LABEL, Act.PDF_EN), act(PDF_AR_LABEL, Act.PDF_AR)]
        )
        if state in (MeetingState.SCHEDULED, MeetingState.OPEN):
            rows.append(
                [
                    Button(t._(TEXTS_LABELS[language]), TextsFor(meeting.id, language).pack())
                    for language in ("en", "ar")
                ]
            )
    else:
        if state is MeetingState.OPEN:
            member_ids = [int(v[1:]) if v.startswith("m") else 0 for v in voters_for(turn, meeting)]
            rows += [
                [Button(t._(CHECK_IN_LABEL), CheckIn(meeting.id, m).pack())] for m in member_ids[:1]
            ]
        if meeting.body == Body.ASSEMBLY.value and state is not MeetingState.CLOSED:
            rows.append([act(RSVP_LABELS[Rsvp.DELEGATE], Act.DELEGATE)])
    rows += vote_pages.motion_buttons(turn, meeting)
    rows.append([act(REFRESH_LABEL, Act.VIEW)])
    if edit:
        turn.edit(Html(text), rows)
    else:
        turn.say(Html(text), rows)


@router.button(Meet)
@explained
def meet(turn: Turn, press: Meet) -> None:
    meeting = sessions.load(turn.session, press.meeting_id)
    now = turn.uow.clock.now()
    staff_only = {
        Act.OPEN,
        Act.CLOSE,
        Act.CLOSE_NOW,
        Act.CANCEL,
        Act.CANCEL_NOW,
        Act.RECORD,
        Act.CSV,
        Act.PDF_EN,
        Act.PDF_AR,
    }
    if press.act in staff_only and not is_staff(turn):
        raise NotAllowed("the Secretariat runs sessions", reason="role_not_allowed")
    if press.act is Act.VIEW:
        if not is_staff(turn) and not voters_for(turn, meeting):
            raise NotAllowed("not invited", reason="not_invited")
        page(turn, meeting, edit=True)
    elif press.act is Act.OPEN:
        sessions.open_session(turn.session, press.meeting_id, turn.user, now=now)
        turn.toast(turn.t._(OPENED))
        page(turn, meeting, edit=True)
    elif press.act in (Act.CLOSE, Act.CANCEL):
        confirm_end(turn, meeting, press.act)
    elif press.act is Act.CLOSE_NOW:
        sessions.close_session(turn.session, press.meeting_id, turn.user, now=now)
        page(turn, meeting, edit=True)
    elif press.act is Act.CANCEL_NOW:
        sessions.cancel_session(turn.session, press.meeting_id, turn.user, now=now)
        page(turn, meeting, edit=True)
    elif press.act is Act.RECORD:
        record_list(turn, meeting)
    elif press.act is Act.DELEGATE:
        ask_delegate(turn, meeting)
    else:
        export(turn, meeting, press.act)


def confirm_end(turn: Turn, meeting: Meeting, act: Act) -> None:
    """Closing or cancelling a session cannot be undone: ask first."""
    t = turn.t
    closing = act is Act.CLOSE
    question = CONFIRM_CLOSE if closing else CONFIRM_CANCEL
    now = Act.CLOSE_NOW if closing else Act.CANCEL_NOW
    turn.edit(
        t._(question, title=sessions.title_of(meeting)),
        [
            [
                Button(
                    t._(YES_CLOSE if closing else YES_CANCEL), Meet(meeting.id or 0, now).pack()
                ),
                Button(t._(BACK), Meet(meeting.id or 0, Act.VIEW).pack()),
            ]
        ],
    )


def base_buttons(turn: Turn, current: MajorityBase, meeting_id: int) -> list[Button]:
    return [
        Button(
            ("✓ " if base is current else "") + turn.t._(vote_pages.BASE_LABELS[base]),
            MeetBase(meeting_id, base).pack(),
        )
        for base in MajorityBase
    ]


@router.button(MeetBase)
@explained
def choose_base(turn: Turn, press: MeetBase) -> None:
    """Art. 26 leaves the base open: the choice is the body's, for this session and
    those convened after it; refused once the session has opened."""
    meeting = sessions.load(turn.session, press.meeting_id)
    now = turn.uow.clock.now()
    sessions.choose_rules(
        turn.session, press.meeting_id, turn.user, majority_base=press.base, now=now
    )
    sessions.choose_body_base(turn.session, Body(meeting.body), press.base, turn.user, now=now)
    page(turn, meeting, edit=True)


def export(turn: Turn, meeting: Meeting, act: Act) -> None:
    assert meeting.id is not None
    gathered = minutes.gather(turn.session, meeting.id, turn.user)
    stem = f"minutes-{meeting.id}"
    if act is Act.CSV:
        content = documents.as_csv(turn.t, gathered)
        document = Document(f"{stem}.csv", content, "text/csv")
    else:
        language = "ar" if act is Act.PDF_AR else "en"
        content = minutes_pdf.as_pdf(text_for(language), gathered)
        document = Document(f"{stem}-{language}.pdf", content, "application/pdf")
    turn.out.append(
        Reply(text=turn.t._(MINUTES_CAPTION, title=sessions.title_of(meeting)), document=document)
    )


# --- RSVP and delegates (Art. 24) --------------------------------------------


@router.button(RsvpPress)
@explained
def rsvp(turn: Turn, press: RsvpPress) -> None:
    invitation = sessions.answer_invitation(
        turn.session, press.invitation_id, turn.user, press.answer, now=turn.uow.clock.now()
    )
    meeting = sessions.load(turn.session, invitation.meeting_id)
    if press.answer is Rsvp.DELEGATE:
        ask_delegate(turn, meeting, invitation.member_id)
        return
    turn.toast(turn.t._(RSVP_THANKS[press.answer]))
    turn.edit(turn.t._(RSVP_DONE[press.answer], title=sessions.title_of(meeting)))


def ask_delegate(turn: Turn, meeting: Meeting, member_id: int | None = None) -> None:
    members = [
        m
        for m in speakers.members_of(turn.session, meeting, turn.user.id)
        if turn.user.id in representation.representatives(turn.session, m.id or 0)
        and (member_id is None or m.id == member_id)
    ]
    if not members:
        raise NotAllowed("not a representative", reason="not_representative")
    turn.start(DelegateNaming(meeting=meeting.id or 0, member=members[0].id or 0), private=True)
    turn.say_privately(turn.t._(ASK_DELEGATE, title=sessions.title_of(meeting)))


@router.flow(DelegateNaming.FLOW)
@explained
def typed_delegate(turn: Turn) -> None:
    naming = turn.state(DelegateNaming)
    if naming is None:
        turn.finish()
        turn.say(turn.t._(steps.CLOSED))
        return
    person = people.find_person(turn.session, turn.event.text or "")
    if person is None:
        turn.say(turn.t._(NO_SUCH_PERSON))
        return
    attendance.name_delegate(
        turn.session,
        naming.meeting,
        naming.member,
        turn.user,
        person,
        now=turn.uow.clock.now(),
    )
    turn.finish()
    turn.say(turn.t._(DELEGATE_ASKED, name=person.first_name))


@router.button(DelegationAnswer)
@explained
def answer_delegation(turn: Turn, press: DelegationAnswer) -> None:
    accept = press.answer == "yes"
    row = attendance.answer_delegation(
        turn.session, press.delegation_id, turn.user, accept, now=turn.uow.clock.now()
    )
    meeting = sessions.load(turn.session, row.meeting_id)
    turn.edit(turn.t._(ACCEPTED if accept else REFUSED, title=sessions.title_of(meeting)))


# --- Check-in and attendance (Art. 26) ----------------------------------------


@router.button(CheckIn)
@explained
def check_in(turn: Turn, press: CheckIn) -> None:
    meeting = sessions.load(turn.session, press.meeting_id)
    new = attendance.check_in(
        turn.session,
        press.meeting_id,
        turn.user,
        member_id=press.member_id or None,
        now=turn.uow.clock.now(),
    )
    turn.toast(turn.t._(CHECKED_IN if new else ALREADY_IN))
    turn.edit(turn.t._(CHECKED_IN_TEXT, title=sessions.title_of(meeting)))


def record_list(turn: Turn, meeting: Meeting) -> None:
    assert meeting.id is not None
    present = {row.voter for row in speakers.attended(turn.session, meeting.id)}
    absent = [i for i in speakers.invitations(turn.session, meeting) if i.voter not in present]
    rows: Keyboard = []
    for invitation in absent[:40]:
        rows.append(
            [
                Button(
                    invitee_name(turn, invitation),
                    RecordPresent(meeting.id, invitation.id or 0).pack(),
                )
            ]
        )
    rows.append([Button(turn.t._(REFRESH_LABEL), Meet(meeting.id, Act.VIEW).pack())])
    turn.say(turn.t._(RECORD_WHO if absent else ALL_PRESENT), rows)


def invitee_name(turn: Turn, invitation: Invitation) -> str:
    if invitation.member_id is not None:
        member = turn.session.get(Member, invitation.member_id)
        if member is not None:
            return member.name_ar if turn.t.rtl else member.name_en
    user = turn.session.get(User, invitation.user_id) if invitation.user_id else None
    return user.first_name if user else invitation.voter


@router.button(RecordPresent)
@explained
def record_present(turn: Turn, press: RecordPresent) -> None:
    invitation = turn.session.get(Invitation, press.invitation_id)
    if invitation is None or invitation.meeting_id != press.meeting_id:
        raise NotAllowed("no such invitation", reason="not_found")
    attendance.record_by_hand(
        turn.session, press.meeting_id, invitation.voter, turn.user, now=turn.uow.clock.now()
    )
    turn.toast(turn.t._(RECORDED, name=Html(invitee_name(turn, invitation))))
    record_list(turn, sessions.load(turn.session, press.meeting_id))


STATE_NAMES = {
    MeetingState.SCHEDULED: N_("scheduled"),
    MeetingState.OPEN: N_("open: check-in and votes"),
    MeetingState.CLOSED: N_("closed"),
    MeetingState.CANCELLED: N_("cancelled"),
}
HOME = N_("<b>Meetings and votes</b>\nChoose a session.")
NOTHING_SCHEDULED = N_("<b>Meetings and votes</b>\nNo session is scheduled or open.")
NEW_SESSION = N_("New session")
PAST_SESSIONS = N_("Past sessions")
PAST = N_("<b>Past sessions</b>\nThe latest first; open one to read it or export its minutes.")
NO_PAST = N_("<b>Past sessions</b>\nNo session is closed yet.")
CONFIRM_CLOSE = N_(
    "Close {title}? Check-in and votes end for good; the minutes can then be exported."
)
CONFIRM_CANCEL = N_("Cancel {title}? Everyone invited is told, and it cannot be undone.")
YES_CLOSE = N_("Yes, close the session")
YES_CANCEL = N_("Yes, cancel the session")
BACK = N_("« Back")
TEXTS_LABELS = {"en": N_("Texts in English"), "ar": N_("Texts in Arabic")}
SEATS = N_("Seats")
STATE_LINE = N_("State: {state}")
PRESENT_LINE = N_("Present: {present} of {invited} invited")
OPEN_LABEL = N_("Open the session")
CLOSE_LABEL = N_("Close the session")
CANCEL_LABEL = N_("Cancel the session")
RECORD_LABEL = N_("Record attendance")
CSV_LABEL = N_("Minutes CSV")
PDF_EN_LABEL = N_("Minutes PDF (English)")
PDF_AR_LABEL = N_("Minutes PDF (Arabic)")
REFRESH_LABEL = N_("Refresh")
OPENED = N_("The session is open; check-in buttons were sent.")
MINUTES_CAPTION = N_("Minutes of {title}")
RSVP_THANKS = {
    Rsvp.ATTEND: N_("Thank you; you are expected."),
    Rsvp.DECLINE: N_("Thank you; your answer is recorded."),
    Rsvp.DELEGATE: N_("Name your delegate."),
    Rsvp.PENDING: N_("Thank you."),
}
RSVP_DONE = {
    Rsvp.ATTEND: N_("You will attend <b>{title}</b>. Check in there when the session opens."),
    Rsvp.DECLINE: N_("You declined <b>{title}</b>."),
    Rsvp.DELEGATE: N_("You send a delegate to <b>{title}</b>."),
    Rsvp.PENDING: N_("<b>{title}</b>"),
}
ASK_DELEGATE = N_(
    "Who is your member's official delegate for <b>{title}</b> (Art. 24)? Type their "
    "@username or Telegram id; they must have started this bot, and will be asked to accept."
)
NO_SUCH_PERSON = N_(
    "I do not know this person. They must open this bot and press Start first; then type "
    "their @username or Telegram id again."
)
DELEGATE_ASKED = N_("{name} has been asked to be your delegate; you will be told the answer.")
ACCEPTED = N_("You are the delegate for <b>{title}</b>. Check in when the session opens.")
REFUSED = N_("You refused the delegation for <b>{title}</b>.")
CHECKED_IN = N_("Checked in.")
ALREADY_IN = N_("You were already checked in.")
CHECKED_IN_TEXT = N_("✅ Checked in at <b>{title}</b>. Your ballots will come here.")
RECORD_WHO = N_("Who is present in the room? Press each name to record them.")
ALL_PRESENT = N_("Everyone invited is recorded as present.")
RECORDED = N_("{name} recorded as present.")

opens(Item.MEETINGS, home)
