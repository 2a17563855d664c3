"""The charter's rules, pure: standard library only, every rule citing its article.

errors      MajlisError, NotAllowed, IllegalTransition, InvalidAmount, Verdict
roles       Role (granted), Party (per record: owner, system), STAFF
statemachine  Transition, StateMachine: states and transitions as data
machines    APPLICATION, HONORARY, WITHDRAWAL, SUSPENSION, FEE_PAYMENT, MOTION
membership  MemberCategory, Standing, VotingRight, MEMBERSHIP, VOTING_RIGHT
voting      VotingRules, MajorityBase, bases (who counts), quorum, tally,
            amendment_may_be_put_to_vote
bodies      Body, SeatKind, COMPOSITIONS, can_assign_seat, voters_of
meetings    MEETING, may_vote_at_assembly, may_cast, reminder_time
money       Money, parse_amount (a currency's digits: CLDR, registered by workflows)
fees        FeePolicy, balance, reminder_schedule, voting_suspension_due
"""
